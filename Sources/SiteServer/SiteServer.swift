import Hummingbird
import Logging

/// The HTTP server of one site: Frappe's REST and method APIs over a `SiteBackend`.
///
/// ```swift
/// let server = SiteServer(backend: site, configuration: configuration, logger: logger)
/// let app = server.application(onServerRunning: { port in print("listening on \(port)") })
/// try await app.runService()   // until SIGINT/SIGTERM, then a graceful shutdown
/// ```
public struct SiteServer: Sendable {
    public var backend: any SiteBackend
    public var configuration: SiteServerConfiguration
    public var logger: Logger
    /// The streaming API, when this server serves a site that streams (see `StreamRoutes`).
    public var streaming: StreamEndpoints?
    /// The site's figures; with them the server counts requests and serves `GET /metrics`.
    public var metrics: SiteMetrics?

    public init(backend: any SiteBackend, configuration: SiteServerConfiguration = .init(), logger: Logger,
                streaming: StreamEndpoints? = nil, metrics: SiteMetrics? = nil) {
        self.backend = backend
        self.configuration = configuration
        self.logger = logger
        self.streaming = streaming
        self.metrics = metrics
    }

    /// The router with every route and middleware: request log (outermost), request metrics,
    /// Frappe-shaped errors, authentication, then the routes of each area.
    public func makeRouter() -> Router<SiteRequestContext> {
        let router = Router(context: SiteRequestContext.self)
        router.add(middleware: RequestLogMiddleware())
        if let metrics { router.add(middleware: RequestMetricsMiddleware(factory: metrics.factory)) }
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: AuthenticationMiddleware(backend: backend))
        addRESTRoutes(to: router)
        addMethodRoutes(to: router)
        if let streaming {
            addStreamRoutes(to: router, endpoints: streaming)
            addSubscriptionRoutes(to: router, endpoints: streaming)
            addSyncLogRoutes(to: router, endpoints: streaming)
            addBundleRoutes(to: router, endpoints: streaming)
        }
        if let metrics { addMetricsRoute(to: router, metrics: metrics) }
        return router
    }

    /// The application, ready for `runService()` (which shuts down gracefully on SIGINT and
    /// SIGTERM) or `run()`. `onServerRunning` receives the bound port, useful with port 0.
    public func application(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let idle = configuration.idleTimeout.components
        let idleNanos = idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000
        return Application(
            router: makeRouter(),
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(idleNanos))),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: configuration.serverName),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}

/// The application for `backend` under `configuration`; see `SiteServer.application`.
public func buildApplication(
    backend: any SiteBackend,
    configuration: SiteServerConfiguration = .init(),
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    SiteServer(backend: backend, configuration: configuration, logger: logger)
        .application(onServerRunning: onServerRunning)
}

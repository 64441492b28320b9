import Hummingbird
import HummingbirdCore
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
    /// What lets the server answer `GET /api/resource/{doctype}/{name}` on the event loop and
    /// start `POST /api/resource/{doctype}` inserts before the router (`DirectRouteHandler`);
    /// `nil` sends every request through the router. By default the backend itself, when it
    /// can check keys and read without suspending.
    public var directReads: (any ImmediateDocumentReads)?

    public init(backend: any SiteBackend, configuration: SiteServerConfiguration = .init(), logger: Logger,
                streaming: StreamEndpoints? = nil, metrics: SiteMetrics? = nil) {
        self.backend = backend
        self.configuration = configuration
        self.logger = logger
        self.streaming = streaming
        self.metrics = metrics
        self.directReads = backend as? any ImmediateDocumentReads
    }

    /// The router with every route and middleware: request log (outermost), request metrics,
    /// Frappe-shaped errors, authentication, then the routes of each area.
    public func makeRouter() -> Router<SiteRequestContext> {
        makeRouter(metricHandlers: metrics.map { RequestMetricHandlers(factory: $0.factory) })
    }

    func makeRouter(metricHandlers: RequestMetricHandlers?) -> Router<SiteRequestContext> {
        let router = Router(context: SiteRequestContext.self)
        router.add(middleware: RequestLogMiddleware())
        if let metricHandlers { router.add(middleware: RequestMetricsMiddleware(handlers: metricHandlers)) }
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
        // One set of request counters for the router and the direct reads, so both count alike.
        let metricHandlers = metrics.map { RequestMetricHandlers(factory: $0.factory) }
        let headers = DirectReplyHeaders(serverName: configuration.serverName)
        let reads = directReads.map { DirectDocumentReader(reads: $0, logger: logger, metrics: metricHandlers, headers: headers) }
        let inserts = directReads.map {
            DirectDocumentInsert(backend: backend, reads: $0, limits: configuration.limits, logger: logger, metrics: metricHandlers, headers: headers)
        }
        let (idleTimeout, bodyTimeout) = (configuration.idleTimeout, configuration.bodyReadTimeout)
        return Application(
            router: makeRouter(metricHandlers: metricHandlers),
            server: HTTPServerBuilder { responder in
                SiteHTTP1Channel(responder: responder, idleTimeout: idleTimeout, bodyArrivalTimeout: bodyTimeout,
                                 directReads: reads, directInserts: inserts)
            },
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

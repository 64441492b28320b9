import DocumentModel
import Foundation
import Hummingbird
import Logging
import Site
import SiteStreamJSON
import Streaming
import Synchronization

/// A site while it is served: the REST and streaming API, the producer's pings to its
/// consumers, its log retention every few minutes, and one background pull loop per producer
/// it subscribes to.
///
/// `serve` and the demo both run sites through this, so the demo exercises exactly what a
/// served site does.
public final class ServedSite: Sendable {
    public let site: Site
    public let producer: StreamProducer
    public let consumer: StreamConsumer
    let logger: Logger
    let pullConfiguration: PullLoop.Configuration
    /// The site's figures (served as `GET /metrics`); open the site with `metrics.factory` so
    /// its log reports into the same registry.
    public let metrics: SiteMetrics?
    /// How often the producer's retention runs while served (`StreamProducer.applyRetention`).
    public static let retentionInterval: Duration = .seconds(300)
    /// Runs the HTTP server; `stop()` shuts it down gracefully.
    private let server = GracefulServer()
    /// Pull loops by producer site id, with the tasks that run them.
    private let loops = Mutex<[String: (loop: PullLoop, task: Task<Void, Never>)]>([:])

    /// `conditionFunctions` are the `cmd:` conditions the app registered (StreamProducer).
    public init(site: Site, pullConfiguration: PullLoop.Configuration = .init(), metrics: SiteMetrics? = nil,
                conditionFunctions: ConditionFunctions = ConditionFunctions(), logger: Logger) {
        self.site = site
        self.logger = logger
        self.pullConfiguration = pullConfiguration
        self.metrics = metrics
        producer = StreamProducer(site: site, conditionFunctions: conditionFunctions, logger: logger, metrics: metrics?.factory)
        consumer = StreamConsumer(site: site, logger: logger, metrics: metrics?.factory)
    }

    /// The HTTP server for this site, with streaming routes wired to this runtime.
    public func server(configuration: SiteServerConfiguration, backend: SiteDocumentBackend, httpLogger: Logger? = nil) -> SiteServer {
        let endpoints = StreamEndpoints(producer: producer, consumer: consumer, notify: { [weak self] producerID in
            self?.notify(producerID: producerID)
        }, pullNow: { [weak self] only in
            try await self?.pullNow(producer: only) ?? []
        })
        // Saving an Event Producer registers with it and starts its pull loop.
        let registering = EventProducerBackend(inner: backend, consumer: consumer) { [weak self] in try self?.startPullLoops() }
        var server = SiteServer(backend: registering, configuration: configuration, logger: httpLogger ?? logger, streaming: endpoints,
                                metrics: metrics)
        // Document reads are the site's own: the registering wrapper changes only writes.
        server.directReads = backend
        return server
    }

    /// Starts a pull loop for every subscribed producer that has none yet (call again after a
    /// new subscription).
    public func startPullLoops() throws {
        for configuration in try consumer.producers() {
            guard let document = try site.get(SystemDocTypes.eventProducer, configuration.name),
                  let client = HTTPProducerClient(eventProducer: document.object) else { continue }
            loops.withLock { loops in
                guard loops[configuration.siteID] == nil else { return }
                let loop = PullLoop(consumer: consumer, producer: configuration.name, client: client,
                                    configuration: pullConfiguration, logger: logger)
                let task = Task { await loop.run() }
                loops[configuration.siteID] = (loop, task)
            }
        }
    }

    /// The pull loop of a producer (by site id), if one runs.
    public func pullLoop(producerID: String) -> PullLoop? {
        loops.withLock { $0[producerID]?.loop }
    }

    /// Pulls from every subscribed producer (or the one named, by name, site id or URL) through its
    /// pull loop, until caught up; a pull already running is joined. Throws `.notFound` for a
    /// name this site does not subscribe to.
    public func pullNow(producer only: String?) async throws -> [(String, StreamConsumer.PullReport)] {
        try startPullLoops()
        let chosen = try consumer.producers().filter { only == nil || $0.isNamed(only!) }
        if let only, chosen.isEmpty {
            throw StreamError(.notFound, "this site does not subscribe to a producer named \(only)")
        }
        var reports: [(String, StreamConsumer.PullReport)] = []
        for configuration in chosen {
            guard let loop = pullLoop(producerID: configuration.siteID) else {
                throw StreamError(.invalidRequest, "the Event Producer \(configuration.name) has no URL or credentials")
            }
            reports.append((configuration.name, try await loop.pullOnce()))
        }
        return reports
    }

    public func notify(producerID: String) {
        guard let loop = pullLoop(producerID: producerID) else { return }
        Task { await loop.notify() }
    }

    /// Runs the server, the ping notifier and the pull loops until the server stops (SIGINT
    /// or SIGTERM with `handleSignals`, or `stop()`); then stops the rest.
    public func run(configuration: SiteServerConfiguration, backend: SiteDocumentBackend, handleSignals: Bool,
                    httpLogger: Logger? = nil, onServerRunning: @escaping @Sendable (Int) async -> Void) async throws {
        let app = server(configuration: configuration, backend: backend, httpLogger: httpLogger).application(onServerRunning: onServerRunning)
        let notifier = PingNotifier(producer: producer, logger: logger, send: HTTPPingSender(producerID: site.identity.id).send)
        let pings = Task { await notifier.run() }
        let producer = self.producer, logger = self.logger
        let retention = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.retentionInterval)
                guard !Task.isCancelled else { break }
                do { try producer.applyRetention() } catch {
                    logger.warning("retention failed", metadata: ["error": "\(error)"])
                }
            }
        }
        try startPullLoops()
        defer {
            pings.cancel()
            retention.cancel()
            stopPullLoops()
        }
        try await server.run(app, signals: handleSignals ? [.sigterm, .sigint] : [], logger: logger)
    }

    /// Stops the server gracefully (requests in flight finish); `run` then returns. Stop this
    /// way rather than by cancelling `run`'s task (see `GracefulServer`).
    public func stop() async {
        stopPullLoops()
        await server.stop()
    }

    public func stopPullLoops() {
        let tasks = loops.withLock { loops -> [Task<Void, Never>] in
            defer { loops.removeAll() }
            return loops.values.map(\.task)
        }
        for task in tasks { task.cancel() }
    }
}

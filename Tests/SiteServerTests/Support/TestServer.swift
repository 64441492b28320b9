import Hummingbird
import Logging
import SiteStreamJSON
import Synchronization

@testable import SiteServer

/// Runs the real application on a free loopback port for the duration of `body`.
struct TestServer: Sendable {
    let backend: InMemoryBackend
    let client: RawHTTPClient
    /// A key of the Administrator.
    let admin: APIKeyPair
    /// A key of a user who may read but not write.
    let reader: APIKeyPair
    let logs: CapturedLogs

    var port: Int { client.port }

    var adminToken: (String, String) { ("Authorization", "token \(admin.apiKey):\(admin.apiSecret)") }

    /// Starts a server with `configure` applied to a test configuration (port 0, small
    /// limits), runs `body`, and shuts the server down, whatever `body` does.
    /// `directReads: false` sends document reads through the router too (the backend still
    /// could answer them directly); `metrics` turns on request metrics and `/metrics`.
    static func with(
        configure: (inout SiteServerConfiguration) -> Void = { _ in },
        directReads: Bool = true, metrics: SiteMetrics? = nil,
        _ body: (TestServer) async throws -> Void
    ) async throws {
        let backend = InMemoryBackend()
        let admin = backend.addKey(for: "Administrator")
        let reader = backend.addKey(for: "reader@example.com")
        var configuration = SiteServerConfiguration()
        configuration.port = 0
        configuration.maxBodyBytes = 64 << 10
        configuration.maxPageLength = 50
        configure(&configuration)
        let logs = CapturedLogs()
        try await serve(backend: backend, configuration: configuration, logs: logs, directReads: directReads, metrics: metrics) { port in
            try await body(TestServer(
                backend: backend, client: RawHTTPClient(port: port), admin: admin, reader: reader, logs: logs))
        }
    }

    /// Runs the application for `backend` until `body` (given the bound port) returns.
    static func serve(
        backend: any SiteBackend, configuration: SiteServerConfiguration, logs: CapturedLogs = CapturedLogs(),
        directReads: Bool = true, metrics: SiteMetrics? = nil,
        _ body: (Int) async throws -> Void
    ) async throws {
        var logger = Logger(label: "test.server") { _ in CapturingLogHandler(sink: logs) }
        logger.logLevel = .debug
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        var server = SiteServer(backend: backend, configuration: configuration, logger: logger, metrics: metrics)
        if !directReads { server.directReads = nil }
        let app = server.application { port in
            portSink.yield(port)
            portSink.finish()
        }
        // Stopped gracefully, never cancelled: cancelling a server with a connection open traps.
        let runner = GracefulServer()
        let serverLogger = logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run(app, logger: serverLogger) }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                await runner.stop()
                throw RawHTTPClient.ClientError.socket("server did not report a port")
            }
            do {
                try await body(port)
            } catch {
                await runner.stop()
                throw error
            }
            await runner.stop()
            try await group.waitForAll()
        }
    }
}

/// Everything the server logged, for checking the request log and that secrets stay out.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let sink: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        sink.append("\(event.level) \(event.message) \(merged)")
    }
}

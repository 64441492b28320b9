import Foundation
import Logging
import Site
import SiteServer
import Streaming

/// One demo site served on loopback: its `ServedSite` runtime, its server task and an API key
/// other sites use to reach it.
final class DemoNode: Sendable {
    let name: String
    let url: String
    let served: ServedSite
    let key: APIKeyPair
    private let serverTask: Task<Void, any Error>

    var site: Site { served.site }

    /// Creates the site in `root/name`, serves it on `port` (with its own metrics, served at
    /// `/metrics` as `serve` does) and waits until it listens.
    static func start(name: String, port: Int, root: URL, controllers: ControllerRegistry = .sitestream, logger: Logger) async throws -> DemoNode {
        let layout = SiteLayout(root: root.appendingPathComponent(name, isDirectory: true))
        let url = "http://127.0.0.1:\(port)"
        try await Site.create(at: layout, name: name, url: url, logger: logger)
        let metrics = SiteMetrics()
        let site = try Site.open(at: layout, controllers: controllers, metrics: metrics.factory, logger: logger)
        let key = try await UserCredentialStore(site: site).createKey(for: "Administrator")
        var pulls = PullLoop.Configuration()
        pulls.pollInterval = .seconds(2)
        pulls.retryDelay = .milliseconds(200)
        let served = ServedSite(site: site, pullConfiguration: pulls, metrics: metrics, logger: logger)
        var configuration = SiteServerConfiguration()
        configuration.port = port
        let listening = AsyncStream<Int>.makeStream()
        // The demo stops its servers by cancelling them, which HTTP logs as errors; keep that quiet.
        var httpLogger = logger
        httpLogger.logLevel = .critical
        let quietLogger = httpLogger
        let task = Task {
            try await served.run(configuration: configuration, backend: SiteDocumentBackend(site: site), handleSignals: false,
                                 httpLogger: quietLogger) { port in
                listening.continuation.yield(port)
            }
        }
        var iterator = listening.stream.makeAsyncIterator()
        let deadline = Task {
            try await Task.sleep(for: .seconds(30))
            listening.continuation.finish()
        }
        guard await iterator.next() != nil else {
            task.cancel()
            throw CLIError("the demo site \(name) did not start listening on port \(port)")
        }
        deadline.cancel()
        return DemoNode(name: name, url: url, served: served, key: key, serverTask: task)
    }

    private init(name: String, url: String, served: ServedSite, key: APIKeyPair, serverTask: Task<Void, any Error>) {
        self.name = name
        self.url = url
        self.served = served
        self.key = key
        self.serverTask = serverTask
    }

    /// A client for this node as a producer, with its key.
    var client: HTTPProducerClient { HTTPProducerClient(url: url, apiKey: key.apiKey, apiSecret: key.apiSecret) }

    func stop() async {
        // Gracefully, not by cancelling the server's task (see GracefulServer).
        await served.stop()
        _ = await serverTask.result
        try? site.close()
    }

    /// A free loopback port (the kernel picks one; a tiny race with other programs is possible).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CLIError("cannot find a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

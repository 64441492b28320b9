import DocumentModel
import EventLog
import Foundation
import Logging
import Site
import SiteServer
import SiteStreamJSON
import Streaming
import Synchronization

/// One real site served on a loopback port through `ServedSite` (what `sitestream serve`
/// runs): REST, the streaming API, pings and background pull loops. For tests of two or three
/// sites streaming to each other over HTTP.
final class ServedNode: Sendable {
    let name: String
    let url: String
    let directory: URL
    let served: ServedSite
    let key: APIKeyPair
    private let serverTask: Task<Void, any Error>

    var site: Site { served.site }
    var producer: StreamProducer { served.producer }
    var consumer: StreamConsumer { served.consumer }
    /// A client of this node as a producer, with its Administrator key.
    var client: HTTPProducerClient { HTTPProducerClient(url: url, apiKey: key.apiKey, apiSecret: key.apiSecret, timeout: 20) }

    /// Creates a site called `name` in a fresh temporary directory and serves it. A server
    /// that fails to start (the free port found was taken meanwhile by another process on the
    /// machine) is tried again on a new site and port, twice at most.
    static func start(_ name: String, settings configure: (inout SiteSettings) -> Void = { _ in },
                      pollInterval: Duration = .milliseconds(300), controllers: ControllerRegistry = .erp,
                      conditionFunctions: ConditionFunctions = ConditionFunctions()) async throws -> ServedNode {
        var attempt = 1
        while true {
            do {
                return try await startOnce(name, settings: configure, pollInterval: pollInterval, controllers: controllers,
                                           conditionFunctions: conditionFunctions)
            } catch is ServerRunFailure where attempt < 3 {
                attempt += 1
            }
        }
    }

    /// The server's run ended before it listened; `error` says why.
    struct ServerRunFailure: Error, CustomStringConvertible {
        var name: String
        var error: any Error
        var description: String { "site \(name) did not start listening: \(error)" }
    }

    private static func startOnce(_ name: String, settings configure: (inout SiteSettings) -> Void,
                                  pollInterval: Duration, controllers: ControllerRegistry,
                                  conditionFunctions: ConditionFunctions) async throws -> ServedNode {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sitestream-served-\(name)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))", isDirectory: true)
        let port = try freePort()
        let url = "http://127.0.0.1:\(port)"
        var settings = SiteSettings()
        settings.durability = .none
        configure(&settings)
        var logger = Logger(label: "test.\(name)")
        logger.logLevel = .error
        let layout = SiteLayout(root: directory)
        try await Site.create(at: layout, name: name, url: url, settings: settings, logger: logger)
        let site = try Site.open(at: layout, controllers: controllers, logger: logger)
        let key = try await UserCredentialStore(site: site).createKey(for: "Administrator")
        // Every node has the group the test customers belong to (a Customer needs one).
        try await site.write { tx in _ = try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "All Customers"])) }
        var pulls = PullLoop.Configuration()
        pulls.pollInterval = pollInterval
        pulls.retryDelay = .milliseconds(100)
        let served = ServedSite(site: site, pullConfiguration: pulls, conditionFunctions: conditionFunctions, logger: logger)
        var configuration = SiteServerConfiguration()
        configuration.port = port
        let listening = AsyncStream<Int>.makeStream()
        var quiet = logger
        quiet.logLevel = .critical
        let httpLogger = quiet
        let runFailure = Mutex<(any Error)?>(nil)
        let task = Task {
            do {
                try await served.run(configuration: configuration, backend: SiteDocumentBackend(site: site), handleSignals: false,
                                     httpLogger: httpLogger) { port in listening.continuation.yield(port) }
            } catch {
                // Before listening (a port taken since `freePort`): say so now, not at the deadline.
                runFailure.withLock { $0 = error }
                listening.continuation.finish()
                throw error
            }
        }
        let deadline = Task {
            try await Task.sleep(for: .seconds(30))
            listening.continuation.finish()
        }
        var iterator = listening.stream.makeAsyncIterator()
        guard await iterator.next() != nil else {
            deadline.cancel()
            task.cancel()
            try? site.close()
            if let error = runFailure.withLock({ $0 }) { throw ServerRunFailure(name: name, error: error) }
            throw StreamError(.transport, "site \(name) did not start listening on port \(port) within 30 s")
        }
        deadline.cancel()
        return ServedNode(name: name, url: url, directory: directory, served: served, key: key, serverTask: task)
    }

    private init(name: String, url: String, directory: URL, served: ServedSite, key: APIKeyPair, serverTask: Task<Void, any Error>) {
        self.name = name
        self.url = url
        self.directory = directory
        self.served = served
        self.key = key
        self.serverTask = serverTask
    }

    /// Subscribes this site to `producer` for `doctypes` (same names), approves them there, and
    /// starts the background pull loop unless `pullLoop` is false.
    func subscribe(to producer: ServedNode, _ doctypes: [Subscription.DocTypeOptions], approve: Bool = true, pullLoop: Bool = true) async throws {
        try await consumer.subscribe(Subscription(producerURL: producer.url, apiKey: producer.key.apiKey, apiSecret: producer.key.apiSecret,
                                                  doctypes: doctypes), client: producer.client)
        if approve { try await producer.producer.approve(consumer: name, doctypes: doctypes.map(\.doctype)) }
        if pullLoop { try served.startPullLoops() }
    }

    /// Pulls from `producer` now, until caught up.
    @discardableResult
    func pull(from producer: ServedNode) async throws -> StreamConsumer.PullReport {
        try await consumer.pull(producer: producer.name, client: producer.client)
    }

    func stop() async {
        // Gracefully, not by cancelling the server's task (see GracefulServer).
        await served.stop()
        _ = await serverTask.result
        try? site.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A free loopback port (the kernel picks one; a tiny race with other programs is possible).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StreamError(.transport, "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw StreamError(.transport, "cannot find a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Starts a served site per name, runs `body` with them, then stops them whatever `body` did:
/// first every pull loop, then, once requests in flight have had time to finish, the servers
/// (cancelling a server with a request still open makes NIO trap).
func withServedNodes(_ names: [String], settings: @escaping (String, inout SiteSettings) -> Void = { _, _ in },
                     _ body: ([ServedNode]) async throws -> Void) async throws {
    var nodes: [ServedNode] = []
    do {
        for name in names { nodes.append(try await ServedNode.start(name) { settings(name, &$0) }) }
        try await body(nodes)
    } catch {
        await stop(nodes)
        throw error
    }
    await stop(nodes)
}

func stop(_ nodes: [ServedNode]) async {
    for node in nodes { node.served.stopPullLoops() }
    try? await Task.sleep(for: .milliseconds(500))
    for node in nodes { await node.stop() }
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double = 20, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// The fields replication carries (standard columns each site sets for itself left out),
/// for comparing a document across sites.
func replicated(_ document: Document?) -> JSON? {
    guard let document else { return nil }
    func strip(_ object: JSONObject) -> JSON {
        var out = JSONObject()
        for (key, value) in object {
            if ["owner", "creation", "modified", "modified_by", "parent", "remote_docname", "remote_site_name"].contains(key) { continue }
            if case .array(let rows) = value {
                out[key] = .array(rows.map { row in row.objectValue.map(strip) ?? row })
            } else {
                out[key] = value
            }
        }
        return .object(out)
    }
    return strip(document.object)
}

/// Every document of `doctype` on `site`, by name, as `replicated` shows it.
func documents(_ doctype: String, on site: Site) throws -> [String: JSON] {
    var result: [String: JSON] = [:]
    for document in try site.list(doctype, limit: Int.max) { result[document.name ?? ""] = replicated(document) }
    return result
}

/// A small valid Customer.
func customer(_ name: String, type: String = "Company") -> Document {
    Document(doctype: "Customer", ["customer_name": .string(name), "customer_type": .string(type), "customer_group": "All Customers"])
}

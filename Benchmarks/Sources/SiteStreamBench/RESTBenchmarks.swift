import DocumentModel
import Foundation
import Glibc
import Logging
import Site
import SiteServer
import SiteStreamJSON
import Synchronization

/// The REST API over loopback: a real site (durability interval) behind the real server,
/// 16 clients on keep-alive connections, each sending its requests one after another.
///
/// Figures (requests/s): `rest.insert` (`POST /api/resource/Customer`, a new Customer each)
/// and `rest.get` (`GET /api/resource/Customer/{name}`, random among those inserted).
public struct RESTBenchmarks: BenchmarkGroup {
    public var name: String { "rest" }
    public init() {}

    static let clients = 16

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        let perClient = context.size(full: 600, quick: 150, smoke: 10)
        let directory = try context.freshDirectory("rest-site")
        var settings = SiteSettings()
        settings.durability = .interval(milliseconds: 2)
        var logger = Logger(label: "bench.rest")
        logger.logLevel = .error
        let layout = SiteLayout(root: directory)
        let site: Site = try blocking { [settings, logger] in
            try await Site.create(at: layout, name: "bench", url: nil, settings: settings, logger: logger)
            return try Site.open(at: layout, logger: logger)
        }
        defer { try? site.close() }
        let pair = try blocking { try await UserCredentialStore(site: site).createKey(for: "Administrator") }
        // Customers need a group (mandatory in the ERP set).
        try blocking { try await site.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Retail"])) } }
        let auth = "Authorization: token \(pair.apiKey):\(pair.apiSecret)\r\n"

        var configuration = SiteServerConfiguration()
        configuration.port = 0
        // Cancelling the server at the end makes Hummingbird log an error; nothing is wrong.
        var serverLogger = logger
        serverLogger.logLevel = .critical
        let server = try RunningServer(backend: SiteDocumentBackend(site: site), configuration: configuration, logger: serverLogger)
        defer { server.stop() }

        var insertRates: [Double] = []
        var names: [String] = []
        for run in 0..<context.runs {
            let (rate, inserted) = try Self.drive(port: server.port, clients: Self.clients, perClient: perClient) { client, i in
                let body = #"{"customer_name":"Bench \#(run)-\#(client)-\#(i)","customer_type":"Company","customer_group":"Retail","territory":null}"#
                return "POST /api/resource/Customer HTTP/1.1\r\nHost: bench\r\n\(auth)Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            }
            insertRates.append(rate)
            names += inserted.map { "Bench \(run)-\($0.0)-\($0.1)" }
        }
        report(Figure(id: "rest.insert", unit: "requests/s", samples: insertRates,
                      note: "\(Self.clients) keep-alive clients × \(perClient) Customer inserts, durability interval 2 ms, loopback"))

        var getRates: [Double] = []
        for run in 0..<context.runs {
            var state = UInt64(run + 1) &* 0x9E37_79B9_7F4A_7C15
            let picks: [[String]] = (0..<Self.clients).map { _ in
                (0..<perClient).map { _ in
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    return names[Int((state >> 33) % UInt64(names.count))]
                }
            }
            let (rate, _) = try Self.drive(port: server.port, clients: Self.clients, perClient: perClient) { client, i in
                let path = picks[client][i].replacingOccurrences(of: " ", with: "%20")
                return "GET /api/resource/Customer/\(path) HTTP/1.1\r\nHost: bench\r\n\(auth)\r\n"
            }
            getRates.append(rate)
        }
        report(Figure(id: "rest.get", unit: "requests/s", samples: getRates,
                      note: "\(Self.clients) keep-alive clients × \(perClient) random gets of \(names.count) Customers, loopback"))
    }

    /// Runs `clients` threads, each with one keep-alive connection sending `perClient`
    /// requests in turn; every reply must be 200. Returns requests per second and the
    /// (client, index) pairs done.
    static func drive(port: Int, clients: Int, perClient: Int, request: @escaping @Sendable (Int, Int) -> String) throws -> (Double, [(Int, Int)]) {
        let failure = Mutex<String?>(nil)
        let group = DispatchGroup()
        let start = monotonicNanoseconds()
        for client in 0..<clients {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let connection = try KeepAliveConnection(port: port)
                    defer { connection.close() }
                    for i in 0..<perClient {
                        let (status, body) = try connection.exchange(Array(request(client, i).utf8))
                        if status != 200 {
                            throw BenchError("rest: HTTP \(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
                        }
                    }
                } catch {
                    failure.withLock { $0 = $0 ?? "\(error)" }
                }
            }
            thread.start()
        }
        group.wait()
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        if let message = failure.withLock({ $0 }) { throw BenchError(message) }
        let done = (0..<clients).flatMap { c in (0..<perClient).map { (c, $0) } }
        return (Double(clients * perClient) / seconds, done)
    }
}

/// Runs an async body to completion from synchronous code (the harness is synchronous and
/// runs on the main thread, never on the cooperative pool the body needs).
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        result.withLock { $0 = outcome }
        done.signal()
    }
    done.wait()
    return try result.withLock { $0! }.get()
}

/// The SiteStream server running in the background until `stop()`.
final class RunningServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>

    init(backend: any SiteBackend, configuration: SiteServerConfiguration, logger: Logger) throws {
        let ports = Mutex<Int?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let app = buildApplication(backend: backend, configuration: configuration, logger: logger) { port in
            ports.withLock { $0 = port }
            ready.signal()
        }
        task = Task.detached { try await app.run() }
        if ready.wait(timeout: .now() + 60) == .timedOut {
            task.cancel()
            throw BenchError("rest: the server did not start within 60 s")
        }
        port = ports.withLock { $0 ?? 0 }
    }

    func stop() {
        task.cancel()
        _ = try? blocking { [task] in try await task.value }
    }
}

/// One HTTP/1.1 keep-alive connection over a blocking loopback socket; replies must carry
/// `Content-Length` (the server's always do).
final class KeepAliveConnection {
    private let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("rest: socket() failed, errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            Glibc.close(fd)
            throw BenchError("rest: connect() failed, errno \(errno)")
        }
    }

    func close() { Glibc.close(fd) }

    /// Sends one request and reads its reply: (status, body).
    func exchange(_ request: [UInt8]) throws -> (Int, [UInt8]) {
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchError("rest: send() failed, errno \(errno)") }
            sent += n
        }
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int? = nil
        while headEnd == nil {
            headEnd = pending.indices.first(where: { pending[$0...].starts(with: separator) })
            if headEnd == nil { try fill() }
        }
        let head = String(decoding: pending[..<headEnd!], as: UTF8.self)
        let statusLine = head.prefix(while: { $0 != "\r" })
        guard let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw BenchError("rest: bad status line \(statusLine)")
        }
        var length = 0
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let bodyStart = headEnd! + 4
        while pending.count < bodyStart + length { try fill() }
        let body = Array(pending[bodyStart..<(bodyStart + length)])
        pending.removeFirst(bodyStart + length)
        return (status, body)
    }

    private func fill() throws {
        var buffer = [UInt8](repeating: 0, count: 16384)
        let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw BenchError("rest: connection closed or recv() failed (errno \(errno))") }
        pending.append(contentsOf: buffer[0..<n])
    }
}

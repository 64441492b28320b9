import DocumentModel
import Foundation
import Glibc
import Logging
import Site
import SiteServer
import SiteStreamJSON
import Synchronization

/// The REST API over loopback: a real site (durability interval) behind the real server
/// (with request metrics, as `serve` runs it),
/// keep-alive clients each sending its requests one after another (see `RESTLoad`).
///
/// Figures, each with 16 clients and with 1:
/// - `rest.insert` / `rest.insert.1` (requests/s): `POST /api/resource/Customer`, a new
///   Customer each; `rest.get` / `rest.get.1`: `GET /api/resource/Customer/{name}`, random
///   among those inserted.
/// - `….p50` / `….p99` (ms): the round trip of one request as its client saw it.
/// - `rest.insert.cpu` / `rest.get.cpu` (µs/request, 16 clients): the server's CPU per
///   request — the process's CPU time less the client threads' own, so the load generator's
///   share of the two cores is left out; `….client.cpu`, that share. The requests/s figures are wall clock and include
///   the load generator competing with the server for the cores.
/// - `rest.get.wrk` (and its `.p50`, `.p99`, `.cpu`, `.client.cpu`): the same gets with `wrk`
///   as the load generator, in a process of its own, when `wrk` is installed (`RESTWrkLoad`).
public struct RESTBenchmarks: BenchmarkGroup {
    public var name: String { "rest" }
    public init() {}

    static let clients = 16

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        let inserts = context.size(full: 1_000, quick: 400, smoke: 10)
        let gets = context.size(full: 4_000, quick: 1_500, smoke: 10)
        let directory = try context.freshDirectory("rest-site")
        let settings = BenchSiteSettings.make()
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
        // As `serve` runs it: request metrics on (they cost per request too).
        let server = try RunningServer(SiteServer(backend: SiteDocumentBackend(site: site), configuration: configuration,
                                                  logger: serverLogger, metrics: SiteMetrics()))
        defer { server.stop() }

        var names: [String] = []
        var batch = 0
        func insertRequests(clients: Int, each: Int) -> [[[UInt8]]] {
            batch += 1
            return (0..<clients).map { client in
                (0..<each).map { i in
                    let name = "Bench \(batch)-\(client)-\(i)"
                    names.append(name)
                    let body = #"{"customer_name":"\#(name)","customer_type":"Company","customer_group":"Retail","territory":null}"#
                    return Array("POST /api/resource/Customer HTTP/1.1\r\nHost: bench\r\n\(auth)Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
                }
            }
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func getRequests(clients: Int, each: Int) -> [[[UInt8]]] {
            (0..<clients).map { _ in
                (0..<each).map { _ in
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let name = names[Int((state >> 33) % UInt64(names.count))]
                    let path = name.replacingOccurrences(of: " ", with: "%20")
                    return Array("GET /api/resource/Customer/\(path) HTTP/1.1\r\nHost: bench\r\n\(auth)\r\n".utf8)
                }
            }
        }

        // Each figure with 16 clients, then with 1 (twice the requests, so it runs long enough).
        let shapes = [(id: "", clients: Self.clients, scale: 1), (id: ".1", clients: 1, scale: 2)]
        for shape in shapes {
            let each = inserts * shape.scale
            try measure("rest.insert" + shape.id, clients: shape.clients, runs: context.runs, server: server, report: report,
                        note: "\(shape.clients) keep-alive client(s) × \(each) Customer inserts, durability interval 2 ms, loopback") {
                insertRequests(clients: shape.clients, each: each)
            }
        }
        for shape in shapes {
            let each = gets * shape.scale
            try measure("rest.get" + shape.id, clients: shape.clients, runs: context.runs, server: server, report: report,
                        note: "\(shape.clients) keep-alive client(s) × \(each) random gets of \(names.count) Customers, loopback") {
                getRequests(clients: shape.clients, each: each)
            }
        }

        // The same gets driven by wrk, when installed (see RESTWrkLoad).
        if let wrk = RESTWrkLoad.executable {
            let seconds = context.size(full: 5, quick: 2, smoke: 1)
            let paths = (0..<min(4_096, names.count * 4)).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return "/api/resource/Customer/" + names[Int((state >> 33) % UInt64(names.count))].replacingOccurrences(of: " ", with: "%20")
            }
            var results: [RESTWrkLoad.Result] = []
            for _ in 0..<context.runs {
                results.append(try RESTWrkLoad.drive(executable: wrk, port: server.port, paths: paths, authorization: "token \(pair.apiKey):\(pair.apiSecret)",
                                                     connections: Self.clients, seconds: seconds, directory: directory))
            }
            let id = "rest.get.wrk"
            report(Figure(id: id, unit: "requests/s", samples: results.map(\.rate),
                          note: "wrk -t2 -c\(Self.clients) for \(seconds) s (its own process), random gets of \(names.count) Customers, loopback"))
            report(Figure(id: id + ".p50", unit: "ms", samples: results.map(\.p50Milliseconds), note: "median round trip, as wrk saw it"))
            report(Figure(id: id + ".p99", unit: "ms", samples: results.map(\.p99Milliseconds), note: "99th percentile round trip, as wrk saw it"))
            report(Figure(id: id + ".cpu", unit: "µs/request", samples: results.map(\.serverCPUMicrosPerRequest),
                          note: "server CPU per request: this process's CPU over the run"))
            report(Figure(id: id + ".client.cpu", unit: "µs/request", samples: results.map(\.clientCPUMicrosPerRequest),
                          note: "wrk's CPU per request (its share of the same two cores)"))
        }
    }

    /// Drives `runs` batches of prepared requests and reports `id` (requests/s), `id.p50`
    /// and `id.p99` (ms), and for several clients `id.cpu` (server µs per request).
    private func measure(_ id: String, clients: Int, runs: Int, server: RunningServer, report: (Figure) -> Void,
                         note: String, requests: () -> [[[UInt8]]]) throws {
        var results: [RESTLoad.Result] = []
        for _ in 0..<runs {
            results.append(try RESTLoad.drive(port: server.port, requests: requests()))
        }
        report(Figure(id: id, unit: "requests/s", samples: results.map(\.rate), note: note))
        report(Figure(id: id + ".p50", unit: "ms", samples: results.map { $0.latencyMilliseconds(at: 0.5) }, note: "median round trip"))
        report(Figure(id: id + ".p99", unit: "ms", samples: results.map { $0.latencyMilliseconds(at: 0.99) }, note: "99th percentile round trip"))
        if clients > 1 {
            report(Figure(id: id + ".cpu", unit: "µs/request", samples: results.map(\.serverCPUMicrosPerRequest),
                          note: "server CPU per request: process CPU less the client threads'"))
            report(Figure(id: id + ".client.cpu", unit: "µs/request", samples: results.map(\.clientCPUMicrosPerRequest),
                          note: "the load generator's CPU per request (its share of the same two cores)"))
        }
    }
}

/// Runs an async body to completion from synchronous code (the harness is synchronous and
/// runs on the main thread, never on the cooperative pool the body needs).
@discardableResult
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
    /// Stopped gracefully, not cancelled (see GracefulServer).
    private let runner = GracefulServer()

    init(_ server: SiteServer) throws {
        let ports = Mutex<Int?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let app = server.application { port in
            ports.withLock { $0 = port }
            ready.signal()
        }
        let (runner, logger) = (runner, server.logger)
        task = Task.detached { try await runner.run(app, logger: logger) }
        if ready.wait(timeout: .now() + 60) == .timedOut {
            port = 0
            stop()
            throw BenchError("rest: the server did not start within 60 s")
        }
        port = ports.withLock { $0 ?? 0 }
    }

    func stop() {
        _ = try? blocking { [task, runner] in
            await runner.stop()
            try await task.value
        }
    }
}

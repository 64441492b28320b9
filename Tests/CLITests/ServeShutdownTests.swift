import Foundation
import Glibc
import SiteStreamJSON
import Synchronization
import Testing

/// Issue 5: SIGTERM arriving at `sitestream serve` while clients insert over HTTP loses no
/// acknowledged write. Clients keep inserting through the signal; every document the server
/// answered 200 for must be in the site when it is opened again after the server exits 0.
@Suite(.serialized) struct ServeShutdownTests {
    @Test func sigtermDuringConcurrentInsertsLosesNoAcknowledgedWrite() throws {
        let cli = try CLIRunner()
        let dir = try temporaryDirectory("sigterm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = dir.appendingPathComponent("ho").path
        #expect(try cli.run(["init", "--site", site, "--name", "ho"]).status == 0)
        #expect(try cli.run(["doc", "insert", "--site", site, "Customer Group", "--data", #"{"customer_group_name": "Retail"}"#]).status == 0)
        let keys = try cli.run(["keys", "create", "--site", site, "--json"])
        let key = try #require(keys.json?["api_key"]?.stringValue), secret = try #require(keys.json?["api_secret"]?.stringValue)

        let server = Process()
        server.executableURL = cli.binary
        server.arguments = ["serve", "--site", site, "--port", "0", "--log-level", "error"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        let serverFile = dir.appendingPathComponent("ho/server.json").path
        var port: Int?
        let deadline = Date().addingTimeInterval(60)
        while port == nil && Date() < deadline {
            if let data = FileManager.default.contents(atPath: serverFile), let url = (try? JSON(parsing: [UInt8](data)))?["url"]?.stringValue {
                port = url.split(separator: ":").last.flatMap { Int($0) }
            } else {
                usleep(50_000)
            }
        }
        let bound = try #require(port, "server.json never appeared")

        // Four clients insert Customers one request at a time until the server stops answering.
        let acknowledged = Mutex<[String]>([])
        let refusals = Mutex<[Int]>([])
        let stop = Atomic<Bool>(false)
        let clients = (0..<4).map { client in
            Thread {
                var i = 0
                while !stop.load(ordering: .relaxed) {
                    let name = "Load \(client)-\(i)"
                    let body = #"{"customer_name": "\#(name)", "customer_type": "Company", "customer_group": "Retail"}"#
                    switch Self.post(port: bound, path: "/api/resource/Customer", token: "\(key):\(secret)", body: body) {
                    case .some(200): acknowledged.withLock { $0.append(name) }
                    case .some(let status):    // refused (while shutting down, say): not acknowledged
                        refusals.withLock { $0.append(status) }
                    case .none: if server.isRunning { usleep(1_000) } else { return }
                    }
                    i += 1
                }
            }
        }
        for thread in clients { thread.start() }
        // Let the load build up, then signal in the middle of it.
        let loadDeadline = Date().addingTimeInterval(60)
        while acknowledged.withLock({ $0.count }) < 200 && Date() < loadDeadline { usleep(10_000) }
        #expect(acknowledged.withLock { $0.count } >= 200, "the load never got going; refusals: \(refusals.withLock { $0.prefix(5) })")
        kill(server.processIdentifier, SIGTERM)
        let exitDeadline = Date().addingTimeInterval(60)
        while server.isRunning && Date() < exitDeadline { usleep(20_000) }
        stop.store(true, ordering: .relaxed)
        #expect(!server.isRunning, "the server did not stop after SIGTERM")
        server.waitUntilExit()
        #expect(server.terminationReason == .exit && server.terminationStatus == 0)
        usleep(200_000)   // clients notice the closed port and finish their last request

        // Reopened directly: every acknowledged Customer is there.
        let names = acknowledged.withLock { $0 }
        var stored = Set<String>()
        while true {
            let page = try cli.run(["doc", "list", "--site", site, "Customer", "--json", "--limit", "1000", "--start", "\(stored.count)"])
            #expect(page.status == 0, "\(page.stderr)")
            let names = page.json?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            stored.formUnion(names)
            if names.count < 1000 { break }
        }
        let missing = names.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(names.count) acknowledged Customers are missing, e.g. \(missing.prefix(3))")
        let verify = try cli.run(["log", "verify", "--site", site])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    /// One POST on a fresh connection; the status, or nil when the server could not be reached
    /// or closed the connection before answering.
    static func post(port: Int, path: String, token: String, body: String) -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return nil }
        let request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: token \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return nil }
            sent += n
        }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            reply += buffer[0..<n]
            if let text = String(bytes: reply, encoding: .utf8), text.contains("\r\n\r\n") {
                // A status line is enough once the head is complete.
                let line = text.prefix { $0 != "\r" }
                let parts = line.split(separator: " ")
                if parts.count >= 2, let status = Int(parts[1]) { return status }
            }
        }
        return nil
    }
}

import SiteStreamJSON
import Testing

@testable import SiteServer

/// `GET /api/resource/{doctype}/{name}` answered on the event loop (`DirectDocumentReader`):
/// the same reply, log line and metrics as the router's, and the router still answering
/// everything the direct path does not.
@Suite("Document reads answered before the router")
struct DirectDocumentReadTests {
    static func keepAliveGet(_ name: String, _ server: TestServer, close: Bool = false) -> String {
        "GET /api/resource/Customer/\(name) HTTP/1.1\r\nHost: x\r\nAuthorization: token \(server.admin.apiKey):\(server.admin.apiSecret)\r\n"
            + (close ? "Connection: close\r\n" : "") + "\r\n"
    }

    @Test func theDirectReplyIsTheRoutersReply() async throws {
        var replies: [Bool: RawHTTPClient.Reply] = [:]
        for direct in [true, false] {
            try await TestServer.with(directReads: direct) { server in
                server.seedCustomers(2)
                // A keep-alive request: direct, it is answered ahead of the HTTP decoder.
                let connection = try KeepAliveTestConnection(port: server.port)
                try connection.send(Self.keepAliveGet("C-002", server))
                let reply = try await connection.reply()
                #expect(reply.status == 200, "\(reply)")
                #expect(server.backend.immediateReads == (direct ? 1 : 0))
                replies[direct] = reply
            }
        }
        let (direct, routed) = (try #require(replies[true]), try #require(replies[false]))
        #expect(direct.body == routed.body)
        #expect(direct.json?["data"]?["name"] == "C-002")
        let names = { (reply: RawHTTPClient.Reply) in Set(reply.headers.map { $0.0.lowercased() }) }
        #expect(names(direct) == names(routed), "\(direct.headers) vs \(routed.headers)")
        for header in ["Content-Type", "Content-Length", "Server"] {
            #expect(direct.header(header) == routed.header(header), "\(header)")
        }
        #expect(direct.header("Date") != nil)
    }

    @Test func keepAliveRepliesStayInRequestOrderAroundRoutedRequests() async throws {
        try await TestServer.with { server in
            server.seedCustomers(3)
            let auth = "Authorization: token \(server.admin.apiKey):\(server.admin.apiSecret)\r\n"
            let body = #"{"customer_name":"In Between"}"#
            var raw = Self.keepAliveGet("C-001", server)
            raw += "POST /api/resource/Customer HTTP/1.1\r\nHost: x\r\n\(auth)Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            raw += Self.keepAliveGet("C-002", server) + Self.keepAliveGet("C-404", server) + Self.keepAliveGet("C-003", server, close: true)
            let replies = try RawHTTPClient.parseAll(try await server.client.exchangeRaw(Array(raw.utf8)))
            #expect(replies.map(\.status) == [200, 200, 200, 404, 200])
            guard replies.count == 5 else { return }
            #expect(replies[0].json?["data"]?["name"] == "C-001")
            #expect(replies[1].json?["data"]?["customer_name"] == "In Between")
            #expect(replies[2].json?["data"]?["name"] == "C-002")
            #expect(replies[4].json?["data"]?["name"] == "C-003")
            // The first read, at least, was answered directly.
            #expect(server.backend.immediateReads >= 1)
        }
    }

    @Test func aHeadSplitAcrossPacketsIsAnsweredAndPipelinedReadsFollowInOrder() async throws {
        try await TestServer.with { server in
            server.seedCustomers(3)
            let connection = try KeepAliveTestConnection(port: server.port)
            let get = Self.keepAliveGet("C-001", server)
            let cut = get.index(get.startIndex, offsetBy: 40)
            try connection.send(String(get[..<cut]))
            // Gives the first part time to arrive as a read of its own (the test holds without it).
            try await Task.sleep(for: .milliseconds(50))
            try connection.send(String(get[cut...]) + Self.keepAliveGet("C-002", server) + Self.keepAliveGet("C-003", server))
            for name in ["C-001", "C-002", "C-003"] {
                let reply = try await connection.reply()
                #expect(reply.json?["data"]?["name"]?.stringValue == name, "\(reply)")
            }
            #expect(server.backend.immediateReads == 3)
        }
    }

    @Test func whatTheDirectPathCannotAnswerTheRouterDoes() async throws {
        try await TestServer.with { server in
            server.seedCustomers(1)
            let wrong = try await server.client.send("GET", "/api/resource/Customer/C-001", headers: [("Authorization", "token \(server.admin.apiKey):nope")])
            expectError(wrong, status: 401, excType: "AuthenticationError")
            let missing = try await server.get("/api/resource/Customer/C-404")
            expectError(missing, status: 404, excType: "DoesNotExistError")
            let dots = try await server.get("/api/resource/Customer/..")
            #expect(dots.status == 400, "\(dots)")
            let broken = try await server.get("/api/resource/Broken/x")
            expectError(broken, status: 500, excType: "ServerError")
            #expect(server.backend.immediateReads == 0)
        }
    }

    @Test func aDirectReadLogsOneLineAndCountsUnderItsRoute() async throws {
        let metrics = SiteMetrics()
        try await TestServer.with(metrics: metrics) { server in
            server.seedCustomers(1)
            #expect(try await server.get("/api/resource/Customer/C-001").status == 200)
            #expect(try await server.get("/api/resource/Customer/C-404").status == 404)
            #expect(server.backend.immediateReads == 1)
            let lines = server.logs.all.filter { $0.contains("/api/resource/") }
            #expect(lines.count == 2, "\(lines)")
            #expect(lines.contains { $0.contains("GET /api/resource/Customer/C-001 200") })
            let scrape = try await server.get("/metrics")
            let text = try PrometheusText(parsing: scrape.text)
            let route = ["route": "/api/resource/{doctype}/{name}", "method": "GET"]
            #expect(text.value("sitestream_http_requests_total", route.merging(["status": "200"]) { a, _ in a }) == 1)
            #expect(text.value("sitestream_http_requests_total", route.merging(["status": "404"]) { a, _ in a }) == 1)
            #expect(text.value("sitestream_http_request_duration_seconds_count", ["route": "/api/resource/{doctype}/{name}"]) == 2)
        }
    }
}

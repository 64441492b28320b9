import SiteStreamJSON
import Testing

@testable import SiteServer

/// `POST /api/resource/{doctype}` with a JSON body, started before the router
/// (`DirectDocumentInsert`): the router's reply, run once, errors in Frappe's shape, replies in
/// request order however the client pipelines.
@Suite("Inserts started before the router")
struct DirectDocumentInsertTests {
    static func post(_ body: String, _ server: TestServer, close: Bool = false) -> String {
        "POST /api/resource/Customer HTTP/1.1\r\nHost: x\r\nAuthorization: token \(server.admin.apiKey):\(server.admin.apiSecret)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n" + body
    }

    @Test func theDirectReplyIsTheRoutersReplyAndTheInsertRunsOnce() async throws {
        var replies: [Bool: RawHTTPClient.Reply] = [:]
        for direct in [true, false] {
            try await TestServer.with(directReads: direct) { server in
                let reply = try await server.sendJSON("POST", "/api/resource/Customer", ["name": "C-9", "customer_name": "Nine"])
                #expect(reply.status == 200, "\(reply)")
                #expect(server.backend.writes.count == 1)
                #expect(server.backend.immediateAuthentications == (direct ? 1 : 0))
                replies[direct] = reply
            }
        }
        let (direct, routed) = (try #require(replies[true]), try #require(replies[false]))
        #expect(direct.body == routed.body)
        #expect(direct.json?["data"]?["customer_name"] == "Nine")
        for header in ["Content-Type", "Content-Length", "Server"] {
            #expect(direct.header(header) == routed.header(header), "\(header)")
        }
    }

    @Test func failedDirectInsertsAreAnsweredInFrappesShapeAndWriteNothing() async throws {
        try await TestServer.with { server in
            server.seedCustomers(1)
            let duplicate = try await server.sendJSON("POST", "/api/resource/Customer", ["name": "C-001", "customer_name": "Again"])
            expectError(duplicate, status: 409, excType: "DuplicateEntryError")
            let missing = try await server.sendJSON("POST", "/api/resource/Customer", ["customer_group": "Retail"])
            expectError(missing, status: 417, excType: "MandatoryError", contains: "customer_name")
            let reader = ("Authorization", "token \(server.reader.apiKey):\(server.reader.apiSecret)")
            let refused = try await server.sendJSON("POST", "/api/resource/Customer", ["customer_name": "R"], headers: [reader])
            expectError(refused, status: 403, excType: "PermissionError")
            #expect(server.backend.immediateAuthentications == 3)
            #expect(server.backend.writes.isEmpty)
            let lines = server.logs.all.filter { $0.contains("POST /api/resource/Customer") }
            #expect(lines.count == 3, "\(lines)")
            #expect(lines.contains { $0.contains("POST /api/resource/Customer 409") })
        }
    }

    @Test func pipelinedInsertsAndReadsAreAnsweredInOrder() async throws {
        try await TestServer.with { server in
            var raw = Self.post(#"{"name":"A","customer_name":"First"}"#, server)
            raw += Self.post(#"{"name":"B","customer_name":"Second"}"#, server)
            raw += DirectDocumentReadTests.keepAliveGet("A", server)
            raw += Self.post(#"{"name":"A","customer_name":"Duplicate"}"#, server)
            raw += Self.post(#"{"name":"C","customer_name":"Third"}"#, server, close: true)
            let replies = try RawHTTPClient.parseAll(try await server.client.exchangeRaw(Array(raw.utf8)))
            #expect(replies.map(\.status) == [200, 200, 200, 409, 200])
            guard replies.count == 5 else { return }
            #expect(replies[0].json?["data"]?["customer_name"] == "First")
            #expect(replies[1].json?["data"]?["customer_name"] == "Second")
            #expect(replies[2].json?["data"]?["customer_name"] == "First")
            #expect(replies[4].json?["data"]?["customer_name"] == "Third")
            #expect(server.backend.documentCount("Customer") == 3)
        }
    }

    @Test func formBodiesAndBadCredentialsGoThroughTheRouter() async throws {
        try await TestServer.with { server in
            let form = try await server.sendForm("POST", "/api/resource/Customer", [("data", #"{"customer_name":"Form"}"#)])
            #expect(form.status == 200, "\(form)")
            let wrong = try await server.sendJSON("POST", "/api/resource/Customer", ["customer_name": "X"],
                                                  headers: [("Authorization", "token \(server.admin.apiKey):wrong")])
            expectError(wrong, status: 401, excType: "AuthenticationError")
            #expect(server.backend.writes.count == 1)
        }
    }
}

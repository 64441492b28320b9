import SiteStreamJSON
import Testing

@testable import SiteServer

@Suite("Authentication over HTTP")
struct AuthenticationTests {
    @Test func pingNeedsNoCredentials() async throws {
        try await TestServer.with { server in
            let reply = try await server.get("/api/method/ping", auth: false)
            #expect(reply.status == 200)
            #expect(reply.json == ["message": "pong"])
            let legacy = try await server.get("/?cmd=ping", auth: false)
            #expect(legacy.json == ["message": "pong"])
        }
    }

    @Test func tokenAndBasicBothWork() async throws {
        try await TestServer.with { server in
            server.seedCustomers(1)
            let credentials = APICredentials(apiKey: server.admin.apiKey, apiSecret: server.admin.apiSecret)
            for header in [credentials.tokenHeader, credentials.basicHeader, "TOKEN \(server.admin.apiKey):\(server.admin.apiSecret)"] {
                let reply = try await server.client.send("GET", "/api/resource/Customer/C-001", headers: [("Authorization", header)])
                #expect(reply.status == 200, "\(header.prefix(6)): \(reply)")
                #expect(reply.json?["data"]?["name"] == "C-001")
            }
            let user = try await server.get("/api/method/frappe.auth.get_logged_user")
            #expect(user.json == ["message": "Administrator"])
        }
    }

    static let badHeaders: [(String?, String)] = [
        (nil, "missing Authorization"),
        ("token nokey", "API_KEY:API_SECRET"),
        ("token :secret", "both non-empty"),
        ("Bearer abc", "unsupported Authorization scheme"),
        ("Basic !!!notbase64", "not valid base64"),
        ("token unknownkey:unknownsecret", "invalid API key or secret"),
    ]

    @Test(arguments: badHeaders)
    func badCredentialsGet401AndWriteNothing(header: String?, message: String) async throws {
        try await TestServer.with { server in
            let headers = header.map { [("Authorization", $0)] } ?? []
            let reply = try await server.sendJSON("POST", "/api/resource/Customer", ["customer_name": "Mallory"], headers: headers)
            expectError(reply, status: 401, excType: "AuthenticationError", contains: message)
            #expect(server.backend.writes.isEmpty)
            #expect(server.backend.documentCount("Customer") == 0)
        }
    }

    @Test func aWrongSecretForARealKeyGets401() async throws {
        try await TestServer.with { server in
            let wrong = APICredentials(apiKey: server.admin.apiKey, apiSecret: server.admin.apiSecret + "x")
            for header in [wrong.tokenHeader, wrong.basicHeader] {
                let reply = try await server.sendForm(
                    "POST", "/", [("cmd", "frappe.client.insert"), ("doc", #"{"doctype":"Customer","customer_name":"M"}"#)],
                    headers: [("Authorization", header)])
                expectError(reply, status: 401, excType: "AuthenticationError", contains: "invalid API key or secret")
            }
            #expect(server.backend.writes.isEmpty)
        }
    }

    @Test func readOnlyUserGets403OnWrites() async throws {
        try await TestServer.with { server in
            let token = ("Authorization", "token \(server.reader.apiKey):\(server.reader.apiSecret)")
            let reply = try await server.sendJSON("POST", "/api/resource/Customer", ["customer_name": "R"], headers: [token])
            expectError(reply, status: 403, excType: "PermissionError", contains: "reader@example.com")
            let list = try await server.client.send("GET", "/api/resource/Customer", headers: [token])
            #expect(list.status == 200)
            #expect(server.backend.writes.isEmpty)
        }
    }

    @Test func theRequestLogHasOneLinePerRequestAndNoSecrets() async throws {
        try await TestServer.with { server in
            _ = try await server.get("/api/resource/Customer")
            _ = try await server.get("/api/resource/Nope/x")
            let basic = APICredentials(apiKey: server.admin.apiKey, apiSecret: server.admin.apiSecret).basicHeader
            _ = try await server.client.send("GET", "/api/resource/Customer", headers: [("Authorization", basic)])
            let requestLines = server.logs.all.filter { $0.contains("/api/resource/") }
            #expect(requestLines.contains { $0.contains("GET /api/resource/Customer 200") })
            #expect(requestLines.contains { $0.contains("GET /api/resource/Nope/x 404") })
            #expect(requestLines.count == 3, "\(requestLines)")
            for line in server.logs.all {
                #expect(!line.contains(server.admin.apiSecret))
                #expect(!line.contains(String(basic.dropFirst(6))))
            }
        }
    }
}

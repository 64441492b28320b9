import SiteStreamJSON
import Testing

@testable import SiteServer

extension TestServer {
    func get(_ target: String, auth: Bool = true) async throws -> RawHTTPClient.Reply {
        try await client.send("GET", target, headers: auth ? [adminToken] : [])
    }

    func sendJSON(_ method: String, _ target: String, _ body: JSON, headers: [(String, String)]? = nil) async throws -> RawHTTPClient.Reply {
        try await client.send(
            method, target, headers: (headers ?? [adminToken]) + [("Content-Type", "application/json")],
            body: body.serialized())
    }

    func sendForm(_ method: String, _ target: String, _ fields: [(String, String)], headers: [(String, String)]? = nil) async throws -> RawHTTPClient.Reply {
        let text = fields.map { "\(FormEncoding.encode($0.0))=\(FormEncoding.encode($0.1))" }.joined(separator: "&")
        return try await client.send(
            method, target, headers: (headers ?? [adminToken]) + [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array(text.utf8))
    }

    /// Seeds `count` customers C-001… with alternating groups and increasing `modified`.
    func seedCustomers(_ count: Int) {
        backend.seed("Customer", (1...count).map { i in
            let n = (i < 10 ? "00" : i < 100 ? "0" : "") + String(i)
            return [
                "name": .string("C-\(n)"), "customer_name": .string("Customer \(i)"),
                "customer_group": i % 2 == 0 ? "Retail" : "Wholesale",
                "credit_limit": .int(Int64(i * 100)),
                "modified": .string("2026-01-01 00:00:\(n)"),
            ]
        })
    }
}

/// Percent-encodes a query value.
func q(_ text: String) -> String { FormEncoding.encode(text) }

/// Checks a Frappe error reply: status, `exc_type`, a message containing `contains`, and the
/// `exc` / `_server_messages` JSON-in-a-string fields clients parse.
func expectError(
    _ reply: RawHTTPClient.Reply, status: Int, excType: String, contains: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(reply.status == status, "\(reply)", sourceLocation: sourceLocation)
    guard let body = reply.json else {
        Issue.record("error reply is not JSON: \(reply.text)", sourceLocation: sourceLocation)
        return
    }
    #expect(body["exc_type"] == .string(excType), "\(reply)", sourceLocation: sourceLocation)
    let exception = body["exception"]?.stringValue ?? ""
    if let contains {
        #expect(exception.contains(contains), "\(exception)", sourceLocation: sourceLocation)
    }
    // `exc` is JSON text of a list of strings, as FrappeClient parses it.
    let exc = body["exc"]?.stringValue.flatMap { try? JSON(parsing: $0) }
    #expect(exc?[0]?.stringValue?.hasPrefix(excType) == true, "exc: \(String(describing: body["exc"]))", sourceLocation: sourceLocation)
    // `_server_messages` is JSON text of a list of JSON texts of message objects.
    let messages = body["_server_messages"]?.stringValue.flatMap { try? JSON(parsing: $0) }
    let first = messages?[0]?.stringValue.flatMap { try? JSON(parsing: $0) }
    #expect(first?["message"]?.stringValue != nil, "_server_messages: \(String(describing: body["_server_messages"]))", sourceLocation: sourceLocation)
}

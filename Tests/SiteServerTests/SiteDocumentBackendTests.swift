import DocumentModel
import Foundation
import Site
import SiteStreamJSON
import SnapshotStore
import Testing

@testable import SiteServer

/// The server over a real site on disk: the adapter's error mapping, secrets kept in, keys
/// from User documents.
@Suite("SiteDocumentBackend over HTTP")
struct SiteDocumentBackendTests {
    /// A fresh site in a temporary directory, served for the duration of `body`.
    static func withSiteServer(_ body: (Site, RawHTTPClient, (String, String)) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("sitestream-server-\(getpid())-\(UInt64.random(in: 0...UInt64.max))", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = SiteLayout(root: dir)
        var settings = SiteSettings()
        settings.durability = .none
        try await Site.create(at: layout, name: "head-office", url: nil, settings: settings)
        let site = try Site.open(at: layout)
        defer { try? site.close() }
        let pair = try await UserCredentialStore(site: site).createKey(for: "Administrator")
        var configuration = SiteServerConfiguration()
        configuration.port = 0
        try await TestServer.serve(backend: SiteDocumentBackend(site: site), configuration: configuration) { port in
            try await body(site, RawHTTPClient(port: port), ("Authorization", "token \(pair.apiKey):\(pair.apiSecret)"))
        }
    }

    @Test func documentLifecycleThroughTheRealSite() async throws {
        try await Self.withSiteServer { site, client, token in
            let json = [("Content-Type", "application/json")]
            let group = try await client.send("POST", "/api/resource/Customer%20Group", headers: [token] + json,
                                              body: JSON.object(["customer_group_name": "Retail"]).serialized())
            #expect(group.status == 200, "\(group)")
            #expect(group.json?["data"]?["name"] == "Retail")

            let customer = try await client.send("POST", "/api/resource/Customer", headers: [token] + json,
                                                 body: JSON.object(["customer_name": "Ada", "customer_type": "Company", "customer_group": "Retail"]).serialized())
            #expect(customer.status == 200, "\(customer)")

            let list = try await client.send("GET", "/api/resource/Customer?fields=\(q(#"["name","customer_group"]"#))&filters=\(q(#"[["Customer","customer_group","=","Retail"]]"#))", headers: [token])
            #expect(list.json == ["data": [["name": "Ada", "customer_group": "Retail"]]], "\(list)")

            let put = try await client.send("PUT", "/api/resource/Customer/Ada", headers: [token] + json,
                                            body: JSON.object(["customer_type": "Individual"]).serialized())
            #expect(put.json?["data"]?["customer_type"] == "Individual", "\(put)")
            #expect(try site.get("Customer", "Ada")?["customer_type"] == "Individual")

            let duplicate = try await client.send("POST", "/api/resource/Customer%20Group", headers: [token] + json,
                                                  body: JSON.object(["customer_group_name": "Retail"]).serialized())
            expectError(duplicate, status: 409, excType: "DuplicateEntryError")

            let badLink = try await client.send("POST", "/api/resource/Customer", headers: [token] + json,
                                                body: JSON.object(["customer_name": "Bob", "customer_type": "Company", "customer_group": "Nope"]).serialized())
            expectError(badLink, status: 417, excType: "LinkValidationError")

            let missing = try await client.send("POST", "/api/resource/Contact", headers: [token] + json,
                                                body: JSON.object(["last_name": "Nofirst"]).serialized())
            expectError(missing, status: 417, excType: "MandatoryError", contains: "first_name")

            let unknown = try await client.send("GET", "/api/resource/Customerr", headers: [token])
            expectError(unknown, status: 404, excType: "DoesNotExistError", contains: "DocType Customerr not found")

            let deleted = try await client.send("DELETE", "/api/resource/Customer/Ada", headers: [token])
            #expect(deleted.status == 202, "\(deleted)")
            #expect(try site.get("Customer", "Ada") == nil)
        }
    }

    @Test func aReplacedKeyIsRefusedAtTheNextReadOfAKeepAliveConnection() async throws {
        try await Self.withSiteServer { site, client, token in
            _ = try await site.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Retail"])) }
            let connection = try KeepAliveTestConnection(port: client.port)
            let get = "GET /api/resource/Customer%20Group/Retail HTTP/1.1\r\nHost: x\r\nAuthorization: \(token.1)\r\n\r\n"
            for _ in 0..<3 {
                try connection.send(get)
                let reply = try await connection.reply()
                #expect(reply.status == 200, "\(reply)")
            }
            let replacement = try await UserCredentialStore(site: site).createKey(for: "Administrator")
            try connection.send(get)
            expectError(try await connection.reply(), status: 401, excType: "AuthenticationError")
            try connection.send(get.replacingOccurrences(of: token.1, with: "token \(replacement.apiKey):\(replacement.apiSecret)"))
            #expect(try await connection.reply().json?["data"]?["name"] == "Retail")
        }
    }

    @Test func secretsAreNeverReadAndCannotBeProbed() async throws {
        try await Self.withSiteServer { site, client, token in
            let stored = try #require(try site.get("User", "Administrator"))
            #expect(stored["api_secret"]?.stringValue?.hasPrefix("sha256$") == true)

            let user = try await client.send("GET", "/api/resource/User/Administrator", headers: [token])
            #expect(user.status == 200, "\(user)")
            #expect(user.json?["data"]?["api_key"] != nil)
            #expect(user.json?["data"]?["api_secret"] == nil)
            #expect(!user.text.contains("sha256$"))

            let all = try await client.send("GET", "/api/resource/User?fields=\(q(#"["*"]"#))", headers: [token])
            #expect(all.status == 200)
            #expect(!all.text.contains("sha256$"))

            for query in ["filters=\(q(#"[["api_secret","like","sha256$%"]]"#))", "order_by=api_secret", "fields=\(q(#"["api_secret"]"#))"] {
                let probe = try await client.send("GET", "/api/resource/User?\(query)", headers: [token])
                expectError(probe, status: 403, excType: "PermissionError", contains: "secret")
            }
        }
    }

    @Test func keysComeFromUserDocumentsAndWrongSecretsAreRefused() async throws {
        try await Self.withSiteServer { site, client, token in
            let ok = try await client.send("GET", "/api/method/frappe.auth.get_logged_user", headers: [token])
            #expect(ok.json == ["message": "Administrator"])
            let key = String(token.1.dropFirst(6).prefix(while: { $0 != ":" }))
            let wrong = try await client.send("GET", "/api/method/frappe.auth.get_logged_user", headers: [("Authorization", "token \(key):nope")])
            expectError(wrong, status: 401, excType: "AuthenticationError")
            // A new key replaces the old one.
            let fresh = try await UserCredentialStore(site: site).createKey(for: "Administrator")
            let old = try await client.send("GET", "/api/method/frappe.auth.get_logged_user", headers: [token])
            #expect(old.status == 401)
            let new = try await client.send("GET", "/api/method/frappe.auth.get_logged_user", headers: [("Authorization", "token \(fresh.apiKey):\(fresh.apiSecret)")])
            #expect(new.status == 200)
        }
    }

    /// A document without secrets is sent as the store's own JSON text, which is exactly what
    /// parsing and writing it again gives (non-ASCII text, escapes, a fractional number).
    @Test func aDocumentIsServedAsItsStoredText() async throws {
        try await Self.withSiteServer { site, client, token in
            _ = try await site.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Retail"])) }
            let name = "Zoë \"Q\" 😀"
            _ = try await site.write { tx in
                try tx.insert(Document(doctype: "Customer", ["customer_name": .string(name), "customer_type": "Company",
                                                             "customer_group": "Retail", "credit_limit": 1234.5]))
            }
            let reply = try await client.send("GET", "/api/resource/Customer/\(q(name))", headers: [token])
            #expect(reply.status == 200, "\(reply)")
            let stored = try #require(try site.store.get(DocumentKey(doctype: "Customer", name: name)))
            #expect(reply.body == Array(#"{"data":"#.utf8) + stored + Array("}".utf8), "\(reply)")
            let reparsed = JSON.object(["data": try #require(try site.get("Customer", name)).json]).serialized()
            #expect(reply.body == reparsed)
        }
    }
}

import DocumentModel
import Foundation
import Site
import SiteServer
import SiteStreamJSON
import Streaming
import Testing

/// Issue 6, item 1: an `Event Producer` saved through the consumer's own REST API registers
/// with the producer at once (as saving one does in Frappe), and the served consumer starts
/// pulling from it; saving it again (PUT) registers again without duplicating anything; a
/// producer that refuses or is missing fields leaves nothing saved.
@Suite("Event Producer saved through REST")
struct EventProducerOverRESTTests {
    @Test("POST registers at once and the served consumer streams; PUT adds a DocType; bad saves leave nothing")
    func registersWhenSaved() async throws {
        try await withServedNodes(["rest-ho", "rest-br"]) { nodes in
            let (ho, br) = (nodes[0], nodes[1])
            let http = RawHTTPClient(port: Int(URL(string: br.url)!.port!))
            let auth = ("Authorization", "token \(br.key.apiKey):\(br.key.apiSecret)")
            func send(_ method: String, _ path: String, _ body: JSON) async throws -> RawHTTPClient.Reply {
                try await http.send(method, path, headers: [auth, ("Content-Type", "application/json")], body: body.serialized())
            }
            let producerDoc: JSON = [
                "producer_url": .string(ho.url), "api_key": .string(ho.key.apiKey), "api_secret": .string(ho.key.apiSecret),
                "producer_doctypes": [["ref_doctype": "Customer", "use_same_name": 1]],
            ]

            // Refused by the producer (a wrong secret): a clear error, nothing saved on either side.
            var wrong = producerDoc
            wrong["api_secret"] = "not-the-secret"
            let refused = try await send("POST", "/api/resource/Event%20Producer", wrong)
            #expect(refused.status == 417 || refused.status == 401 || refused.status == 403, "\(refused)")
            #expect(br.site.count("Event Producer") == 0)
            #expect(try ho.producer.consumers().isEmpty)
            // A missing field: 417 naming it.
            var missing = producerDoc
            missing["producer_url"] = nil
            let incomplete = try await send("POST", "/api/resource/Event%20Producer", missing)
            expectError(incomplete, status: 417, excType: "MandatoryError", contains: "producer_url")
            #expect(br.site.count("Event Producer") == 0)

            // Saved: registered at once, named by the producer's site name, secret never returned.
            let saved = try await send("POST", "/api/resource/Event%20Producer", producerDoc)
            #expect(saved.status == 200, "\(saved)")
            let document = try #require(saved.json?["data"])
            #expect(document["name"]?.stringValue == ho.name)
            #expect(document["site_id"]?.stringValue == ho.site.identity.id)
            #expect(document["api_secret"] == nil || document["api_secret"]?.stringValue != ho.key.apiSecret)
            #expect(document["producer_doctypes"]?[0]?["status"]?.stringValue == "Pending")
            let consumers = try ho.producer.consumers()
            #expect(consumers.map(\.name) == [br.name])

            // Approved on the producer: the consumer's pull loop (started by the save) brings changes.
            try await ho.producer.approve(consumer: br.name, doctypes: ["Customer"])
            try await ho.site.write { tx in _ = try tx.insert(customer("Ana")) }
            #expect(try await eventually { br.site.exists("Customer", "Ana") })

            // PUT with another DocType: registered again, one producer and one consumer record.
            let changed = try await send("PUT", "/api/resource/Event%20Producer/\(ho.name)", [
                "producer_doctypes": [["ref_doctype": "Customer", "use_same_name": 1], ["ref_doctype": "Item", "use_same_name": 1]],
            ])
            #expect(changed.status == 200, "\(changed)")
            #expect(br.site.count("Event Producer") == 1)
            #expect(try ho.producer.consumers().count == 1)
            let rows = try ho.producer.consumers().first?.doctypes.map(\.doctype) ?? []
            #expect(Set(rows) == ["Customer", "Item"], "\(rows)")
            // The stream goes on after the re-registration.
            try await ho.site.write { tx in _ = try tx.insert(customer("Ben")) }
            #expect(try await eventually { br.site.exists("Customer", "Ben") })
        }
    }

    @Test("bundle routes take paths only from the local process credential: an Administrator API key gets 403 and nothing is written")
    func bundleRoutesNeedTheLocalCredential() async throws {
        try await withServedNodes(["bundle-auth"]) { nodes in
            let node = nodes[0]
            let http = RawHTTPClient(port: Int(URL(string: node.url)!.port!))
            let auth = ("Authorization", "token \(node.key.apiKey):\(node.key.apiSecret)")
            let out = node.directory.appendingPathComponent("stolen").path
            let export = try await http.send("POST", "/api/stream/export", headers: [auth, ("Content-Type", "application/json")],
                                             body: (["consumer": "anyone", "out": .string(out)] as JSON).serialized())
            expectError(export, status: 403, excType: "PermissionError", contains: "server.json")
            #expect(!FileManager.default.fileExists(atPath: out))
            let importing = try await http.send("POST", "/api/stream/import", headers: [auth, ("Content-Type", "application/json")],
                                                body: (["path": "/tmp"] as JSON).serialized())
            expectError(importing, status: 403, excType: "PermissionError")
        }
    }
}

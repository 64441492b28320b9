import DocumentModel
import Site
import SiteStreamJSON
import Streaming
import Testing

@Suite("Conditions")
struct ConditionTests {
    @Test("Frappe's conditional events: nothing until the document satisfies the condition, then all of it")
    func conditionalEvents() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", condition: "doc.customer_type == 'Individual'")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["customer_details": "content"]) }
        var report = try await pair.pull()
        #expect(report.received == 0)
        #expect(!pair.consumerSite.exists("Customer", "Acme"))

        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["customer_type": "Individual"]) }
        report = try await pair.pull()
        #expect(report.failed == 0)
        let local = try #require(try pair.consumerSite.get("Customer", "Acme"))
        #expect(local["customer_details"]?.stringValue == "content")
        #expect(local["customer_type"]?.stringValue == "Individual")
        // The documents call applies the condition as well.
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Bolt")) }
        await #expect(throws: StreamError.self) {
            try await pair.client.documents(DocumentsRequest(consumer: "branch-1", keys: [.init(doctype: "Customer", name: "Bolt")]))
        }
    }

    @Test("a condition that is not understood is refused at registration, naming the place")
    func badConditionRefused() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        let error = await #expect(throws: StreamError.self) {
            try await pair.subscribe([.init("Customer", condition: "frappe.db.get_value('x') == 1")])
        }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message.contains("character 1") == true)
    }

    @Test("the expression subset", arguments: [
        ("doc.a == 1", true), ("doc.a == True", true), ("doc.a != 1", false), ("doc.b == 'x'", true), ("doc.b == \"y\"", false),
        ("doc.a == 1 and doc.b == 'x'", true), ("doc.a == 2 or doc.b == 'x'", true), ("not doc.c", true), ("doc.c", false),
        ("doc.n >= 10.5", true), ("doc.n < 10", false), ("doc.b in ['x', 'z']", true), ("doc.b not in ['x']", false),
        ("(doc.a == 2 or doc.a == 1) and not (doc.b == 'q')", true), ("doc.missing == None", true),
    ])
    func expressions(text: String, expected: Bool) throws {
        let document: JSONObject = ["a": 1, "b": "x", "c": "", "n": 12.0]
        #expect(try Condition(text).matches(document) == expected, "\(text)")
    }
}

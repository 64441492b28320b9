import DocumentModel
import EventLog
import Site
import SiteStreamJSON
import Streaming
import Testing

/// Frappe's event_streaming scenarios (test_event_producer.py), on two real sites.
@Suite("Replication between two sites")
struct ReplicationTests {
    @Test("an inserted document reaches the consumer, with the links it needs")
    func insert() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customerGroup("Retail"))
            try tx.insert(Docs.territory("North"))
            try tx.insert(Docs.customer("Acme", group: "Retail", territory: "North"))
        }
        let report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(report.failed == 0)
        let local = try pair.consumerSite.get("Customer", "Acme")
        #expect(replicatedFields(local) == replicatedFields(try pair.producerSite.get("Customer", "Acme")))
        // Customer Group and Territory are not subscribed: fetched as dependencies, same names.
        #expect(pair.consumerSite.exists("Customer Group", "Retail"))
        #expect(pair.consumerSite.exists("Territory", "North"))
        // Only the approved DocType came through the stream.
        #expect(report.received == 1)
    }

    @Test("an update is folded into the consumer's copy")
    func update() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        try await pair.pull()
        try await pair.producerSite.write { tx in
            try tx.update("Customer", "Acme", with: ["customer_type": "Individual", "customer_details": "VIP"])
        }
        let report = try await pair.pull()
        #expect(report.synced == 1)
        let local = try #require(try pair.consumerSite.get("Customer", "Acme"))
        #expect(local["customer_type"]?.stringValue == "Individual")
        #expect(replicatedFields(local) == replicatedFields(try pair.producerSite.get("Customer", "Acme")))
    }

    @Test("a delete removes the consumer's copy")
    func delete() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        try await pair.pull()
        #expect(pair.consumerSite.exists("Customer", "Acme"))
        try await pair.producerSite.write { tx in try tx.delete("Customer", "Acme") }
        let report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(!pair.consumerSite.exists("Customer", "Acme"))
    }

    @Test("several DocTypes with creates, updates and deletes in one pull; created-and-deleted never appears")
    func multipleDocTypes() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer"), .init("Item"), .init("Item Group")])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            try tx.insert(Docs.customer("Bolt"))
            try tx.insert(Docs.itemGroup("Tools"))
            try tx.insert(Docs.item("HAMMER", group: "Tools"))
            try tx.insert(Docs.customer("Ephemeral"))
        }
        try await pair.producerSite.write { tx in
            try tx.update("Customer", "Acme", with: ["customer_details": "updated"])
            try tx.update("Item", "HAMMER", with: ["item_name": "Claw hammer"])
            try tx.delete("Customer", "Bolt")
            try tx.delete("Customer", "Ephemeral")
        }
        let report = try await pair.pull()
        #expect(report.failed == 0)
        #expect(try pair.consumerSite.get("Customer", "Acme")?["customer_details"]?.stringValue == "updated")
        #expect(try pair.consumerSite.get("Item", "HAMMER")?["item_name"]?.stringValue == "Claw hammer")
        #expect(pair.consumerSite.exists("Item Group", "Tools"))
        #expect(!pair.consumerSite.exists("Customer", "Bolt"))
        #expect(!pair.consumerSite.exists("Customer", "Ephemeral"))
        // Bolt and Ephemeral were created and deleted before the pull: none of their entries came.
        let consumerLog = try pair.consumerSite.log.read(after: nil, maxEntries: 10_000, maxBytes: 64 << 20).records()
        #expect(!consumerLog.contains { $0.doctype == "Customer" && ($0.docname == "Bolt" || $0.docname == "Ephemeral") })
        #expect(report.received == 5)  // Acme ×2, Tools, HAMMER ×2
    }

    @Test("a record of a document deleted on the producer since, whose links are gone too, is skipped, not failed")
    func obsoleteRecordSkipped() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customerGroup("Short-lived"))
            try tx.insert(Docs.customer("Gone", group: "Short-lived"))
        }
        try await pair.producerSite.write { tx in
            try tx.delete("Customer", "Gone")
            try tx.delete("Customer Group", "Short-lived")
        }
        // One record per reply, so the Create and the Delete are not dropped together.
        let report = try await pair.pull(maxEntries: 1)
        #expect(report.failed == 0)
        #expect(pair.consumerSite.count("Event Sync Log") == 0)
        #expect(!pair.consumerSite.exists("Customer", "Gone"))
    }

    @Test("a child row linking to a DocType that is not subscribed: the target is fetched, recursively")
    func childTableDependency() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Sales Invoice")])
        let name: String = try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            try tx.insert(Docs.itemGroup("Tools"))
            try tx.insert(Docs.item("HAMMER", group: "Tools"))
            try tx.insert(Docs.item("NAIL", group: "Tools"))
            return try tx.insert(Docs.invoice(customer: "Acme", items: [("HAMMER", 2, 10), ("NAIL", 100, 0.1)])).name!
        }
        let report = try await pair.pull()
        #expect(report.synced == 1)
        let local = try #require(try pair.consumerSite.get("Sales Invoice", name))
        #expect(replicatedFields(local) == replicatedFields(try pair.producerSite.get("Sales Invoice", name)))
        #expect(local.rows(of: "items").map { $0["name"] } == (try pair.producerSite.get("Sales Invoice", name))!.rows(of: "items").map { $0["name"] })
        for (doctype, docname) in [("Item", "HAMMER"), ("Item", "NAIL"), ("Item Group", "Tools"), ("Customer", "Acme")] {
            #expect(pair.consumerSite.exists(doctype, docname), "\(doctype) \(docname) was not fetched")
        }
    }

    @Test("dependencies that link to each other in a cycle are fetched once and inserted together")
    func dependencyCycle() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customerGroup("A"))
            var b = Docs.customerGroup("B")
            b["parent_customer_group"] = "A"
            try tx.insert(b)
        }
        try await pair.producerSite.write { tx in
            try tx.update("Customer Group", "A", with: ["parent_customer_group": "B"])
            try tx.insert(Docs.customer("Acme", group: "A"))
        }
        let report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(report.failed == 0)
        #expect(try pair.consumerSite.get("Customer Group", "A")?["parent_customer_group"]?.stringValue == "B")
        #expect(try pair.consumerSite.get("Customer Group", "B")?["parent_customer_group"]?.stringValue == "A")
        #expect(pair.consumerSite.exists("Customer", "Acme"))
    }

    @Test("a Dynamic Link target is fetched under the producer's name")
    func dynamicLinkDependency() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Address")])
        let name: String = try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            return try tx.insert(Docs.address("Acme HQ", linkedTo: [("Customer", "Acme")])).name!
        }
        let report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(pair.consumerSite.exists("Customer", "Acme"))
        #expect(pair.consumerSite.exists("Address", name))
    }

    @Test("use_same_name off: the consumer names the document and records remote_docname and remote_site_name")
    func namingConfiguration() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Address", useSameName: false), .init("Customer")])
        let name: String = try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            return try tx.insert(Docs.address("Acme HQ", linkedTo: [("Customer", "Acme")])).name!
        }
        try await pair.pull()
        let local = try #require(try pair.consumerSite.replicatedDocument("Address", site: "head-office", docname: name))
        #expect(local.name != name)
        #expect(local["remote_docname"]?.stringValue == name)
        #expect(local["remote_site_name"]?.stringValue == "head-office")
        #expect(!pair.consumerSite.exists("Address", name))

        try await pair.producerSite.write { tx in try tx.update("Address", name, with: ["city": "Shelbyville"]) }
        try await pair.pull()
        #expect(try pair.consumerSite.get("Address", local.name!)?["city"]?.stringValue == "Shelbyville")

        try await pair.producerSite.write { tx in try tx.delete("Address", name) }
        try await pair.pull()
        #expect(!pair.consumerSite.exists("Address", local.name!))
        #expect(pair.consumerSite.count("Address") == 0)
    }

    @Test("a renamed DocType's document fetched as a dependency keeps the producer's name and is found by later updates")
    func renamedDependency() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        let address: String = try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            return try tx.insert(Docs.address("HQ", linkedTo: [("Customer", "Acme")])).name!
        }
        try await pair.subscribe([.init("GL Entry"), .init("Address", useSameName: false)])
        try await pair.producerSite.write { tx in
            try tx.insert(Document(doctype: "GL Entry", [
                "posting_date": "2026-01-05", "account": "Debtors", "party_type": "Address", "party": .string(address),
                "voucher_type": "Customer", "voucher_no": "Acme",
            ]))
        }
        try await pair.pull()
        let fetched = try #require(try pair.consumerSite.get("Address", address))
        #expect(fetched["remote_docname"]?.stringValue == address)
        try await pair.producerSite.write { tx in try tx.update("Address", address, with: ["city": "Capital City"]) }
        let report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(pair.consumerSite.count("Address") == 1)
        #expect(try pair.consumerSite.get("Address", address)?["city"]?.stringValue == "Capital City")
    }

    @Test("the producer's update log: every change, its type, and its data")
    func updateLogOnProducer() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Old")) }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["customer_details": "x"]) }
        try await pair.producerSite.write { tx in try tx.delete("Customer", "Old") }
        let watermark = try #require(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id))
        let reply = try pair.producer.updates(consumer: "branch-1", caller: "Administrator", after: watermark.cursor, maxEntries: 100, maxBytes: 1 << 20)
        let json = try reply.jsonEntries()
        let entries = try #require(json["entries"]?.arrayValue)
        try #require(entries.count == 3)
        #expect(entries.map { $0["update_type"]?.stringValue } == ["Create", "Update", "Delete"])
        #expect(entries.map { $0["docname"]?.stringValue } == ["Acme", "Acme", "Old"])
        #expect(entries.allSatisfy { $0["ref_doctype"]?.stringValue == "Customer" })
        #expect(entries[0]["data"]?["customer_name"]?.stringValue == "Acme")
        #expect(entries[1]["data"]?["changed"]?["customer_details"]?.stringValue == "x")
        #expect(json["caught_up"]?.boolValue == true)
        // Each entry's cursor continues the stream from just after it.
        let second = try #require(entries[1]["cursor"]?.stringValue.flatMap(LogCursor.init(string:)))
        let rest = try pair.producer.updates(consumer: "branch-1", caller: "Administrator", after: second, maxEntries: 100, maxBytes: 1 << 20)
        #expect(try rest.jsonEntries()["entries"]?.arrayValue?.map { $0["update_type"]?.stringValue } == ["Delete"])
        // The consumer applies them: the Delete of a document it never had is harmless.
        let report = try await pair.pull()
        #expect(report.failed == 0)
        #expect(pair.consumerSite.exists("Customer", "Acme"))
    }

    @Test("the consumer's sync log: a failure is recorded with its data and error, and the stream goes on")
    func syncLogOnConsumer() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        // The consumer already has a Customer of that name: the replicated insert fails.
        try await pair.consumerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            try tx.insert(Docs.customer("Bolt"))
        }
        let report = try await pair.pull()
        #expect(report.failed == 1)
        #expect(report.synced == 1)
        #expect(pair.consumerSite.exists("Customer", "Bolt"))
        let logs = try pair.consumerSite.list("Event Sync Log", limit: 100)
        #expect(logs.count == 1)
        let log = try #require(logs.first)
        #expect(log["status"]?.stringValue == "Failed")
        #expect(log["update_type"]?.stringValue == "Create")
        #expect(log["ref_doctype"]?.stringValue == "Customer")
        #expect(log["producer_doc"]?.stringValue == "Acme")
        #expect(log["event_producer"]?.stringValue == "head-office")
        #expect(log["error"]?.stringValue?.contains("already exists") == true)
        #expect(log["data"]?.stringValue?.contains("\"customer_name\":\"Acme\"") == true)
        // Successes are counted, not logged one document each.
        let watermark = try #require(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id))
        #expect(watermark.synced == 1)
        #expect(watermark.failed == 1)
        // The failure moved the watermark: pulling again does not retry it or duplicate anything.
        let again = try await pair.pull()
        #expect(again.received == 0)
        #expect(try pair.consumerSite.list("Event Sync Log", limit: 100).count == 1)
    }
}

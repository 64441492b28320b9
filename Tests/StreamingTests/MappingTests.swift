import DocumentModel
import ERPFixtures
import Site
import SiteStreamJSON
import Streaming
import Testing

@Suite("Document Type Mapping")
struct MappingTests {
    /// Frappe's test_mapping: the producer's Customers become the consumer's Suppliers.
    @Test("inserts, updates and deletes arrive through the mapping")
    func customerToSupplier() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.consumerSite.write { tx in
            try tx.insert(Document(doctype: "Supplier Group", ["supplier_group_name": "All Supplier Groups"]))
            try tx.insert(Document(doctype: "Document Type Mapping", [
                "mapping_name": "Customer to Supplier", "local_doctype": "Supplier", "remote_doctype": "Customer",
                "field_mapping": [
                    ["local_fieldname": "supplier_name", "remote_fieldname": "customer_name"],
                    ["local_fieldname": "supplier_type", "remote_fieldname": "customer_type"],
                    ["local_fieldname": "supplier_group", "default_value": "All Supplier Groups"],
                ],
            ]))
        }
        try await pair.subscribe([.init("Customer", mapping: "Customer to Supplier")])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customerGroup("Retail"))
            try tx.insert(Docs.customer("Acme", group: "Retail"))
        }
        var report = try await pair.pull()
        #expect(report.failed == 0)
        let supplier = try #require(try pair.consumerSite.get("Supplier", "Acme"))
        #expect(supplier["supplier_type"]?.stringValue == "Company")
        #expect(supplier["supplier_group"]?.stringValue == "All Supplier Groups")
        #expect(!pair.consumerSite.exists("Customer", "Acme"))

        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["customer_type": "Individual"]) }
        report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(try pair.consumerSite.get("Supplier", "Acme")?["supplier_type"]?.stringValue == "Individual")

        try await pair.producerSite.write { tx in try tx.delete("Customer", "Acme") }
        report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(!pair.consumerSite.exists("Supplier", "Acme"))
    }

    /// Installs the built-in mappings and the default Supplier Group they name.
    static func installBuiltinMappings(on site: Site) async throws {
        try await site.write { tx in
            try tx.insert(Document(doctype: "Supplier Group", ["supplier_group_name": "All Supplier Groups"]))
            for json in try ERPFixtures.mappingDocuments() { try tx.insert(#require(Document(json: json)), keepingName: true) }
        }
    }

    static func masters(_ tx: SiteTransaction) throws {
        try tx.insert(Docs.customer("Acme"))
        try tx.insert(Docs.itemGroup("Tools"))
        for code in ["HAMMER", "NAIL", "SAW"] { try tx.insert(Docs.item(code, group: "Tools")) }
    }

    /// Frappe's test_inner_mapping, through the built-in Sales Order to Purchase Order mapping:
    /// the order's customer becomes a supplier created through the nested mapping.
    @Test("an inner (Document) mapping creates the linked document; Child Table rows become local rows")
    func innerMappingCreatesLinkedDocument() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await Self.installBuiltinMappings(on: pair.consumerSite)
        try await pair.subscribe([.init("Sales Order", mapping: ERPFixtures.salesOrderToPurchaseOrderMapping)])
        let order: String = try await pair.producerSite.write { tx in
            try Self.masters(tx)
            return try tx.insert(Docs.salesOrder(customer: "Acme", items: [("HAMMER", 2, 10), ("NAIL", 100, 0.1)])).name!
        }
        let report = try await pair.pull()
        #expect(report.failed == 0, "\(((try? pair.consumerSite.list("Event Sync Log", limit: 5)) ?? []).map { $0["error"] ?? "" })")
        let supplier = try #require(try pair.consumerSite.get("Supplier", "Acme"))
        #expect(supplier["supplier_type"]?.stringValue == "Company")
        #expect(supplier["supplier_group"]?.stringValue == "All Supplier Groups")
        #expect(!pair.consumerSite.exists("Customer", "Acme"))
        let po = try #require(try pair.consumerSite.get("Purchase Order", order))
        #expect(po["supplier"]?.stringValue == "Acme")
        #expect(po["schedule_date"]?.stringValue == "2026-01-20")
        #expect(po["naming_series"]?.stringValue == "PUR-ORD-.YYYY.-")
        #expect(po["status"]?.stringValue == "Draft")
        #expect(po["order_type"] == nil)
        let rows = po.rows(of: "items")
        #expect(rows.map { $0["item_code"]?.stringValue } == ["HAMMER", "NAIL"])
        #expect(rows.allSatisfy { $0["schedule_date"]?.stringValue == "2026-01-20" && $0["delivery_date"] == nil })
        #expect(rows.map { $0["name"] } == (try pair.producerSite.get("Sales Order", order))!.rows(of: "items").map { $0["name"] })
        #expect(!pair.consumerSite.exists("Sales Order", order))
    }

    @Test("Sales Order → Purchase Order with rows added, changed and removed on the producer, then deleted")
    func salesOrderToPurchaseOrder() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await Self.installBuiltinMappings(on: pair.consumerSite)
        try await pair.subscribe([.init("Sales Order", mapping: ERPFixtures.salesOrderToPurchaseOrderMapping)])
        let order: String = try await pair.producerSite.write { tx in
            try Self.masters(tx)
            return try tx.insert(Docs.salesOrder(customer: "Acme", items: [("HAMMER", 2, 10), ("NAIL", 100, 0.1)])).name!
        }
        try await pair.pull()
        try await pair.producerSite.write { tx in
            var so = try #require(try tx.get("Sales Order", order))
            var rows = so.rows(of: "items")
            rows[0]["qty"] = 5                    // changed
            rows[0]["delivery_date"] = "2026-02-01"
            rows.remove(at: 1)                    // removed
            rows.append(["item_code": "SAW", "item_name": "Item SAW", "delivery_date": "2026-02-03", "qty": 1, "uom": "Nos",
                         "conversion_factor": 1.0, "rate": 30.0, "amount": 30.0])  // added
            so.setRows(rows, of: "items")
            so["delivery_date"] = "2026-02-03"
            try tx.save(so)
        }
        var report = try await pair.pull()
        #expect(report.failed == 0, "\(((try? pair.consumerSite.list("Event Sync Log", limit: 5)) ?? []).map { $0["error"] ?? "" })")
        #expect(report.synced == 1)
        let so = try #require(try pair.producerSite.get("Sales Order", order))
        let po = try #require(try pair.consumerSite.get("Purchase Order", order))
        #expect(po["schedule_date"]?.stringValue == "2026-02-03")
        let rows = po.rows(of: "items")
        #expect(rows.map { $0["name"] } == so.rows(of: "items").map { $0["name"] })
        #expect(rows.map { $0["item_code"]?.stringValue } == ["HAMMER", "SAW"])
        #expect(rows.map { $0["qty"]?.doubleValue } == [5, 1])
        #expect(rows.map { $0["schedule_date"]?.stringValue } == ["2026-02-01", "2026-02-03"])
        #expect(po["grand_total"]?.doubleValue == so["grand_total"]?.doubleValue)

        try await pair.producerSite.write { tx in try tx.delete("Sales Order", order) }
        report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(!pair.consumerSite.exists("Purchase Order", order))
        #expect(pair.consumerSite.exists("Supplier", "Acme"))  // created through the mapping, kept as Frappe keeps it
    }

    /// Mapping rows that cannot apply, with what the refusal says.
    static let brokenRows: [(JSONObject, String)] = [
        (["local_fieldname": "no_such_field", "remote_fieldname": "customer"] as JSONObject, "'no_such_field' is not a field of Purchase Order"),
        (["local_fieldname": "items", "remote_fieldname": "items"] as JSONObject, "is a table: map it with mapping_type Child Table"),
        (["local_fieldname": "items", "remote_fieldname": "items", "mapping_type": "Child Table", "mapping": "Customer to Supplier"] as JSONObject,
         "makes Supplier rows, but 'items' holds Purchase Order Item rows"),
        (["local_fieldname": "supplier", "remote_fieldname": "customer", "mapping_type": "Document",
          "mapping": "Sales Order Item to Purchase Order Item"] as JSONObject, "links to Supplier, but mapping"),
        (["local_fieldname": "supplier", "remote_fieldname": "customer", "mapping_type": "Document", "mapping": "Customer to Supplier",
          "remote_value_filters": "{not json"] as JSONObject, "remote_value_filters is not a JSON object"),
        (["local_fieldname": "items", "remote_fieldname": "items", "mapping_type": "Child Table"] as JSONObject,
         "a Child Table mapping needs the mapping for its rows"),
        (["local_fieldname": "supplier", "mapping_type": "Document", "mapping": "Customer to Supplier"] as JSONObject,
         "a Document mapping needs a remote_fieldname"),
    ]

    @Test("a mapping that cannot apply is refused when the subscription is saved", arguments: brokenRows)
    func refusedWhenSaved(row: JSONObject, message: String) async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await Self.installBuiltinMappings(on: pair.consumerSite)
        try await pair.consumerSite.write { tx in
            try tx.insert(Document(doctype: "Document Type Mapping", [
                "mapping_name": "Broken", "local_doctype": "Purchase Order", "remote_doctype": "Sales Order", "field_mapping": [.object(row)],
            ]))
        }
        let error = await #expect(throws: StreamError.self) {
            try await pair.subscribe([.init("Sales Order", mapping: "Broken")])
        }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("mapping Broken, row 1") == true)
        #expect(try pair.producer.consumers().isEmpty)
    }

    @Test("a mapping that cannot apply is refused when it is saved, on a site with the streaming controllers", arguments: brokenRows)
    func refusedWhenTheMappingIsSaved(row: JSONObject, message: String) async throws {
        let directory = try TemporaryDirectory("mapping-save")
        defer { directory.cleanUp() }
        let site = try await StreamPair.makeSite(directory.url, name: "supplier", controllers: .sitestream)
        defer { try? site.close() }
        try await Self.installBuiltinMappings(on: site)
        let before = site.log.lastSequence
        let error = await #expect(throws: SiteError.self) {
            try await site.write { tx in
                try tx.insert(Document(doctype: "Document Type Mapping", [
                    "mapping_name": "Broken", "local_doctype": "Purchase Order", "remote_doctype": "Sales Order", "field_mapping": [.object(row)],
                ]))
            }
        }
        #expect(error?.code == .validation)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("mapping Broken, row 1") == true)
        #expect(!site.exists("Document Type Mapping", "Broken"))
        #expect(site.log.lastSequence == before)
    }

    @Test("the built-in mappings and a change to one are accepted by the save-time check; a change that breaks one is refused")
    func goodMappingsSave() async throws {
        let directory = try TemporaryDirectory("mapping-save-good")
        defer { directory.cleanUp() }
        let site = try await StreamPair.makeSite(directory.url, name: "supplier", controllers: .sitestream)
        defer { try? site.close() }
        try await Self.installBuiltinMappings(on: site)
        #expect(site.exists("Document Type Mapping", "Sales Order to Purchase Order"))
        var mapping = try #require(try site.get("Document Type Mapping", "Customer to Supplier"))
        mapping["local_doctype"] = .string("Purchase Order Item")
        let changed = mapping
        await #expect(throws: SiteError.self) { try await site.write { tx in try tx.save(changed) } }
        #expect(try site.get("Document Type Mapping", "Customer to Supplier")?["local_doctype"]?.stringValue == "Supplier")
    }

    @Test("a mapping that only a document shows cannot apply parks that document, and the stream goes on")
    func unmappedChildTableParks() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await Self.installBuiltinMappings(on: pair.consumerSite)
        try await pair.consumerSite.write { tx in
            // No Child Table row for items: Sales Order Item rows cannot become Purchase Order Item rows.
            try tx.insert(Document(doctype: "Document Type Mapping", [
                "mapping_name": "Bare", "local_doctype": "Purchase Order", "remote_doctype": "Sales Order",
                "field_mapping": [
                    ["local_fieldname": "supplier", "remote_fieldname": "customer", "mapping_type": "Document", "mapping": "Customer to Supplier"],
                    ["local_fieldname": "naming_series", "default_value": "PUR-ORD-.YYYY.-"],
                    ["local_fieldname": "status", "default_value": "Draft"],
                ],
            ]))
        }
        try await pair.subscribe([.init("Sales Order", mapping: "Bare"), .init("Item Group")])
        try await pair.producerSite.write { tx in
            try Self.masters(tx)
            try tx.insert(Docs.salesOrder(customer: "Acme", items: [("HAMMER", 2, 10)]))
            try tx.insert(Docs.itemGroup("Spares"))
        }
        let report = try await pair.pull()
        #expect(report.failed == 1)
        #expect(pair.consumerSite.exists("Item Group", "Spares"))
        let failed = try pair.consumer.syncLog(status: .failed)
        #expect(failed.count == 1)
        #expect(failed.first?.error?.contains("no Child Table row maps them to Purchase Order Item") == true, "\(failed.first?.error ?? "")")
        #expect(pair.consumerSite.count("Purchase Order") == 0)
    }
}

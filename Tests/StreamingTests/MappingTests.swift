import DocumentModel
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

    @Test("an inner (Document) mapping is refused clearly and recorded, and the stream goes on")
    func innerMappingRefused() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.consumerSite.write { tx in
            try tx.insert(Document(doctype: "Document Type Mapping", [
                "mapping_name": "Inner", "local_doctype": "Supplier", "remote_doctype": "Customer",
                "field_mapping": [["local_fieldname": "supplier_group", "remote_fieldname": "customer_group", "mapping_type": "Document"]],
            ]))
        }
        try await pair.subscribe([.init("Customer", mapping: "Inner"), .init("Item Group")])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            try tx.insert(Docs.itemGroup("Tools"))
        }
        let report = try await pair.pull()
        #expect(report.failed == 1)
        #expect(report.synced == 1)
        let log = try #require(try pair.consumerSite.list("Event Sync Log", limit: 1).first)
        #expect(log["error"]?.stringValue?.contains("'Document' mapping") == true)
        #expect(pair.consumerSite.exists("Item Group", "Tools"))
    }
}

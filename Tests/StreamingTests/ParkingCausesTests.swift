import DocumentModel
import Site
import SiteStreamJSON
import Streaming
import Testing

/// A consumer-only rule refusing the Customer Group named "Forbidden" while it is in force.
struct StrictGroupController: DocumentController {
    let rule: CustomerRule
    func validate(_ document: inout Document, in transaction: SiteTransaction) throws {
        if rule.inForce.load(ordering: .sequentiallyConsistent), document.name == "Forbidden" {
            throw SiteError(.validation, "branch rule: Customer Group Forbidden is not used here", doctype: "Customer Group", docname: document.name)
        }
    }
}

/// Why a replay fails on the consumer, and how the consumer's operator fixes it.
enum ParkingCause: String, CaseIterable, CustomTestStringConvertible, Sendable {
    /// The consumer's controller refuses the document itself.
    case refusedDocument
    /// The document links to a dependency the consumer's controller refuses.
    case refusedDependency
    /// A mapping that cannot apply: its default links to a Supplier Group nobody has.
    case mappingCannotApply

    var testDescription: String { rawValue }
}

@Suite("Parking: each cause of failure")
struct ParkingCausesTests {
    @Test("the document is parked with a clear entry, its update waits, others flow; after the fix a resync applies both in order",
          arguments: ParkingCause.allCases)
    func parkAndResync(cause: ParkingCause) async throws {
        let rule = CustomerRule()
        var controllers = ControllerRegistry()
        controllers.register(StrictCustomerController(rule: rule), for: "Customer")
        controllers.register(StrictGroupController(rule: rule), for: "Customer Group")
        let pair = try await StreamPair(consumerControllers: controllers)
        defer { pair.close() }
        let mapped = cause == .mappingCannotApply
        if mapped {
            try await pair.consumerSite.write { tx in
                try tx.insert(Document(doctype: "Document Type Mapping", [
                    "mapping_name": "Customer to Supplier", "local_doctype": "Supplier", "remote_doctype": "Customer",
                    "field_mapping": [
                        ["local_fieldname": "supplier_name", "remote_fieldname": "customer_name"],
                        ["local_fieldname": "supplier_group", "default_value": "Wholesale Suppliers"],
                    ],
                ]))
            }
            try await pair.subscribe([.init("Customer", mapping: "Customer to Supplier"), .init("Item Group")])
        } else {
            try await pair.subscribe([.init("Customer"), .init("Item Group")])
        }
        var failing = Docs.customer("Problem", group: cause == .refusedDependency ? "Forbidden" : nil)
        if cause == .refusedDocument { failing["customer_details"] = "blocked" }
        try await pair.producerSite.write { tx in
            if cause == .refusedDependency { try tx.insert(Docs.customerGroup("Forbidden")) }
            try tx.insert(failing)
            for i in 0..<20 { try tx.insert(Docs.itemGroup("Group \(i)")) }
        }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Problem", with: ["customer_name": "Problem Ltd"]) }
        let report = try await pair.pull()
        #expect(report.synced == 20)
        #expect(report.failed == 2)
        #expect(pair.consumerSite.count("Item Group") == 20)
        let localDocType = mapped ? "Supplier" : "Customer"
        #expect(!pair.consumerSite.exists(localDocType, "Problem"))
        let failed = try pair.consumer.syncLog(status: .failed)
        #expect(failed.count == 1)
        #expect(failed.first?.doctype == "Customer" && failed.first?.remoteName == "Problem")
        let error = failed.first?.error ?? ""
        switch cause {
        case .refusedDocument: #expect(error.contains("Customer Problem is blocked here"))
        case .refusedDependency: #expect(error.contains("Customer Group Forbidden is not used here"))
        case .mappingCannotApply: #expect(error.contains("Wholesale Suppliers"))
        }
        #expect(try pair.consumer.syncLog(status: .waiting).map(\.updateType) == ["Update"])

        // The consumer's operator fixes the cause.
        switch cause {
        case .refusedDocument, .refusedDependency: rule.lift()
        case .mappingCannotApply:
            try await pair.consumerSite.write { tx in
                try tx.insert(Document(doctype: "Supplier Group", ["supplier_group_name": "Wholesale Suppliers"]))
            }
        }
        let resync = try await pair.consumer.resyncFailed(producer: "head-office", client: pair.client)
        #expect(resync.released == 1 && resync.synced == 2 && resync.failures.isEmpty)
        let local = try #require(try pair.consumerSite.get(localDocType, "Problem"))
        if mapped {
            #expect(local["supplier_name"]?.stringValue == "Problem Ltd")
        } else {
            #expect(replicatedFields(local) == replicatedFields(try pair.producerSite.get("Customer", "Problem")))
        }
        #expect(try consumerEntries(pair, localDocType, "Problem") == [.create, .update])
        #expect(try pair.consumer.syncLog(status: .synced).count == 2)
        #expect(try pair.consumer.syncLog().allSatisfy { $0.status == .synced })
    }

    @Test("a dependency the producer creates a moment later: the automatic retry fetches it and releases the document")
    func transientMissingDependency() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        let clock = TestClock()
        pair.consumer = StreamConsumer(site: pair.consumerSite, now: clock.now)
        // The producer's Customers become Suppliers of a group the producer has not made yet.
        try await pair.consumerSite.write { tx in
            try tx.insert(Document(doctype: "Document Type Mapping", [
                "mapping_name": "Customer to Supplier", "local_doctype": "Supplier", "remote_doctype": "Customer",
                "field_mapping": [
                    ["local_fieldname": "supplier_name", "remote_fieldname": "customer_name"],
                    ["local_fieldname": "supplier_group", "default_value": "Wholesale Suppliers"],
                ],
            ]))
        }
        try await pair.subscribe([.init("Customer", mapping: "Customer to Supplier"), .init("Supplier Group")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Early")) }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Early", with: ["customer_name": "Early Ltd"]) }
        var report = try await pair.pull()
        #expect(report.failed == 2)
        #expect(!pair.consumerSite.exists("Supplier", "Early"))
        #expect(try pair.consumer.syncLog(status: .failed).first?.error?.contains("Wholesale Suppliers") == true)

        // A moment later the producer creates the group.
        try await pair.producerSite.write { tx in
            try tx.insert(Document(doctype: "Supplier Group", ["supplier_group_name": "Wholesale Suppliers"]))
        }
        clock.advance(5)
        report = try await pair.pull()
        #expect(report.retries.released == 1 && report.retries.synced == 2)
        #expect(report.failed == 0)
        let supplier = try #require(try pair.consumerSite.get("Supplier", "Early"))
        #expect(supplier["supplier_name"]?.stringValue == "Early Ltd")
        #expect(supplier["supplier_group"]?.stringValue == "Wholesale Suppliers")
        #expect(pair.consumerSite.count("Supplier Group") == 1)
        #expect(try consumerEntries(pair, "Supplier", "Early") == [.create, .update])
        #expect(try pair.consumer.syncLog().allSatisfy { $0.status == .synced })
    }
}

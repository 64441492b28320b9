import DocumentModel
import Foundation
import EventLog
import Site
import SiteStreamJSON
import SnapshotStore
import Streaming
import Synchronization
import Testing

/// Posts a GL Entry when a Sales Invoice is submitted and a reversing one when it is cancelled,
/// as ERPNext's invoice controller does: the hooks must run for replicated changes too.
struct PostingController: DocumentController {
    func onSubmit(_ document: Document, in transaction: SiteTransaction) throws {
        try post(document, debit: true, in: transaction)
    }

    func onCancel(_ document: Document, in transaction: SiteTransaction) throws {
        try post(document, debit: false, in: transaction)
    }

    private func post(_ document: Document, debit: Bool, in transaction: SiteTransaction) throws {
        let total = document.rows(of: "items").reduce(0.0) { $0 + ($1["amount"]?.doubleValue ?? 0) }
        try transaction.insert(Document(doctype: "GL Entry", [
            "posting_date": "2026-01-05", "account": "Debtors", "voucher_type": "Sales Invoice",
            "voucher_no": .string(document.name ?? ""), "debit": .double(debit ? total : 0), "credit": .double(debit ? 0 : total),
            "is_cancelled": debit ? 0 : 1,
        ]))
    }
}

@Suite("Streaming rules: lifecycle, approval, integrity, permissions, backlog")
struct StreamingRulesTests {
    @Test("submit and cancel are replayed through the consumer's hooks")
    func submitAndCancelRunHooks() async throws {
        var controllers = ControllerRegistry()
        controllers.register(PostingController(), for: "Sales Invoice")
        let pair = try await StreamPair(consumerControllers: controllers)
        defer { pair.close() }
        try await pair.subscribe([.init("Sales Invoice")])
        let name: String = try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            try tx.insert(Docs.itemGroup("Tools"))
            try tx.insert(Docs.item("HAMMER", group: "Tools"))
            return try tx.insert(Docs.invoice(customer: "Acme", items: [("HAMMER", 3, 10)])).name!
        }
        try await pair.pull()
        #expect(try pair.consumerSite.get("Sales Invoice", name)?.docstatus == 0)
        #expect(pair.consumerSite.count("GL Entry") == 0)

        try await pair.producerSite.write { tx in try tx.submit("Sales Invoice", name) }
        try await pair.pull()
        #expect(try pair.consumerSite.get("Sales Invoice", name)?.docstatus == 1)
        let posted = try pair.consumerSite.list("GL Entry", limit: 10)
        #expect(posted.count == 1)
        #expect(posted.first?["voucher_no"]?.stringValue == name)
        #expect(posted.first?["debit"]?.doubleValue == 30)
        // The producer has no such controller: the GL Entry is the consumer's own.
        #expect(pair.producerSite.count("GL Entry") == 0)

        try await pair.producerSite.write { tx in try tx.cancel("Sales Invoice", name) }
        let report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(try pair.consumerSite.get("Sales Invoice", name)?.docstatus == 2)
        #expect(pair.consumerSite.count("GL Entry") == 2)
        // The replayed entries say where they came from; the hook's entries are local.
        let records = try pair.consumerSite.log.read(after: nil, maxEntries: 10_000, maxBytes: 64 << 20).records()
        let invoiceEntries = records.filter { $0.doctype == "Sales Invoice" }
        #expect(invoiceEntries.map(\.updateType) == [.create, .update, .cancel])
        #expect(invoiceEntries.allSatisfy { $0.origin?.site == pair.producerSite.identity.id })
        #expect(records.filter { $0.doctype == "GL Entry" }.allSatisfy { $0.origin == nil })
    }

    @Test("an unapproved DocType delivers nothing; the consumer sees the status; approval opens the stream")
    func unapprovedDocType() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        let status = try await pair.subscribe([.init("Customer"), .init("Item Group")], approve: false)
        #expect(status.producer.rows.map(\.status) == [.pending, .pending])
        try await pair.producer.approve(consumer: "branch-1", doctypes: ["Item Group"])
        try await pair.producer.reject(consumer: "branch-1", doctypes: ["Customer"])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            try tx.insert(Docs.itemGroup("Tools"))
        }
        let report = try await pair.pull()
        #expect(report.received == 1)
        #expect(!pair.consumerSite.exists("Customer", "Acme"))
        #expect(pair.consumerSite.exists("Item Group", "Tools"))
        let seen = try pair.consumer.status(producer: "head-office").producer.rows
        #expect(seen.first { $0.doctype == "Customer" }?.status == .rejected)
        #expect(seen.first { $0.doctype == "Item Group" }?.status == .approved)
        // Approval never delivers what was filtered out before; later changes do come.
        try await pair.producer.approve(consumer: "branch-1", doctypes: ["Customer"])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Bolt")) }
        try await pair.pull()
        #expect(pair.consumerSite.exists("Customer", "Bolt"))
        #expect(try pair.consumer.status(producer: "head-office").producer.rows.first { $0.doctype == "Customer" }?.status == .approved)
    }

    @Test("re-registering after deleting the Event Producer duplicates nothing and resumes where it was")
    func reRegisterAfterDelete() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        try await pair.pull()
        try await pair.consumerSite.write { tx in try tx.delete("Event Producer", "head-office") }
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Bolt")) }

        try await pair.subscribe([.init("Customer"), .init("Item")], approve: false)
        let consumers = try pair.producer.consumers()
        #expect(consumers.count == 1)
        #expect(consumers.first?.siteID == pair.consumerSite.identity.id)
        #expect(consumers.first?.doctypes.map(\.doctype) == ["Customer", "Item"])
        #expect(consumers.first?.doctypes.map(\.status) == [.approved, .pending])
        #expect(pair.consumerSite.count("Event Producer") == 1)
        let report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(pair.consumerSite.exists("Customer", "Bolt"))
        #expect(pair.consumerSite.count("Customer") == 2)
    }

    @Test("an Event Producer saved through the document API is registered by resubscribe, keeping its name")
    func resubscribeSavedDocument() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.consumerSite.write { tx in
            try tx.insert(Document(doctype: "Event Producer", name: "hq", [
                "producer_url": "http://head-office.test", "api_key": "k", "api_secret": "s", "user": "Administrator",
                "producer_doctypes": [["ref_doctype": "Customer", "use_same_name": 1]],
            ]))
        }
        let status = try await pair.consumer.resubscribe(producer: "hq", client: pair.client)
        #expect(status.producer.name == "hq")
        #expect(status.producer.siteID == pair.producerSite.identity.id)
        #expect(status.watermark != nil)
        #expect(pair.consumerSite.count("Event Producer") == 1)
        try await pair.producer.approve(consumer: "branch-1", doctypes: ["Customer"])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        let report = try await pair.consumer.pull(producer: "hq", client: pair.client)
        #expect(report.synced == 1)
        #expect(try pair.producer.consumers().count == 1)
    }

    @Test("the consumer never hands its API secret over; the producer keeps a notify-only token the consumer can check")
    func notifyToken() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        let record = try pair.producer.consumer("branch-1")
        let token = try #require(record.notifyToken)
        #expect(token != "secret")
        #expect(pair.consumer.verifyNotifyToken(token, producer: pair.producerSite.identity.id))
        #expect(!pair.consumer.verifyNotifyToken(token + "0", producer: pair.producerSite.identity.id))
        let consumerDocument = try #require(try pair.producerSite.get("Event Consumer", "branch-1"))
        #expect(!consumerDocument.json.serializedString().contains("\"secret\""))
    }

    @Test("the raw log is Administrator's only; the status lists positions, segments and consumers")
    func rawLogAndStatus() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            try tx.insert(Docs.itemGroup("Tools"))
        }
        let raw = try pair.producer.rawUpdates(caller: "Administrator", after: nil, maxEntries: 10_000, maxBytes: 16 << 20)
        let (_, records) = try UpdatesReply.decodeVerified(raw.encoded())
        #expect(records.count == Int(pair.producerSite.log.lastSequence))
        #expect(records.contains { $0.doctype == "Item Group" })
        #expect(throws: StreamError.self) { try pair.producer.rawUpdates(caller: "branch-user", after: nil, maxEntries: 1, maxBytes: 1) }
        let status = try pair.producer.status()
        #expect(status.lastSequence == pair.producerSite.log.lastSequence)
        #expect(status.segments.count == 1)
        #expect(status.consumers.map(\.name) == ["branch-1"])
        #expect(!status.json.serializedString().contains(status.consumers[0].notifyToken!))
    }

    @Test("a second pull from the same producer while one runs is refused")
    func onePullAtATime() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        let consumer = pair.consumer
        let inner = pair.client
        let secondError = Mutex<StreamError?>(nil)
        let client = HookedClient(inner: inner) {
            do { try await consumer.pull(producer: "head-office", client: inner) } catch let error as StreamError {
                secondError.withLock { $0 = error }
            }
        }
        let report = try await consumer.pull(producer: "head-office", client: client)
        #expect(report.synced == 1)
        #expect(secondError.withLock { $0 }?.code == .conflict)
        #expect(pair.consumerSite.count("Customer") == 1)
    }

    @Test("a corrupted batch applies nothing and moves nothing; the retry applies it")
    func corruptedBatch() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in
            for i in 0..<5 { try tx.insert(Docs.customer("C\(i)")) }
        }
        let before = try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id)
        let calls = Mutex(0)
        var tampering = pair.client
        tampering.tamper = { bytes in
            let n = calls.withLock { c in c += 1; return c }
            guard n == 1 else { return bytes }
            var damaged = bytes
            damaged[damaged.count - 7] ^= 0x20  // inside the last record
            return damaged
        }
        await #expect(throws: StreamError.self) {
            try await pair.consumer.pull(producer: "head-office", client: tampering)
        }
        #expect(pair.consumerSite.count("Customer") == 0)
        #expect(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id) == before)
        let report = try await pair.consumer.pull(producer: "head-office", client: tampering)
        #expect(report.synced == 5)
        #expect(pair.consumerSite.count("Customer") == 5)
    }

    struct Outage: Error {}

    /// A client whose `documents` calls fail as if the producer went away mid-pull.
    struct FlakyDocumentsClient: ProducerClient {
        let inner: LocalProducerClient
        func register(_ request: RegisterRequest) async throws -> RegisterReply { try await inner.register(request) }
        func updates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> [UInt8] {
            try await inner.updates(consumer: consumer, after: after, maxEntries: maxEntries, maxBytes: maxBytes)
        }
        func documents(_ request: DocumentsRequest) async throws -> DocumentsReply { throw Outage() }
    }

    @Test("a transport failure while fetching dependencies stops the pull without recording or skipping anything")
    func transportFailureDuringDependencies() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Plain"))
            try tx.insert(Docs.customerGroup("Retail"))
            try tx.insert(Docs.customer("Grouped", group: "Retail"))
        }
        let before = try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id)
        let error = await #expect(throws: StreamError.self) {
            try await pair.consumer.pull(producer: "head-office", client: FlakyDocumentsClient(inner: pair.client))
        }
        #expect(error?.code == .transport)
        #expect(pair.consumerSite.count("Event Sync Log") == 0)
        #expect(!pair.consumerSite.exists("Customer", "Grouped"))
        // The record before the failure was applied, and the watermark says exactly that.
        #expect(pair.consumerSite.exists("Customer", "Plain"))
        #expect(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id)?.synced == (before?.synced ?? 0) + 1)
        let report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(pair.consumerSite.exists("Customer", "Grouped"))
    }

    @Test("a dependency request for a document the consumer may not see is refused")
    func dependencyRefused() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Sales Invoice")])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            try tx.insert(Docs.customer("Secret Co"))
            try tx.insert(Docs.itemGroup("Tools"))
            try tx.insert(Docs.item("HAMMER", group: "Tools"))
            try tx.insert(Docs.item("UNLINKED", group: "Tools"))
            try tx.insert(Docs.invoice(customer: "Acme", items: [("HAMMER", 1, 1)]))
        }
        // Linked from an invoice (and, for Tools, through HAMMER): allowed.
        let allowed = try await pair.client.documents(DocumentsRequest(consumer: "branch-1", keys: [
            .init(doctype: "Customer", name: "Acme"), .init(doctype: "Item", name: "HAMMER"), .init(doctype: "Item Group", name: "Tools"),
        ]))
        #expect(allowed.documents.count == 3)
        // Not linked from anything the consumer may see: refused, whole.
        for key in [DocumentKey(doctype: "Customer", name: "Secret Co"), DocumentKey(doctype: "Item", name: "UNLINKED"),
                    DocumentKey(doctype: "User", name: "Administrator"), DocumentKey(doctype: "Customer", name: "Nobody")] {
            let error = await #expect(throws: StreamError.self) {
                try await pair.client.documents(DocumentsRequest(consumer: "branch-1", keys: [.init(doctype: "Customer", name: "Acme"), key]))
            }
            #expect(error?.code == .permission)
            #expect(error?.message.contains(key.name) == true)
        }
        // Another user's credentials may not act for this consumer.
        let stranger = LocalProducerClient(producer: pair.producer, caller: "someone@else")
        let error = await #expect(throws: StreamError.self) {
            try await stranger.updates(consumer: "branch-1", after: nil, maxEntries: 10, maxBytes: 1 << 20)
        }
        #expect(error?.code == .permission)
    }

    @Test("a backlog larger than one batch arrives whole, in bounded replies", arguments: [(7, 1 << 20), (1000, 2048)])
    func backlog(maxEntries: Int, maxBytes: Int) async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in
            for i in 0..<120 { try tx.insert(Docs.customer(String(format: "C%03d", i))) }
            // Interleaved records the consumer may not see are skipped without filling replies.
            for i in 0..<40 { try tx.insert(Docs.itemGroup("G\(i)")) }
        }
        try await pair.producerSite.write { tx in
            for i in stride(from: 0, to: 120, by: 3) { try tx.update("Customer", String(format: "C%03d", i), with: ["customer_details": "u"]) }
        }
        let report = try await pair.pull(maxEntries: maxEntries, maxBytes: maxBytes)
        #expect(report.synced == 160)
        #expect(report.batches > 2)
        #expect(pair.consumerSite.count("Customer") == 120)
        #expect(pair.consumerSite.count("Item Group") == 0)
        for i in 0..<120 {
            let name = String(format: "C%03d", i)
            #expect(replicatedFields(try pair.consumerSite.get("Customer", name)) == replicatedFields(try pair.producerSite.get("Customer", name)))
        }
    }

    @Test("the watermark and replica sequences are folded from the log: a store rebuilt from it holds them unchanged")
    func watermarkSurvivesRebuild() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer"), .init("Address", useSameName: false)])
        let address: String = try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            return try tx.insert(Docs.address("HQ", linkedTo: [("Customer", "Acme")])).name!
        }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["customer_details": "x"]) }
        try await pair.pull()
        let producerID = pair.producerSite.identity.id
        let watermark = try #require(try pair.consumerSite.streamWatermark(producer: producerID))
        #expect(watermark.synced == 3)
        let acme = try pair.consumerSite.replicaSequence(producer: producerID, doctype: "Customer", remoteName: "Acme")
        let hq = try pair.consumerSite.replicaSequence(producer: producerID, doctype: "Address", remoteName: address)
        #expect(acme != nil && hq != nil && acme! > hq!)

        try pair.consumerSite.close()
        try FileManager.default.removeItem(at: SiteLayout(root: pair.consumerDirectory.url).storeDirectory)
        try pair.reopenConsumer(closing: false)
        #expect(try pair.consumerSite.streamWatermark(producer: producerID) == watermark)
        #expect(try pair.consumerSite.replicaSequence(producer: producerID, doctype: "Customer", remoteName: "Acme") == acme)
        #expect(try pair.consumerSite.replicaSequence(producer: producerID, doctype: "Address", remoteName: address) == hq)
        // Nothing is fetched twice after the rebuild.
        let report = try await pair.pull()
        #expect(report.received == 0)
        #expect(pair.consumerSite.count("Address") == 1)
    }

    @Test("the consumer's replayed entries are never sent back to their origin")
    func noEcho() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        try await pair.pull()
        // The other direction: the producer subscribes to the consumer's Customers.
        let reverse = StreamConsumer(site: pair.producerSite)
        let back = LocalProducerClient(producer: StreamProducer(site: pair.consumerSite))
        try await reverse.subscribe(Subscription(producerURL: "http://branch-1.test", apiKey: "k", apiSecret: "s",
                                                 doctypes: [.init("Customer")]), client: back)
        try await StreamProducer(site: pair.consumerSite).approve(consumer: "head-office", doctypes: ["Customer"])
        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["customer_details": "from head office"]) }
        try await pair.pull()
        try await pair.consumerSite.write { tx in try tx.insert(Docs.customer("Local Co")) }
        let report = try await reverse.pull(producer: "branch-1", client: back)
        // Only the branch's own change comes back; the replayed update does not echo.
        #expect(report.received == 1)
        #expect(pair.producerSite.exists("Customer", "Local Co"))
    }
}

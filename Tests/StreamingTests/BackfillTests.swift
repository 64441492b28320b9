import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming
import Synchronization
import Testing

/// A client that makes pages small and runs `between` on the producer before each page
/// after the first: writes landing between the cut and the pages still to come.
final class PagingClient: ProducerClient, Sendable {
    let inner: LocalProducerClient
    let pageSize: Int
    let pages = Atomic<Int>(0)
    let between: @Sendable (Int) async throws -> Void

    init(inner: LocalProducerClient, pageSize: Int, between: @escaping @Sendable (Int) async throws -> Void = { _ in }) {
        self.inner = inner
        self.pageSize = pageSize
        self.between = between
    }

    func register(_ request: RegisterRequest) async throws -> RegisterReply { try await inner.register(request) }
    func updates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> [UInt8] {
        try await inner.updates(consumer: consumer, after: after, maxEntries: maxEntries, maxBytes: maxBytes)
    }
    func documents(_ request: DocumentsRequest) async throws -> DocumentsReply { try await inner.documents(request) }
    func backfill(_ request: BackfillRequest) async throws -> BackfillReply {
        let n = pages.add(1, ordering: .sequentiallyConsistent).newValue
        if n > 1 { try await between(n) }
        var small = request
        small.limit = pageSize
        return try await inner.backfill(small)
    }
}

@Suite("Backfill")
struct BackfillTests {
    /// The consumer's documents of `doctype` as replication carries them, by name.
    static func copies(_ doctype: String, _ site: Site) throws -> [String: JSON] {
        var result: [String: JSON] = [:]
        for document in try site.list(doctype, limit: Int.max) { result[document.name ?? ""] = replicatedFields(document) }
        return result
    }

    @Test("a backfill waits for approval, sends only what passes the condition, and runs once")
    func waitsForApprovalAndFilters() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.producerSite.write { tx in
            for i in 0..<5 { try tx.insert(Docs.customer("Firm \(i)")) }
            for i in 0..<3 {
                var person = Docs.customer("Person \(i)")
                person["customer_type"] = "Individual"
                try tx.insert(person)
            }
        }
        try await pair.subscribe([.init("Customer", condition: "doc.customer_type == \"Company\"", backfill: true)], approve: false)
        let early = try await pair.pull()
        #expect(early.backfill.completed.isEmpty)
        #expect(pair.consumerSite.count("Customer") == 0)
        #expect(try pair.consumer.producer("head-office").rows.first?.backfill == true, "still marked while not approved")
        // The producer refuses pages of a DocType it has not approved.
        await #expect(throws: StreamError.self) {
            try await pair.client.backfill(BackfillRequest(consumer: "branch-1", doctype: "Customer"))
        }

        try await pair.producer.approve(consumer: "branch-1", doctypes: ["Customer"])
        let report = try await pair.pull()
        #expect(report.backfill.completed == ["Customer"])
        #expect(report.backfill.synced == 5)
        #expect(pair.consumerSite.count("Customer") == 5)
        #expect(!pair.consumerSite.exists("Customer", "Person 0"))
        #expect(try pair.consumer.producer("head-office").rows.first?.backfill == false)
        #expect(try await pair.pull().backfill.pages == 0, "a completed backfill is not run again")

        // Asking again brings nothing new: every copy is current already.
        let again = try await pair.consumer.backfill(producer: "head-office", client: pair.client)
        #expect(again.received == 5 && again.synced == 0 && again.skipped == 5)
    }

    @Test("a backfilled document that later stops satisfying the condition is revoked like a streamed one")
    func backfilledDocumentsAreRevoked() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.producerSite.write { tx in
            for i in 0..<3 { try tx.insert(Docs.customer("Firm \(i)")) }
        }
        try await pair.subscribe([.init("Customer", condition: "doc.customer_type == \"Company\"", onRevoke: .delete, backfill: true)])
        #expect(try await pair.pull().backfill.synced == 3)
        try await pair.producerSite.write { tx in
            var doc = try tx.get("Customer", "Firm 1")!
            doc["customer_type"] = "Individual"
            try tx.save(doc)
        }
        try await pair.pull()
        #expect(!pair.consumerSite.exists("Customer", "Firm 1"), "the producer knew the consumer held it, and revoked it")
        #expect(pair.consumerSite.exists("Customer", "Firm 0") && pair.consumerSite.exists("Customer", "Firm 2"))
    }

    @Test("writes between the cut and the pages still to come: nothing lost or doubled at the seam")
    func seamUnderWrites() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.producerSite.write { tx in
            for i in 0..<40 { try tx.insert(Docs.customer(String(format: "C%02d", i))) }
        }
        try await pair.subscribe([.init("Customer", backfill: true)])
        let producerSite = pair.producerSite
        // Before each page: change a document already sent and one still to come, delete one
        // of each, and create a document at each end of the name order.
        let client = PagingClient(inner: pair.client, pageSize: 7) { page in
            try await producerSite.write { tx in
                for name in [String(format: "C%02d", page * 2), String(format: "C%02d", 39 - page)] {
                    if var doc = try tx.get("Customer", name) {
                        doc["tax_id"] = .string("page \(page)")
                        try tx.save(doc)
                    }
                }
                for name in [String(format: "C%02d", page * 7 - 10), String(format: "C%02d", 41 - page * 3)] where tx.exists("Customer", name) {
                    try tx.delete("Customer", name)
                }
                try tx.insert(Docs.customer("A-new-\(page)"))
                try tx.insert(Docs.customer("Z-new-\(page)"))
            }
        }
        let report = try await pair.consumer.pull(producer: "head-office", client: client)
        #expect(report.backfill.pages >= 6)
        #expect(report.failed == 0 && report.backfill.failed == 0)
        #expect(try Self.copies("Customer", pair.consumerSite) == Self.copies("Customer", pair.producerSite))
        #expect(try pair.consumer.syncLog().isEmpty)
        // And the next pull finds nothing left to do.
        let next = try await pair.pull()
        #expect(next.synced == 0 && next.failed == 0)
    }
}

import DocumentModel
import ERPFixtures
import EventLog
import Foundation
import SiteStreamJSON
import SnapshotStore
import Testing

@testable import Site

/// `writeQueued(deferringStore:)`: the store takes a transaction on the apply queue while the
/// next one runs, which must read through it (`DeferredApply`) exactly as if the store had it.
@Suite struct DeferredApplyTests {
    static func customer(_ name: String) -> Document {
        Document(doctype: "Customer", ["customer_name": .string(name), "customer_group": "Commercial", "territory": "All Territories"])
    }

    @Test func theNextTransactionReadsThroughOneTheStoreHasNotTaken() async throws {
        let dir = try TemporaryDirectory("deferred")
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url)
        defer { try? site.close() }
        try await SiteFixture.insertMasterData(site, generator: ERPDocumentGenerator(seed: 3))
        let groupTerm = IndexTerm(index: IndexTerms.linkTo, value: IndexTerms.linkValue(doctype: "Customer Group", name: "Commercial"))
        let linkingBefore = Set(site.store.keys(matching: groupTerm))

        // The store takes nothing until the second transaction has looked.
        let release = site.applyQueue.holdForTesting()
        let (names, _) = try site.writeQueued(deferringStore: true) { tx -> [String] in
            let kept = try tx.insert(Self.customer("Kept"))
            let dropped = try tx.insert(Self.customer("Dropped"))
            tx.markReplica(doctype: "Customer", name: kept.name!, ReplicaMark(producer: "branch", sequence: 7, remoteName: "R-KEPT"),
                           origin: Origin(site: "branch", sequence: 7))
            tx.setStreamMark(StreamMark(producer: "branch", sequence: 7, cursor: LogCursor(segment: 1, offset: 64), outcome: .synced, count: 1))
            return [kept.name!, dropped.name!]
        }
        let (kept, dropped) = (names[0], names[1])
        var releaseSecond: (@Sendable () -> Void)?
        let (_, secondAcknowledgement) = try site.writeQueued(deferringStore: true) { tx in
            defer {
                release()
                // Holds the second transaction's apply (queued behind the first's).
                releaseSecond = site.applyQueue.holdForTesting()
            }
            #expect(!site.exists("Customer", kept), "the store has not taken the first transaction")
            #expect(tx.exists("Customer", kept) && tx.exists("Customer", dropped))
            #expect(try tx.get("Customer", kept)?["customer_name"] == "Kept")
            #expect(try tx.replicaSequence(producer: "branch", doctype: "Customer", remoteName: "R-KEPT") == 7)
            #expect(tx.keys(matching: groupTerm) == linkingBefore.union([
                DocumentKey(doctype: "Customer", name: kept), DocumentKey(doctype: "Customer", name: dropped),
            ]))
            var changed = try tx.get("Customer", kept)!
            changed["customer_details"] = "moved on"
            try tx.save(changed)
            try tx.delete("Customer", dropped)
            #expect(!tx.exists("Customer", dropped))
            #expect(!tx.keys(matching: groupTerm).contains(DocumentKey(doctype: "Customer", name: dropped)))
            tx.markReplica(doctype: "Customer", name: kept, ReplicaMark(producer: "branch", sequence: 9, remoteName: "R-KEPT"),
                           origin: Origin(site: "branch", sequence: 9))
            tx.setStreamMark(StreamMark(producer: "branch", sequence: 9, cursor: LogCursor(segment: 1, offset: 128), outcome: .synced, count: 2))
        }
        let (_, acknowledgement) = try site.writeQueued(deferringStore: true) { (tx: SiteTransaction) throws in
            defer { releaseSecond?() }
            // Reads go through the second transaction only: it no longer holds the first.
            #expect(tx.earlier != nil && tx.earlier?.transaction.earlier == nil)
            #expect(try tx.get("Customer", kept)?["customer_details"] == "moved on")
            #expect(!tx.exists("Customer", dropped))
        }
        site.settleDeferredWrites()
        // The third transaction writes nothing, so its acknowledgement says nothing about the
        // log: the second's entries may still be queued for the log's writer until this.
        try await secondAcknowledgement.wait()
        try await acknowledgement.wait()
        #expect(try site.get("Customer", kept)?["customer_details"] == "moved on")
        #expect(!site.exists("Customer", dropped))
        #expect(try site.replicaSequence(producer: "branch", doctype: "Customer", remoteName: "R-KEPT") == 9)
        // The second watermark was folded onto the first one, read through the transaction.
        let watermark = try #require(try site.streamWatermark(producer: "branch"))
        #expect(watermark.sequence == 9 && watermark.synced == 3)
        #expect(site.store.lastAppliedSequence == site.log.lastWrittenSequence)
    }

    /// A plain writer between deferred ones waits for the store to take them, so it reads
    /// what they wrote; and the site rebuilt from its log equals the one written this way.
    @Test func otherWritersAndTheLogAgreeWithDeferredWrites() async throws {
        let dir = try TemporaryDirectory("deferred-mixed")
        defer { dir.cleanUp() }
        var site = try await SiteFixture.makeSite(in: dir.url)
        try await SiteFixture.insertMasterData(site, generator: ERPDocumentGenerator(seed: 4))
        var names: [String] = []
        for round in 0..<30 {
            let (name, _) = try site.writeQueued(deferringStore: true) { tx in
                if let previous = names.last {
                    var changed = try tx.get("Customer", previous)!
                    changed["customer_details"] = .string("round \(round)")
                    try tx.save(changed)
                }
                return try tx.insert(Self.customer("C\(round)")).name!
            }
            names.append(name)
            if round.isMultiple(of: 7) {
                // Not through a transaction of the deferred writer: must see the insert above.
                try await site.write { tx in
                    var changed = try #require(try tx.get("Customer", name))
                    changed["customer_details"] = "plain"
                    try tx.save(changed)
                }
            }
        }
        site.settleDeferredWrites()
        let written = try SiteFixture.snapshot(site)
        #expect(written.keys.filter { $0.hasPrefix("Customer/") }.count >= 30)
        try site.close()
        try FileManager.default.removeItem(at: SiteLayout(root: dir.url).storeDirectory)
        site = try Site.open(at: SiteLayout(root: dir.url), controllers: .erp)
        defer { try? site.close() }
        #expect(try SiteFixture.snapshot(site) == written)
    }
}

import DocumentModel
import ERPFixtures
import Foundation
import SiteStreamJSON
import SnapshotStore
import Testing

@testable import Site

/// The parsed versions the writer keeps (`RecentDocuments`): bounded, and always the version
/// the store holds, so a read served from them equals a read of the store's bytes.
@Suite struct RecentDocumentsTests {
    static func key(_ i: Int) -> DocumentKey { DocumentKey(doctype: "Customer", name: "C-\(i)") }
    static func document(_ i: Int, _ version: Int = 0) -> Document {
        Document(doctype: "Customer", ["name": .string("C-\(i)"), "version": .int(Int64(version))])
    }

    /// Every test document here serializes to about the same length; the budget holds 8.
    static let cost = RecentDocuments.estimatedCost(bytes: 100)
    static func recent(holding count: Int) -> RecentDocuments { RecentDocuments(budget: count * cost) }
    static func write(_ i: Int, _ version: Int = 0) -> [(key: DocumentKey, document: Document?, bytes: Int)] {
        [(key(i), document(i, version), 100)]
    }

    @Test func keepsOnlyTheLastWrittenWithinItsBudget() {
        let recent = Self.recent(holding: 8)
        for i in 0..<1000 { recent.record(Self.write(i)) }
        #expect(recent.usage.count == 8)
        #expect(recent.usage.cost == 8 * Self.cost)
        for i in 0..<992 { #expect(recent.document(Self.key(i)) == nil) }
        for i in 992..<1000 { #expect(recent.document(Self.key(i)) == Self.document(i)) }
    }

    @Test func aLargeDocumentTakesTheRoomOfSeveralSmallOnes() {
        let recent = Self.recent(holding: 8)
        for i in 0..<8 { recent.record(Self.write(i)) }
        recent.record([(Self.key(100), Self.document(100), 900)])  // costs 4.5 small ones
        #expect(recent.document(Self.key(100)) != nil)
        #expect(recent.usage.count == 4, "five small ones out for the large one")
        #expect(recent.document(Self.key(4)) == nil && recent.document(Self.key(5)) != nil)
        recent.record([(Self.key(101), Self.document(101), 2000)])  // more than the whole budget
        #expect(recent.document(Self.key(101)) == nil)
        #expect(recent.usage.cost <= 8 * Self.cost)
    }

    @Test func aKeyWrittenAgainIsNotEvictedByItsOlderWrite() {
        let recent = Self.recent(holding: 3)
        recent.record(Self.write(0))
        recent.record(Self.write(1) + Self.write(2))
        recent.record(Self.write(0, 1))  // 0 is now the newest
        recent.record(Self.write(3))  // evicts 1, the oldest live one
        #expect(recent.document(Self.key(0)) == Self.document(0, 1))
        #expect(recent.document(Self.key(1)) == nil)
        #expect(recent.document(Self.key(2)) == Self.document(2))
        #expect(recent.document(Self.key(3)) == Self.document(3))
        #expect(recent.usage.cost == 3 * Self.cost)
    }

    @Test func rewritingFewKeysKeepsItsBookkeepingBounded() {
        let recent = Self.recent(holding: 4)
        for round in 0..<10_000 { recent.record(Self.write(round % 2, round)) }
        #expect(recent.usage.count == 2)
        #expect(recent.trackedWrites <= 65)
        #expect(recent.document(Self.key(1)) == Self.document(1, 9_999))
    }

    @Test func aDeleteForgetsTheDocument() {
        let recent = Self.recent(holding: 4)
        recent.record(Self.write(0))
        recent.record([(Self.key(0), nil, 0)])
        #expect(recent.document(Self.key(0)) == nil)
        #expect(recent.usage.cost == 0)
        recent.record(Self.write(1))
        recent.removeAll()
        #expect(recent.usage.count == 0)
    }

    /// Inserts of plain documents are not kept (a backlog of Creates would only pay for
    /// holding them); a changed document and a submittable draft are.
    @Test func keepsWhatIsLikelyToBeReadAgain() async throws {
        let dir = try TemporaryDirectory("recent-keep")
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url)
        defer { try? site.close() }
        let generator = ERPDocumentGenerator(seed: 5)
        try await SiteFixture.insertMasterData(site, generator: generator)
        let group = try await site.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Kept"])) }
        let key = DocumentKey(doctype: "Customer Group", name: group.name!)
        #expect(site.recentDocuments.document(key) == nil, "a plain insert is not kept")
        try await site.write { tx in
            var changed = try tx.get(key.doctype, key.name)!
            changed["is_group"] = .int(1)
            _ = try tx.save(changed)
        }
        #expect(site.recentDocuments.document(key)?["is_group"] == .int(1), "a changed document is kept")
        try await site.write { tx in try tx.delete(key.doctype, key.name) }
        #expect(site.recentDocuments.document(key) == nil)
    }

    /// Through the lifecycle: inserts, saves, submits (whose hooks change the document after
    /// the caller's input) and deletes. After each write, every document the site reads back
    /// equals the store's bytes parsed, and the last written ones come from `RecentDocuments`.
    @Test func readsAfterWritesEqualTheStoredBytes() async throws {
        let dir = try TemporaryDirectory("recent")
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url)
        defer { try? site.close() }
        var generator = ERPDocumentGenerator(seed: 11)
        try await SiteFixture.insertMasterData(site, generator: generator)

        var written: [DocumentKey] = []
        for round in 0..<40 {
            let input = Document(json: generator.salesInvoice(rows: 3))!
            let invoice = try await site.write { tx in try tx.insert(input) }
            let key = DocumentKey(doctype: "Sales Invoice", name: invoice.name!)
            written.append(key)
            #expect(site.recentDocuments.document(key) != nil, "the insert's version is kept")
            try await site.write { tx in
                var changed = try tx.get(key.doctype, key.name)!
                changed["remarks"] = .string("round \(round)")
                _ = try tx.save(changed)
            }
            if round.isMultiple(of: 2) {
                try await site.write { tx in _ = try tx.submit(key.doctype, key.name) }
            } else if round.isMultiple(of: 5) {
                try await site.write { tx in try tx.delete(key.doctype, key.name) }
            }
            for key in written.suffix(5) {
                let fromStore = try site.store.get(key).map { Document(json: try JSON(parsing: $0))! }
                #expect(try site.get(key.doctype, key.name) == fromStore, "\(key) after round \(round)")
            }
        }
        let submitted = try site.get("Sales Invoice", written[0].name)
        #expect(submitted?["docstatus"]?.intValue == 1)
        #expect(submitted?["remarks"] == .string("round 0"))
        #expect(try site.get("Sales Invoice", written[5].name) == nil, "deleted")
    }
}

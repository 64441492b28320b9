import Testing
@testable import SnapshotStore

/// An index snapshot sorts the names added since the last merge without the store's lock
/// (`PendingOrder`) and merges them under it. Writers go on meanwhile: whatever they did, the
/// merged name order must be the one a merge under the lock gives, and an order taken before
/// another merge must not be used.
@Suite("Snapshot store: names sorted outside the lock")
struct PendingOrderTests {
    static let stems = ["Müller", "Łódź", "Smith", "Zürich", "Α\u{301}", "Acme", "東京", "e\u{301}", "Nguyễn"]

    static func key(_ doctype: String, _ i: Int) -> DocumentKey {
        DocumentKey(doctype: doctype, name: "\(stems[i % stems.count]) \(i / stems.count)")
    }

    /// Every live name of `doctype`, in `String` order (the order the index must keep).
    static func expected(_ index: StoreIndex, _ doctype: String) -> [String] {
        index.entries.indices.filter { index.entries[$0].isLive && index.doctypeNames[Int(index.entries[$0].doctype)] == doctype }
            .map { index.name(of: UInt32($0)) }.sorted()
    }

    static func listed(_ index: inout StoreIndex, _ doctype: String) -> [String] {
        index.names(doctype: doctype, after: nil, limit: Int.max).map { index.name(of: $0) }
    }

    @Test func changesAfterTakingTheOrderAreMergedToo() throws {
        var index = StoreIndex()
        for i in 0..<3000 { _ = index.put(Self.key("Customer", i), offset: UInt64(i), length: 1, hasTerms: false) }
        for i in 0..<500 { _ = index.put(Self.key("Item", i), offset: UInt64(i), length: 1, hasTerms: false) }
        index.mergeAll()
        for i in 3000..<6000 { _ = index.put(Self.key("Customer", i), offset: UInt64(i), length: 1, hasTerms: false) }
        for i in stride(from: 3000, to: 6000, by: 7) { _ = index.remove(Self.key("Customer", i)) }  // dead before it is taken
        var order = try #require(index.pendingOrder(minimum: 1))
        // Meanwhile (the lock let go): new names, removals of taken ones, a taken name removed
        // and put again (a new id), updates of taken ones, and a DocType new since.
        for i in 6000..<6500 { _ = index.put(Self.key("Customer", i), offset: UInt64(i), length: 1, hasTerms: false) }
        for i in stride(from: 3001, to: 6000, by: 5) { _ = index.remove(Self.key("Customer", i)) }
        _ = index.remove(Self.key("Customer", 3002))
        _ = index.put(Self.key("Customer", 3002), offset: 1, length: 2, hasTerms: false)
        _ = index.put(Self.key("Customer", 3003), offset: 9, length: 3, hasTerms: false)
        for i in 0..<50 { _ = index.put(Self.key("Supplier", i), offset: UInt64(i), length: 1, hasTerms: false) }
        order.sort()
        var underTheLock = index
        underTheLock.mergeAll()
        index.mergeAll(presorted: order)
        for doctype in ["Customer", "Item", "Supplier"] {
            #expect(index.tables[Int(index.doctypeIDs[doctype]!)].sorted == underTheLock.tables[Int(underTheLock.doctypeIDs[doctype]!)].sorted)
            #expect(Self.listed(&index, doctype) == Self.expected(index, doctype))
        }
    }

    @Test func anOrderTakenBeforeAnotherMergeIsNotUsed() throws {
        var index = StoreIndex()
        for i in 0..<200 { _ = index.put(Self.key("Customer", i), offset: UInt64(i), length: 1, hasTerms: false) }
        var stale = try #require(index.pendingOrder(minimum: 1))
        stale.sort()
        _ = index.names(doctype: "Customer", after: nil, limit: 1)  // a REST list merges
        // More additions than the stale order covered, so its positions would fit them.
        for i in 200..<700 { _ = index.put(Self.key("Customer", i), offset: UInt64(i), length: 1, hasTerms: false) }
        index.mergeAll(presorted: stale)
        #expect(Self.listed(&index, "Customer") == Self.expected(index, "Customer"))
        #expect(Self.listed(&index, "Customer").count == 700)
    }

    /// Few additions are sorted under the lock: nothing is taken out.
    @Test func fewAdditionsAreNotTaken() {
        var index = StoreIndex()
        for i in 0..<10 { _ = index.put(Self.key("Customer", i), offset: UInt64(i), length: 1, hasTerms: false) }
        #expect(index.pendingOrder(minimum: 11) == nil)
        #expect(index.pendingOrder(minimum: 10)?.tables.first?.ids.count == 10)
    }
}

import Testing
@testable import SnapshotStore

@Suite("Snapshot store: index structures")
struct IndexStructureTests {
    /// Random inserts and removals against a Set, with a tiny hash range so probe runs wrap
    /// and collide, which is where backward-shift deletion can go wrong.
    @Test(arguments: [1, 7, 1 << 20])
    func hashSlotsAgreeWithASet(hashRange: UInt32) {
        var slots = HashSlots()
        var model = Set<UInt32>()
        var random = StoreWorkload.Generator(state: UInt64(hashRange))
        func hash(_ n: UInt32) -> UInt32 { (n &* 2_654_435_761) % hashRange }
        for step in 0..<20_000 {
            let n = UInt32(random.next() % 3000)
            if random.next() % 3 == 0 {
                let removed = slots.remove(hash: hash(n)) { $0 == n }
                #expect((removed != nil) == model.contains(n), "step \(step): remove \(n)")
                model.remove(n)
            } else if slots.find(hash: hash(n), matches: { $0 == n }) == nil {
                #expect(!model.contains(n), "step \(step): \(n) lost")
                slots.insert(hash: hash(n), number: n)
                model.insert(n)
            }
            if step % 997 == 0 {
                var all = Set<UInt32>()
                slots.forEach { all.insert($0) }
                #expect(all == model, "step \(step)")
                for m in model { #expect(slots.find(hash: hash(m), matches: { $0 == m }) == m) }
            }
        }
        #expect(slots.count == model.count)
    }

    @Test func termTableAgreesWithADictionary() {
        var table = TermTable()
        var model: [String: Set<UInt32>] = [:]
        var random = StoreWorkload.Generator(state: 99)
        for step in 0..<30_000 {
            let value = "value-\(random.next() % 400)-" + String(repeating: "x", count: Int(random.next() % 30))
            let id = UInt32(random.next() % 50)
            if random.next() % 2 == 0 {
                table.add(value, document: id)
                model[value, default: []].insert(id)
            } else {
                table.remove(value, document: id)
                model[value]?.remove(id)
                if model[value]?.isEmpty == true { model[value] = nil }
            }
            if step % 1999 == 0 {
                var seen: [String: Set<UInt32>] = [:]
                table.forEach { seen[$0] = Set($1) }
                #expect(seen == model, "step \(step)")
            }
        }
        for (value, ids) in model { #expect(Set(table.documents(with: value)) == ids) }
        #expect(table.documents(with: "absent") == [])
        #expect(table.count == model.count)
    }
}

@Suite("Snapshot store: posting lists")
struct PostingListTests {
    /// Random inserts and removals (mostly ascending ids, as new documents bring, with some
    /// anywhere, as reused ids do) against a Set: the list stays sorted and agrees.
    @Test func postingListAgreesWithASet() {
        var list = PostingList()
        var model = Set<UInt32>()
        var random = StoreWorkload.Generator(state: 5)
        var next: UInt32 = 0
        for step in 0..<50_000 {
            let id = random.next() % 4 == 0 ? UInt32(random.next() % 5000) : { next += 1; return next % 6000 }()
            if random.next() % 3 == 0 {
                #expect(list.remove(id) == (model.remove(id) != nil), "step \(step)")
            } else {
                #expect(list.insert(id) == model.insert(id).inserted, "step \(step)")
            }
            if step % 4999 == 0 {
                #expect(list.ids == model.sorted(), "step \(step)")
                for m in model { #expect(list.contains(m)) }
            }
        }
        #expect(list.count == model.count)
        #expect(PostingList(loading: [9, 3, 7]).ids == [3, 7, 9])
        #expect(PostingList(8, 2).ids == [2, 8])
    }
}

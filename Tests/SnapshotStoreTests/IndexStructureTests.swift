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

@Suite("Snapshot store: id sets")
struct IDSetTests {
    @Test func idSetAgreesWithASet() {
        var set = IDSet()
        var model = Set<UInt32>()
        var random = StoreWorkload.Generator(state: 5)
        for step in 0..<50_000 {
            let id = UInt32(random.next() % 5000)
            if random.next() % 3 == 0 {
                #expect(set.remove(id) == (model.remove(id) != nil), "step \(step)")
            } else {
                #expect(set.insert(id) == model.insert(id).inserted, "step \(step)")
            }
            if step % 4999 == 0 {
                #expect(Set(set.elements) == model)
                for m in model { #expect(set.contains(m)) }
            }
        }
        #expect(set.count == model.count)
    }
}

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

/// Posting lists: sorted ids, cut into runs once long, so one change in a huge list (one of a
/// million Customers of a Customer Group deleted) moves at most one run, not megabytes.
@Suite("Snapshot store: posting lists in runs")
struct PostingListRunTests {
    /// Random inserts and removals around the run limit and well past it, against a Set.
    @Test(arguments: [300, 3 * PostingList.runLimit, 40_000])
    func agreesWithASet(range: Int) {
        var list = PostingList()
        var model = Set<UInt32>()
        var random = StoreWorkload.Generator(state: UInt64(range))
        for step in 0..<60_000 {
            // Mostly ascending inserts (new ids), some anywhere, some removals.
            let roll = random.next() % 10
            if roll < 4 {
                let id = UInt32(step % range)
                #expect(list.insert(id) == model.insert(id).inserted, "step \(step)")
            } else if roll < 7 {
                let id = UInt32(random.next() % UInt64(range))
                #expect(list.insert(id) == model.insert(id).inserted, "step \(step)")
            } else {
                let id = UInt32(random.next() % UInt64(range))
                #expect(list.remove(id) == (model.remove(id) != nil), "step \(step)")
            }
            #expect(list.longestRun <= PostingList.runLimit + 1)
            if step % 4999 == 0 {
                #expect(list.ids == model.sorted(), "step \(step)")
                #expect(list.count == model.count && list.first == model.min())
                for id in model.prefix(50) { #expect(list.contains(id)) }
            }
        }
        #expect(list.ids == model.sorted())
        var visited: [UInt32] = []
        list.forEach { visited.append($0) }
        #expect(visited == model.sorted())
        #expect(list.prefix(10) == Array(model.sorted().prefix(10)))
    }

    /// A million ids (one Customer Group's): removing one from the middle, or inserting a
    /// reused id there, moves at most one run.
    @Test func aHugeListChangesOneRunAtATime() {
        var list = PostingList()
        for id in 0..<UInt32(1_000_000) where id != 500_000 { list.insert(id) }
        #expect(list.longestRun <= PostingList.runLimit)
        #expect(list.remove(123_456) && !list.contains(123_456))
        #expect(list.insert(500_000) && list.contains(500_000))
        #expect(list.longestRun <= PostingList.runLimit)
        #expect(list.count == 999_999)
        let loaded = PostingList(loading: list.ids.reversed())
        #expect(loaded.ids == list.ids && loaded.longestRun <= PostingList.runLimit)
    }
}

extension PostingListRunTests {
    /// A posting list is one word, as the plain array it replaced: `TermTable` keeps one per
    /// shared value, most of them short.
    @Test func aPostingListIsOneWord() {
        #expect(MemoryLayout<PostingList>.stride == 8)
    }
}

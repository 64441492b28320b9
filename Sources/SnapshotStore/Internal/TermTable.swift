/// The postings of one index name (`"unique:Customer.email_id"`, `"linkto"`, …): for each
/// distinct value, the documents carrying it. Values are kept as bytes in a paged arena
/// (`NameArena`: growing never copies, nor leaves a doubled buffer half empty), numbered, and
/// found through `HashSlots`; a value held by one document costs its bytes plus about 25
/// bytes, so a unique field over a million documents stays small.
struct TermTable {
    /// All value bytes; space of removed values is reclaimed by `compactArena`. Prefixes up to
    /// a value's last NUL are kept once: the target DocType of a `linkto` value
    /// ("Sales Invoice\0…"), the site of a `remote:` one.
    private var arena = NameArena(internsPrefixes: true)
    /// Per value number: its span in `arena`, or `UInt64.max` when free.
    private var spans: [UInt64] = []
    /// Per value number: the one document id, or `multiFlag | n` for `multi[n]`.
    private var postings: [UInt32] = []
    private var multi: [PostingList] = []
    private var freeMulti: [UInt32] = []
    private var freeValues: [UInt32] = []
    private var slots = HashSlots()
    static let multiFlag: UInt32 = 0x8000_0000

    /// Distinct values held.
    var count: Int { slots.count }

    private func bytes<R>(of value: UInt32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        arena.withBytes(spans[Int(value)], body)
    }

    private func number(of value: String, hash: UInt32) -> UInt32? {
        slots.find(hash: hash) { candidate in arena.equals(spans[Int(candidate)], value) }
    }

    /// The ids of the documents carrying `value`.
    func documents(with value: String) -> [UInt32] {
        guard let number = number(of: value, hash: slotHash(value)) else { return [] }
        let posting = postings[Int(number)]
        return posting & Self.multiFlag == 0 ? [posting] : multi[Int(posting & ~Self.multiFlag)].ids
    }

    /// Up to `limit` ids of the documents carrying `value`, in no particular order.
    func documents(with value: String, limit: Int) -> [UInt32] {
        guard limit > 0, let number = number(of: value, hash: slotHash(value)) else { return [] }
        let posting = postings[Int(number)]
        return posting & Self.multiFlag == 0 ? [posting] : multi[Int(posting & ~Self.multiFlag)].prefix(limit)
    }

    mutating func add(_ value: String, document id: UInt32) {
        let hash = slotHash(value)
        if let number = number(of: value, hash: hash) {
            let posting = postings[Int(number)]
            if posting & Self.multiFlag != 0 {
                multi[Int(posting & ~Self.multiFlag)].insert(id)
            } else if posting != id {
                let set = PostingList(posting, id)
                let slot: UInt32
                if let free = freeMulti.popLast() {
                    slot = free
                    multi[Int(slot)] = set
                } else {
                    slot = UInt32(multi.count)
                    multi.append(set)
                }
                postings[Int(number)] = Self.multiFlag | slot
            }
            return
        }
        let span = arena.add(value)
        let number: UInt32
        if let free = freeValues.popLast() {
            number = free
            spans[Int(number)] = span
            postings[Int(number)] = id
        } else {
            number = UInt32(spans.count)
            spans.append(span)
            postings.append(id)
        }
        slots.insert(hash: hash, number: number)
    }

    mutating func remove(_ value: String, document id: UInt32) {
        let hash = slotHash(value)
        guard let number = number(of: value, hash: hash) else { return }
        let posting = postings[Int(number)]
        if posting & Self.multiFlag != 0 {
            let slot = Int(posting & ~Self.multiFlag)
            multi[slot].remove(id)
            if multi[slot].count == 1 {
                postings[Int(number)] = multi[slot].first!
                multi[slot] = PostingList()
                freeMulti.append(UInt32(slot))
            }
            return
        }
        guard posting == id else { return }
        slots.remove(hash: hash) { $0 == number }
        arena.remove(spans[Int(number)])
        spans[Int(number)] = UInt64.max
        freeValues.append(number)
        if arena.deadBytes > 1 << 16 && arena.deadBytes > arena.liveBytes { compactArena() }
    }

    /// Removes `id` from every value (the slow path when a document's terms are unknown).
    mutating func removeEverywhere(_ id: UInt32) {
        var values: [String] = []
        forEach { value, ids in if ids.contains(id) { values.append(value) } }
        for value in values { remove(value, document: id) }
    }

    /// Calls `body` with every value's bytes, its document count, and a way to visit its ids,
    /// without allocating (writing an index snapshot of a million values).
    func forEachRaw(_ body: (UnsafeRawBufferPointer, Int, ((UInt32) -> Void) -> Void) -> Void) {
        slots.forEach { number in
            arena.withBytes(spans[Int(number)]) { value in
                let posting = postings[Int(number)]
                if posting & Self.multiFlag == 0 {
                    body(value, 1) { visit in visit(posting) }
                } else {
                    let set = multi[Int(posting & ~Self.multiFlag)]
                    body(value, set.count) { visit in set.forEach(visit) }
                }
            }
        }
    }

    /// The values held as (`slotHash`, number), in a term file's key order: by hash, values of
    /// equal hash by their bytes. The hash slots hold exactly (hash, number) pairs, so this is
    /// a sort of integers (and of the rare runs of equal hashes).
    func keyOrder() -> [(hash: UInt32, number: UInt32)] {
        let keys = slots.slots.filter { $0 != HashSlots.empty }.sorted()
        var ordered = keys.map { (hash: UInt32(truncatingIfNeeded: $0 >> 32), number: UInt32(truncatingIfNeeded: $0)) }
        var i = 0
        while i < ordered.count {
            var j = i + 1
            while j < ordered.count && ordered[j].hash == ordered[i].hash { j += 1 }
            if j - i > 1 {
                ordered[i..<j].sort { a, b in
                    arena.withParts(spans[Int(a.number)]) { a0, a1 in
                        arena.withParts(spans[Int(b.number)]) { b0, b1 in NameArena.byteOrder((a0, a1), (b0, b1)).sign < 0 }
                    }
                }
            }
            i = j
        }
        return ordered
    }

    /// A value's bytes as its interned prefix and the rest (`NameArena.withParts`).
    func withValueParts<R>(_ number: UInt32, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> R) -> R {
        arena.withParts(spans[Int(number)], body)
    }

    /// The ids of the documents carrying value `number`, ascending.
    func documents(ofNumber number: UInt32) -> [UInt32] {
        let posting = postings[Int(number)]
        return posting & Self.multiFlag == 0 ? [posting] : multi[Int(posting & ~Self.multiFlag)].ids
    }

    /// Calls `body` with every value and its document ids.
    func forEach(_ body: (String, [UInt32]) -> Void) {
        slots.forEach { number in
            let value = bytes(of: number) { String(decoding: $0, as: UTF8.self) }
            let posting = postings[Int(number)]
            body(value, posting & Self.multiFlag == 0 ? [posting] : multi[Int(posting & ~Self.multiFlag)].ids)
        }
    }

    mutating func reserve(_ values: Int, bytes: Int) {
        slots.reserve(values)
        spans.reserveCapacity(values)
        postings.reserveCapacity(values)
    }

    /// Adds a value known to be new (loading a snapshot).
    mutating func load(_ value: UnsafeRawBufferPointer, documents ids: UnsafeRawBufferPointer, count: Int) {
        let number = UInt32(spans.count)
        spans.append(arena.add(value))
        if count == 1 {
            postings.append(UInt32(littleEndian: ids.loadUnaligned(as: UInt32.self)))
        } else {
            let set = PostingList(loading: (0..<count).map { UInt32(littleEndian: ids.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) })
            postings.append(Self.multiFlag | UInt32(multi.count))
            multi.append(set)
        }
        slots.insert(hash: slotHash(value), number: number)
    }

    /// What the table holds from the heap, in bytes: the values' bytes; the lookup (hash slots,
    /// spans, single postings); the posting sets of values many documents share, with an
    /// array's header and malloc's overhead each (`StoreIndex.heapOverhead`).
    var footprint: (values: Int, lookup: Int, sets: Int, postings: Int) {
        var sets = multi.capacity * MemoryLayout<PostingList>.stride, postingCount = count
        for set in multi where set.count > 0 {
            sets += set.allocatedBytes + StoreIndex.heapOverhead
            postingCount += set.count - 1
        }
        let lookup = slots.allocatedBytes + spans.capacity * 8 + postings.capacity * 4 + (freeValues.capacity + freeMulti.capacity) * 4
        return (arena.allocatedBytes, lookup, sets, postingCount)
    }

    /// Rewrites the arena without the bytes of removed values.
    private mutating func compactArena() {
        let live = spans.indices.filter { spans[$0] != UInt64.max }
        let (fresh, moved) = arena.compacted(live.map { spans[$0] })
        for (i, number) in live.enumerated() { spans[number] = moved[i] }
        arena = fresh
    }
}

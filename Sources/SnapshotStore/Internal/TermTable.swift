/// The postings of one index name (`"unique:Customer.email_id"`, `"linkto"`, …): for each
/// distinct value, the documents carrying it. Values are kept as bytes in one arena, numbered,
/// and found through `HashSlots`; a value held by one document costs its bytes plus about
/// 25 bytes, so a unique field over a million documents stays small.
struct TermTable {
    /// All value bytes, back to back; space of removed values is reclaimed by `compactArena`.
    private var arena: [UInt8] = []
    /// Per value number: `offset << 32 | length` into `arena`, or `UInt64.max` when free.
    private var spans: [UInt64] = []
    /// Per value number: the one document id, or `multiFlag | n` for `multi[n]`.
    private var postings: [UInt32] = []
    private var multi: [IDSet] = []
    private var freeMulti: [UInt32] = []
    private var freeValues: [UInt32] = []
    private var slots = HashSlots()
    private var deadBytes = 0
    static let multiFlag: UInt32 = 0x8000_0000

    /// Distinct values held.
    var count: Int { slots.count }

    private func bytes<R>(of value: UInt32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let span = spans[Int(value)]
        let offset = Int(span >> 32), length = Int(span & 0xFFFF_FFFF)
        return arena.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + length)])) }
    }

    private func number(of value: String, hash: UInt32) -> UInt32? {
        slots.find(hash: hash) { candidate in bytes(of: candidate) { sameBytes(value, $0) } }
    }

    /// The ids of the documents carrying `value`.
    func documents(with value: String) -> [UInt32] {
        guard let number = number(of: value, hash: slotHash(value)) else { return [] }
        let posting = postings[Int(number)]
        return posting & Self.multiFlag == 0 ? [posting] : multi[Int(posting & ~Self.multiFlag)].elements
    }

    mutating func add(_ value: String, document id: UInt32) {
        let hash = slotHash(value)
        if let number = number(of: value, hash: hash) {
            let posting = postings[Int(number)]
            if posting & Self.multiFlag != 0 {
                multi[Int(posting & ~Self.multiFlag)].insert(id)
            } else if posting != id {
                var set = IDSet()
                set.insert(posting)
                set.insert(id)
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
        precondition(arena.count + value.utf8.count < Int(UInt32.max), "an index's values exceed 4 GiB")
        let span = UInt64(arena.count) << 32 | UInt64(value.utf8.count)
        var copy = value
        copy.withUTF8 { arena.append(contentsOf: $0) }
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
                multi[slot] = IDSet()
                freeMulti.append(UInt32(slot))
            }
            return
        }
        guard posting == id else { return }
        slots.remove(hash: hash) { $0 == number }
        deadBytes += Int(spans[Int(number)] & 0xFFFF_FFFF)
        spans[Int(number)] = UInt64.max
        freeValues.append(number)
        if deadBytes > 1 << 16 && deadBytes > arena.count / 2 { compactArena() }
    }

    /// Removes `id` from every value (the slow path when a document's terms are unknown).
    mutating func removeEverywhere(_ id: UInt32) {
        var values: [String] = []
        forEach { value, ids in if ids.contains(id) { values.append(value) } }
        for value in values { remove(value, document: id) }
    }

    /// Calls `body` with every value and its document ids.
    func forEach(_ body: (String, [UInt32]) -> Void) {
        slots.forEach { number in
            let value = bytes(of: number) { String(decoding: $0, as: UTF8.self) }
            let posting = postings[Int(number)]
            body(value, posting & Self.multiFlag == 0 ? [posting] : multi[Int(posting & ~Self.multiFlag)].elements)
        }
    }

    mutating func reserve(_ values: Int, bytes: Int) {
        slots.reserve(values)
        spans.reserveCapacity(values)
        postings.reserveCapacity(values)
        arena.reserveCapacity(bytes)
    }

    /// Adds a value known to be new (loading a snapshot).
    mutating func load(_ value: UnsafeRawBufferPointer, documents ids: UnsafeRawBufferPointer, count: Int) {
        let number = UInt32(spans.count)
        spans.append(UInt64(arena.count) << 32 | UInt64(value.count))
        arena.append(contentsOf: value)
        if count == 1 {
            postings.append(UInt32(littleEndian: ids.loadUnaligned(as: UInt32.self)))
        } else {
            var set = IDSet(minimumCapacity: count)
            for i in 0..<count { set.insert(UInt32(littleEndian: ids.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            postings.append(Self.multiFlag | UInt32(multi.count))
            multi.append(set)
        }
        slots.insert(hash: slotHash(value), number: number)
    }

    /// Rewrites the arena without the bytes of removed values.
    private mutating func compactArena() {
        var fresh: [UInt8] = []
        fresh.reserveCapacity(arena.count - deadBytes)
        for number in spans.indices where spans[number] != UInt64.max {
            let span = spans[number]
            let offset = Int(span >> 32), length = Int(span & 0xFFFF_FFFF)
            spans[number] = UInt64(fresh.count) << 32 | UInt64(length)
            fresh.append(contentsOf: arena[offset..<(offset + length)])
        }
        arena = fresh
        deadBytes = 0
    }
}

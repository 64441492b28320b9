/// An export's bookkeeping of document keys (which documents the bundle creates and where,
/// whose links were looked at): 64-bit hashes of the keys, kept in `KeyHashMap`, not the names.
///
/// Why not `Set<DocumentKey>` or `Hasher`: an export notes every Create of its backlog, and
/// hashing each key's two strings with SipHash and then the result again as a `Set<Int>`
/// element was a sixth of the writing thread's time. This hashes the UTF-8 bytes where they
/// lie (in the log frame, or in a `String`), eight bytes at a time, and a final mix, once
/// (FNV-1a a byte at a time was a twentieth of the reading thread's time). A collision
/// only makes a dependency travel or not; a consumer missing one parks the document until it
/// is online (as with any 64-bit hash of the keys).
enum ExportKeyHash {
    /// The hash of `doctype` and `name` given as their UTF-8 bytes.
    static func of(doctype: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer) -> UInt64 {
        // Both lengths go in first: the boundary between the two cannot be shifted.
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ (UInt64(doctype.count) << 32 | UInt64(name.count))
        h = absorb(h, doctype)
        h = absorb(h, name)
        // MurmurHash3's finaliser: every input bit moves every output bit.
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    /// `h` with `bytes` mixed in a word at a time, the last word zero-padded.
    private static func absorb(_ h: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h = h
        var i = 0
        while i + 8 <= bytes.count {
            h = mix(h, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        if i < bytes.count {
            var tail: UInt64 = 0
            withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[i...])) }
            h = mix(h, tail)
        }
        return h
    }

    /// One word into the hash: multiply, rotate, multiply the word (MurmurHash3's block
    /// step), then fold it in and stir.
    private static func mix(_ h: UInt64, _ word: UInt64) -> UInt64 {
        var k = word &* 0x87C3_7B91_1142_53D5
        k = (k << 31) | (k >> 33)
        k = k &* 0x4CF5_AD43_2745_937F
        var h = h ^ k
        h = (h << 27) | (h >> 37)
        return h &* 5 &+ 0x52DC_E729
    }

    static func of(doctype: String, name: String) -> UInt64 {
        var doctype = doctype, name = name
        return doctype.withUTF8 { d in name.withUTF8 { n in of(doctype: UnsafeRawBufferPointer(d), name: UnsafeRawBufferPointer(n)) } }
    }
}

/// 64-bit key hashes, each with a value (the sequence that created the document): open
/// addressing, linear probing, at most half full, key and value side by side so a look-up
/// touches one cache line. The hashes are already mixed, so their low bits index the table
/// as they are.
struct KeyHashMap {
    private struct Slot {
        var key: UInt64
        var value: UInt64
    }

    private var slots: [Slot]
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: Slot(key: 0, value: 0), count: size)
    }

    /// 0 marks an empty slot: the hash 0 is kept as 1.
    private static func stored(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// The slot holding `key`, or the empty slot where it would go.
    private func slot(of key: UInt64) -> Int {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: key) & mask
        while slots[i].key != key, slots[i].key != 0 { i = (i + 1) & mask }
        return i
    }

    func contains(_ hash: UInt64) -> Bool {
        value(of: hash) != nil
    }

    /// The value `hash` was inserted with first.
    func value(of hash: UInt64) -> UInt64? {
        let slot = slots[slot(of: Self.stored(hash))]
        return slot.key == 0 ? nil : slot.value
    }

    /// Adds `hash` with `value`; false (and the first value kept) when it was there already.
    @discardableResult
    mutating func insert(_ hash: UInt64, value: UInt64 = 0) -> Bool {
        if (count + 1) * 2 > slots.count { grow() }
        let key = Self.stored(hash)
        let i = slot(of: key)
        guard slots[i].key == 0 else { return false }
        slots[i] = Slot(key: key, value: value)
        count += 1
        return true
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(key: 0, value: 0), count: old.count * 2)
        for entry in old where entry.key != 0 { slots[slot(of: entry.key)] = entry }
    }
}

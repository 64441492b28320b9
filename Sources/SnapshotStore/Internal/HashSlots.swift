import Glibc

/// A compact open-addressing hash table of `UInt32` numbers (document ids, term-value numbers)
/// whose keys live elsewhere: each slot packs a 32-bit hash and the number into 8 bytes, and the
/// caller says whether a number's key matches. Linear probing, load ≤ 3/4, backward-shift
/// deletion (no tombstones). This is what keeps a million-document index in tens of megabytes
/// where a `Dictionary<String, …>` would spend a String and padding per entry.
struct HashSlots {
    private(set) var slots: [UInt64] = []
    private(set) var count = 0
    private var mask = -1
    static let empty = UInt64.max

    init(capacity: Int = 0) {
        if capacity > 0 { resize(to: Self.slotCount(for: capacity)) }
    }

    static func slotCount(for count: Int) -> Int {
        var size = 8
        while size * 3 / 4 < count { size <<= 1 }
        return size
    }

    @inline(__always) private static func slot(_ hash: UInt32, _ number: UInt32) -> UInt64 {
        UInt64(hash) << 32 | UInt64(number)
    }

    /// The number whose key matches, among those stored under `hash`.
    @inline(__always)
    func find(hash: UInt32, matches: (UInt32) -> Bool) -> UInt32? {
        guard count > 0 else { return nil }
        var i = Int(hash) & mask
        while true {
            let slot = slots[i]
            if slot == Self.empty { return nil }
            if UInt32(truncatingIfNeeded: slot >> 32) == hash && matches(UInt32(truncatingIfNeeded: slot)) {
                return UInt32(truncatingIfNeeded: slot)
            }
            i = (i + 1) & mask
        }
    }

    /// Adds `number` under `hash`; the caller has checked its key is not there yet.
    @inline(__always)
    mutating func insert(hash: UInt32, number: UInt32) {
        if (count + 1) * 4 > slots.count * 3 { resize(to: max(8, slots.count * 2)) }
        var i = Int(hash) & mask
        while slots[i] != Self.empty { i = (i + 1) & mask }
        slots[i] = Self.slot(hash, number)
        count += 1
    }

    /// Removes the number whose key matches; returns it.
    @discardableResult
    mutating func remove(hash: UInt32, matches: (UInt32) -> Bool) -> UInt32? {
        guard count > 0 else { return nil }
        var i = Int(hash) & mask
        while true {
            let slot = slots[i]
            if slot == Self.empty { return nil }
            if UInt32(truncatingIfNeeded: slot >> 32) == hash && matches(UInt32(truncatingIfNeeded: slot)) { break }
            i = (i + 1) & mask
        }
        let removed = UInt32(truncatingIfNeeded: slots[i])
        // Backward shift: pull later members of the probe run into the hole when their home
        // slot does not lie cyclically in (hole, position].
        var hole = i
        var j = i
        while true {
            j = (j + 1) & mask
            let slot = slots[j]
            if slot == Self.empty { break }
            let home = Int(UInt32(truncatingIfNeeded: slot >> 32)) & mask
            let homeInRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j)
            if !homeInRange {
                slots[hole] = slot
                hole = j
            }
        }
        slots[hole] = Self.empty
        count -= 1
        return removed
    }

    var allocatedBytes: Int { slots.capacity * 8 }

    /// Calls `body` with every stored number.
    func forEach(_ body: (UInt32) throws -> Void) rethrows {
        for slot in slots where slot != Self.empty { try body(UInt32(truncatingIfNeeded: slot)) }
    }

    mutating func reserve(_ capacity: Int) {
        let size = Self.slotCount(for: capacity)
        if size > slots.count { resize(to: size) }
    }

    private mutating func resize(to size: Int) {
        let old = slots
        slots = [UInt64](repeating: Self.empty, count: size)
        mask = size - 1
        for slot in old where slot != Self.empty {
            var i = Int(UInt32(truncatingIfNeeded: slot >> 32)) & mask
            while slots[i] != Self.empty { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}

/// A fast, well-mixed 32-bit hash of UTF-8 bytes for `HashSlots` (not for security: the keys
/// are the site's own document names and index values).
@inline(__always)
func slotHash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
    var i = 0
    while i + 8 <= bytes.count {
        let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        h = (h ^ word) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 32
        i += 8
    }
    if i < bytes.count {
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
    }
    h ^= h >> 33
    h = h &* 0xFF51_AFD7_ED55_8CCD
    h ^= h >> 33
    return UInt32(truncatingIfNeeded: h)
}

@inline(__always)
func slotHash(_ string: String) -> UInt32 {
    var string = string
    return string.withUTF8 { slotHash(UnsafeRawBufferPointer($0)) }
}

/// Byte equality of a String and a byte range.
@inline(__always)
func sameBytes(_ string: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var string = string
    return string.withUTF8 { utf8 in
        utf8.count == bytes.count && (utf8.count == 0 || memcmp(utf8.baseAddress!, bytes.baseAddress!, utf8.count) == 0)
    }
}

/// Byte equality of two byte ranges.
@inline(__always)
func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
}

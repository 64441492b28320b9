/// Interned strings for the parser. Documents repeat the same field names in every row and
/// every document, and many values too (owner, parent, doctype, accounts), so a short ASCII
/// string is hashed and looked up instead of being decoded, validated and allocated again.
///
/// Each interned string has a slot number, which the key table also uses as the key's id for
/// finding duplicate keys in O(1) (see `JSONParser.parseObject`).
///
/// Only ASCII strings without escapes, at most `maxBytes` long, are interned. For ASCII, byte
/// equality is `String` equality; non-ASCII text compares as `String`s do (canonical
/// equivalence), so it is left to the ordinary path. The table stops taking strings when full
/// and is emptied before a parse that finds it full, so memory stays bounded (about 300 KiB)
/// however many distinct strings a process meets.
final class JSONStringTable {
    static let slotCount = 4096  // power of two
    static let maxEntries = 2048  // half full at most, so probes stay short
    static let maxBytes = 64

    struct Slot {
        var hash: UInt64  // 0: empty
        var arenaOffset: Int32
        var length: Int32
        /// The serial of the last object that used this key (see `JSONParser.parseObject`).
        var stamp: Int
    }

    // `let` pointers, not `var` properties: mutating a class's stored `var` costs a dynamic
    // exclusivity check on every access, which the parser's inner loop cannot afford.
    let slots: UnsafeMutablePointer<Slot>
    let strings: UnsafeMutablePointer<String>
    /// The interned bytes, with 8 bytes of slack at the end so 8-byte loads never overrun.
    let arena: UnsafeMutablePointer<UInt8>
    /// [0]: entries, [1]: arena bytes used.
    let counters: UnsafeMutablePointer<Int>

    init() {
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: Slot(hash: 0, arenaOffset: 0, length: 0, stamp: 0), count: Self.slotCount)
        strings = .allocate(capacity: Self.slotCount)
        strings.initialize(repeating: "", count: Self.slotCount)
        arena = .allocate(capacity: Self.maxEntries * Self.maxBytes + 8)
        arena.initialize(repeating: 0, count: Self.maxEntries * Self.maxBytes + 8)
        counters = .allocate(capacity: 2)
        counters.initialize(repeating: 0, count: 2)
    }

    deinit {
        slots.deallocate()
        strings.deinitialize(count: Self.slotCount)
        strings.deallocate()
        arena.deallocate()
        counters.deallocate()
    }

    /// Empties the table if it is full. Stamps need no reset: object serials only increase.
    func emptyIfFull() {
        guard counters[0] >= Self.maxEntries else { return }
        for i in 0..<Self.slotCount where slots[i].hash != 0 {
            slots[i].hash = 0
            strings[i] = ""
        }
        counters[0] = 0
        counters[1] = 0
    }

    /// The slot of the string with these bytes, interning it if there is room; nil when the
    /// bytes are not ASCII or the table is full. `readable` is how many bytes may be read from
    /// `bytes` (at least `length`): with 8 or more to spare, the tail is read as one word.
    @inline(__always)
    func slot(for bytes: UnsafePointer<UInt8>, length: Int, readable: Int) -> Int? {
        guard let hash = Self.asciiHash(bytes, length, readable) else { return nil }
        let mask = Self.slotCount - 1
        var i = Int(truncatingIfNeeded: hash &>> 40) & mask  // high bits: the low bit is always set
        while true {
            let s = slots[i]
            if s.hash == hash && Int(s.length) == length
                && Self.equalBytes(arena + Int(s.arenaOffset), bytes, length, readable)
            {
                return i
            }
            if s.hash == 0 { return insert(bytes, length: length, hash: hash, at: i) }
            i = (i + 1) & mask
        }
    }

    /// Whether `slot` holds exactly these bytes: the check of a guessed slot.
    @inline(__always)
    func holds(_ slot: Int, _ bytes: UnsafePointer<UInt8>, length: Int, readable: Int) -> Bool {
        let s = slots[slot]
        return s.hash != 0 && Int(s.length) == length
            && Self.equalBytes(arena + Int(s.arenaOffset), bytes, length, readable)
    }

    @inline(never)
    func insert(_ bytes: UnsafePointer<UInt8>, length: Int, hash: UInt64, at i: Int) -> Int? {
        guard counters[0] < Self.maxEntries else { return nil }
        let offset = counters[1]
        (arena + offset).update(from: bytes, count: length)
        counters[1] += length
        counters[0] += 1
        slots[i] = Slot(hash: hash, arenaOffset: Int32(offset), length: Int32(length), stamp: 0)
        strings[i] = String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
        return i
    }

    /// The last `n` (1...7) bytes at `p`, as the low bytes of a word; reads one word when
    /// `readable` allows, byte by byte otherwise.
    @inline(__always)
    static func tailWord(_ p: UnsafePointer<UInt8>, _ n: Int, _ readable: Int) -> UInt64 {
        if readable >= 8 {
            return UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) & (~UInt64(0) &>> UInt64(64 &- n &* 8))
        }
        var tail: UInt64 = 0
        for k in 0..<n { tail |= UInt64(p[k]) &<< UInt64(k &* 8) }
        return tail
    }

    /// Compares `a` (arena bytes, always readable a word past the end) with `b`.
    @inline(__always)
    static func equalBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int, _ readable: Int) -> Bool {
        var i = 0
        while i + 8 <= length {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
                return false
            }
            i += 8
        }
        let n = length - i
        if n == 0 { return true }
        return tailWord(a + i, n, 8) == tailWord(b + i, n, readable - i)
    }

    /// A 64-bit hash of the bytes, never 0 (0 marks an empty slot); nil for non-ASCII bytes.
    @inline(__always)
    static func asciiHash(_ bytes: UnsafePointer<UInt8>, _ length: Int, _ readable: Int) -> UInt64? {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(length &+ 1)
        var high: UInt64 = 0
        var i = 0
        while i + 8 <= length {
            let w = UnsafeRawPointer(bytes + i).loadUnaligned(as: UInt64.self)
            high |= w
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i += 8
        }
        let n = length - i
        if n > 0 {
            let tail = tailWord(bytes + i, n, readable - i)
            high |= tail
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        }
        guard high & 0x8080_8080_8080_8080 == 0 else { return nil }
        h ^= h >> 32
        return h | 1
    }
}

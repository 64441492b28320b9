import Synchronization

/// Object keys seen while parsing, interned: documents repeat the same few dozen field names in
/// every row and every document, so a key is hashed and looked up instead of being decoded into
/// a new `String` each time. Each interned key also has a small id, which lets the parser find
/// duplicate keys in an object in O(1) instead of comparing strings.
///
/// Only keys without escapes, at most `maxKeyBytes` long, are interned; the table stops taking
/// new keys when full and is cleared before a parse that finds it full, so memory stays bounded
/// (a few hundred KiB) however many distinct keys a process meets.
final class JSONKeyTable {
    static let slotCount = 4096  // power of two
    static let maxEntries = 2048  // half full at most, so probes stay short
    static let maxKeyBytes = 64

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
    let arena: UnsafeMutablePointer<UInt8>
    /// [0]: entries, [1]: arena bytes used, [2]: last object serial handed out.
    let counters: UnsafeMutablePointer<Int>
    /// The element count of the last array and object seen at each depth (arrays at even
    /// indexes, objects at odd): rows of a table have the same shape, so the next one reserves
    /// that much room instead of growing step by step.
    let capacityHints: UnsafeMutablePointer<Int>
    static let hintDepths = 16

    init() {
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: Slot(hash: 0, arenaOffset: 0, length: 0, stamp: 0), count: Self.slotCount)
        strings = .allocate(capacity: Self.slotCount)
        strings.initialize(repeating: "", count: Self.slotCount)
        arena = .allocate(capacity: Self.maxEntries * Self.maxKeyBytes)
        counters = .allocate(capacity: 3)
        counters.initialize(repeating: 0, count: 3)
        capacityHints = .allocate(capacity: 2 * Self.hintDepths)
        capacityHints.initialize(repeating: 0, count: 2 * Self.hintDepths)
    }

    deinit {
        slots.deallocate()
        strings.deinitialize(count: Self.slotCount)
        strings.deallocate()
        arena.deallocate()
        counters.deallocate()
        capacityHints.deallocate()
    }

    /// Empties the table when it is full, so a long-running process keeps interning its current
    /// keys. Object serials keep increasing, so no old stamp can match a new object.
    func prepareForParse() {
        guard counters[0] >= Self.maxEntries else { return }
        for i in 0..<Self.slotCount {
            slots[i].hash = 0
            strings[i] = ""
        }
        counters[0] = 0
        counters[1] = 0
    }

    @inline(__always)
    func nextObjectSerial() -> Int {
        counters[2] += 1
        return counters[2]
    }

    /// The slot of the key with these UTF-8 bytes (already validated), interning it if there is
    /// room; nil when the table is full. `hash` must be `JSONKeyTable.asciiHash(_:_:)` of the bytes.
    @inline(__always)
    func slot(for bytes: UnsafePointer<UInt8>, length: Int, hash: UInt64) -> Int? {
        let mask = Self.slotCount - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let s = slots[i]
            if s.hash == hash && Int(s.length) == length
                && Self.equalBytes(arena + Int(s.arenaOffset), bytes, length)
            {
                return i
            }
            if s.hash == 0 { return insert(bytes, length: length, hash: hash, at: i) }
            i = (i + 1) & mask
        }
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

    @inline(__always)
    static func equalBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        var i = 0
        while i + 8 <= length {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < length {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// A 64-bit hash of a key's bytes, never 0 (0 marks an empty slot); nil for a key that is
    /// not pure ASCII. Only ASCII keys are interned: for them byte equality is `String`
    /// equality, while non-ASCII keys compare as `String`s do (canonical equivalence), the same
    /// rule `JSONObject`'s subscript follows.
    @inline(__always)
    static func asciiHash(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> UInt64? {
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
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < length {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        high |= tail
        guard high & 0x8080_8080_8080_8080 == 0 else { return nil }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 32
        return h | 1
    }

    // MARK: - Reuse across parses

    /// One table kept for the next parse. A parse takes it (or makes a fresh one when another
    /// thread holds it) and gives it back, so there is no sharing and no lock held while parsing.
    private static let spare = Mutex<JSONKeyTable?>(nil)

    static func take() -> JSONKeyTable {
        let table = spare.withLock { $0.take() } ?? JSONKeyTable()
        table.prepareForParse()
        return table
    }

    static func giveBack(_ table: JSONKeyTable) {
        spare.withLock { $0 = table }
    }
}

// The table is only ever used by one parse at a time: `take()` removes it from `spare` under
// the lock, and a parser never shares it.
extension JSONKeyTable: @unchecked Sendable {}

/// Writes JSON text into a growable raw buffer. One writer per `serialize` call; the caller
/// copies the bytes out of `bytes` and then calls `finish`.
///
/// Writing through a raw pointer (one capacity check per token, not per byte) is what makes
/// serialization fast: `Array.append` per byte costs a uniqueness check every time.
///
/// Each writer allocates its own buffer. One spare buffer kept for the next writer, as this
/// once did, sat behind a lock every thread took twice per document: with writers on both
/// cores the lock's cache line moved between them at every call, and the writer that found
/// the spare taken started from 4 KiB and grew twice for an invoice. An allocation of the
/// first capacity comes from the thread's own malloc arena, and touches only the pages the
/// text fills.
struct JSONWriter {
    var base: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var count = 0
    let pretty: Bool
    /// Keys written so far, for `writeKey`: allocated at the second nested object, the first
    /// that can repeat keys (a document with one row pays nothing).
    var keys: KeyMemory?
    var nestedObjects = 0

    /// `capacity`: the first buffer's size; 16 KiB holds a 20-row invoice without growing.
    init(pretty: Bool, capacity: Int = 16 << 10) {
        self.pretty = pretty
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func finish() {
        base.deallocate()
        keys?.slots.deallocate()
    }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    // MARK: - Buffer

    @inline(__always)
    mutating func reserve(_ n: Int) {
        if _slowPath(count + n > capacity) { grow(to: count + n) }
    }

    @inline(never)
    mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Appends one byte; the caller has reserved room.
    @inline(__always)
    mutating func put(_ b: UInt8) {
        base[count] = b
        count += 1
    }

    @inline(__always)
    mutating func append(_ b: UInt8) {
        reserve(1)
        put(b)
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        if let p = bytes.baseAddress { (base + count).update(from: p, count: bytes.count) }
        count += bytes.count
    }

    @inline(__always)
    mutating func appendASCII(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    // MARK: - Values

    mutating func write(_ value: JSON, level: Int) {
        switch value {
        case .null: appendASCII("null")
        case .bool(let b): if b { appendASCII("true") } else { appendASCII("false") }
        case .int(let i): writeInteger(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let elements): writeArray(elements, level: level)
        case .object(let object): writeObject(object, level: level)
        }
    }

    mutating func writeArray(_ elements: [JSON], level: Int) {
        if elements.isEmpty {
            appendASCII("[]")
            return
        }
        append(UInt8(ascii: "["))
        var first = true
        for element in elements {
            if !first { append(UInt8(ascii: ",")) }
            first = false
            if pretty { newline(level + 1) }
            write(element, level: level + 1)
        }
        if pretty { newline(level) }
        append(UInt8(ascii: "]"))
    }

    mutating func writeObject(_ object: JSONObject, level: Int) {
        if object.isEmpty {
            appendASCII("{}")
            return
        }
        append(UInt8(ascii: "{"))
        // Only nested objects (table rows) repeat their keys; a document's own keys are written
        // once, and remembering them would cost more than it saves.
        var remembering = false
        if level > 0 {
            nestedObjects += 1
            remembering = nestedObjects > 1
        }
        object.keys.withUnsafeBufferPointer { keys in
            object.values.withUnsafeBufferPointer { values in
                guard let keys = keys.baseAddress, let values = values.baseAddress else { return }
                for n in 0..<object.count {
                    if n > 0 { append(UInt8(ascii: ",")) }
                    if pretty { newline(level + 1) }
                    if remembering { writeKey(at: keys + n) } else { writeString(keys[n]) }
                    if pretty { appendASCII(": ") } else { append(UInt8(ascii: ":")) }
                    writeMember(at: values + n, level: level + 1)
                }
            }
        }
        if pretty { newline(level) }
        append(UInt8(ascii: "}"))
    }

    /// A member's value, read where the object keeps it. Scalars are written here rather than
    /// through `write`, whose argument is a copy of the value: for the common case there is no
    /// enum copy to make and destroy per member.
    @inline(__always)
    mutating func writeMember(at value: UnsafePointer<JSON>, level: Int) {
        switch value.pointee {
        case .string(let s): writeString(s)
        case .double(let d): writeDouble(d)
        case .int(let i): writeInteger(i)
        default: write(value.pointee, level: level)
        }
    }

    mutating func newline(_ level: Int) {
        reserve(1 + level * 2)
        put(UInt8(ascii: "\n"))
        for _ in 0..<(level * 2) { put(UInt8(ascii: " ")) }
    }
}

/// Where the quoted text of keys written earlier in this document lies in the output.
///
/// Why: the rows of a table repeat the same keys (a 20-row invoice writes some 600 keys, 30 of
/// them distinct), and writing one meant retaining the string, scanning it for bytes to escape
/// and releasing it. A key with the same 16 bits as one written before is the same text (a
/// short key is held inside the `String`; a long one is the same storage, which the document
/// being written keeps alive), so its quoted text is copied from where it was written.
struct KeyMemory {
    struct Slot {
        var bits: (UInt64, UInt64)
        var offset: Int
        var length: Int  // 0: empty
    }

    static let slotCount = 64  // a power of two
    let slots: UnsafeMutablePointer<Slot>

    init() {
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: Slot(bits: (0, 0), offset: 0, length: 0), count: Self.slotCount)
    }

    @inline(__always)
    static func slot(of bits: (UInt64, UInt64)) -> Int {
        let h = (bits.0 ^ (bits.1 &* 0x9E37_79B9_7F4A_7C15)) &* 0xFF51_AFD7_ED55_8CCD
        return Int(truncatingIfNeeded: h >> 58) & (slotCount - 1)
    }
}

extension JSONWriter {
    /// An object's key, quoted: copied from its earlier occurrence in this document when there
    /// is one (`KeyMemory`), else written and remembered.
    @inline(never)  // kept out of `writeObject`, which documents without rows run through
    mutating func writeKey(at key: UnsafePointer<String>) {
        guard MemoryLayout<String>.size == 16 else { return writeString(key.pointee) }
        let raw = UnsafeRawPointer(key)
        let bits = (raw.load(as: UInt64.self), raw.load(fromByteOffset: 8, as: UInt64.self))
        if keys == nil { keys = KeyMemory() }
        let slot = keys!.slots + KeyMemory.slot(of: bits)
        if slot.pointee.length > 0 && slot.pointee.bits == bits {
            let length = slot.pointee.length
            reserve(length)
            (base + count).update(from: base + slot.pointee.offset, count: length)
            count += length
            return
        }
        let start = count
        writeString(key.pointee)
        slot.pointee = KeyMemory.Slot(bits: bits, offset: start, length: count - start)
    }
}

import Synchronization

/// Writes JSON text into a growable raw buffer. One writer per `serialize` call; the caller
/// copies the bytes out of `bytes` and then calls `finish`.
///
/// Writing through a raw pointer (one capacity check per token, not per byte) is what makes
/// serialization fast: `Array.append` per byte costs a uniqueness check every time. The buffer
/// is kept for the next writer (up to 1 MiB), so a stream of documents grows it once.
struct JSONWriter {
    var base: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var count = 0
    let pretty: Bool

    init(pretty: Bool) {
        self.pretty = pretty
        let spare = Self.spare.withLock { $0.take() }
        base = spare?.base ?? .allocate(capacity: 4096)
        capacity = spare?.capacity ?? 4096
    }

    /// Hands the buffer to the next writer, or frees it if it grew large or one is kept already.
    func finish() {
        guard capacity <= Self.keptCapacity else {
            base.deallocate()
            return
        }
        let kept = Self.spare.withLock { spare -> Bool in
            if spare != nil { return false }
            spare = SpareBuffer(base: base, capacity: capacity)
            return true
        }
        if !kept { base.deallocate() }
    }

    static let keptCapacity = 1 << 20

    struct SpareBuffer: @unchecked Sendable {  // owned by whoever took it out of `spare`
        var base: UnsafeMutablePointer<UInt8>
        var capacity: Int
    }

    private static let spare = Mutex<SpareBuffer?>(nil)

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
        object.keys.withUnsafeBufferPointer { keys in
            object.values.withUnsafeBufferPointer { values in
                for n in 0..<keys.count {
                    if n > 0 { append(UInt8(ascii: ",")) }
                    if pretty { newline(level + 1) }
                    writeString(keys[n])
                    if pretty { appendASCII(": ") } else { append(UInt8(ascii: ":")) }
                    write(values[n], level: level + 1)
                }
            }
        }
        if pretty { newline(level) }
        append(UInt8(ascii: "}"))
    }

    mutating func newline(_ level: Int) {
        reserve(1 + level * 2)
        put(UInt8(ascii: "\n"))
        for _ in 0..<(level * 2) { put(UInt8(ascii: " ")) }
    }
}

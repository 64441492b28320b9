import SiteStreamCRC

/// Appends little-endian integers and raw bytes to a growing buffer; the write side of every
/// store format.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    @inline(__always) mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always) mutating func write(_ raw: some Sequence<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    /// From the string's own storage when it has one (no copy of the `String` to reach it).
    @inline(__always) mutating func write(utf8 string: String) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { bytes.append(contentsOf: $0) }
        if done == nil {
            var string = string
            string.withUTF8 { bytes.append(contentsOf: $0) }
        }
    }

    /// A change record's fixed 20 bytes (`ChangeRecord`), crc32 and length left 0, in one append.
    @inline(__always) mutating func writeHeader(kind: UInt8, doctypeLength: Int, nameLength: Int, termCount: Int, documentLength: Int) {
        // In order, naturally aligned: the same layout as the record's header.
        var header = (UInt32(0), UInt32(0), kind, UInt8(0), UInt16(doctypeLength).littleEndian, UInt16(nameLength).littleEndian,
                      UInt16(termCount).littleEndian, UInt32(documentLength).littleEndian)
        withUnsafeBytes(of: &header) { raw in
            precondition(raw.count == 20)
            bytes.append(contentsOf: raw)
        }
    }

    /// Overwrites an integer written earlier (a length or checksum known only at the end).
    @inline(__always) mutating func set<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for i in 0..<raw.count { bytes[offset + i] = raw[i] }
        }
    }
}

/// Reads little-endian integers and strings from a byte buffer; `read*` moves the cursor,
/// `get*(at:)` does not. Every read is bounds-checked and returns nil past the end, so a torn
/// or damaged buffer is reported by the caller, never a crash.
struct ByteReader {
    let buffer: UnsafeRawBufferPointer
    var position: Int

    init(_ buffer: UnsafeRawBufferPointer, position: Int = 0) {
        self.buffer = buffer
        self.position = position
    }

    var remaining: Int { buffer.count - position }

    @inline(__always) func get<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
        guard offset >= 0, offset + MemoryLayout<T>.size <= buffer.count else { return nil }
        return T(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    @inline(__always) mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard let value = get(T.self, at: position) else { return nil }
        position += MemoryLayout<T>.size
        return value
    }

    mutating func readString(count: Int) -> String? {
        guard count >= 0, count <= remaining else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: buffer[position..<(position + count)])
        position += count
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func readBytes(count: Int) -> [UInt8]? {
        guard count >= 0, count <= remaining else { return nil }
        let bytes = [UInt8](UnsafeRawBufferPointer(rebasing: buffer[position..<(position + count)]))
        position += count
        return bytes
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= remaining else { return false }
        position += count
        return true
    }
}

/// zlib's crc32 over a byte range (`CRC32`, the engine's one crc32).
@inline(__always)
func checksum(_ buffer: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return seed }
    return CRC32.update(seed, UnsafeRawBufferPointer(start: base, count: buffer.count))
}

@inline(__always)
func checksum(_ bytes: [UInt8], from start: Int, to end: Int, seed: UInt32 = 0) -> UInt32 {
    bytes.withUnsafeBytes { checksum(UnsafeRawBufferPointer(rebasing: $0[start..<end]), seed: seed) }
}

import CZlib

/// Little-endian integer access on raw bytes: `get*(at:)` reads without moving, `append*` writes
/// at the end (the layout in docs/formats/eventlog.md is all little-endian).
extension UnsafeRawBufferPointer {
    @inline(__always) func u16(at offset: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) func u32(at offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inline(__always) func u64(at offset: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func setU32(_ value: UInt32, at offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }
    @inline(__always) func setU64(_ value: UInt64, at offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
    }
}

extension Array where Element == UInt8 {
    @inline(__always) mutating func appendU16(_ value: UInt16) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
    @inline(__always) mutating func appendU32(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
    @inline(__always) mutating func appendU64(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

/// zlib's crc32 (the IEEE polynomial), continuing from `crc`.
@inline(__always)
func crc32(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
    guard bytes.count > 0 else { return crc }
    return UInt32(CZlib.crc32(UInt(crc), bytes.baseAddress!.assumingMemoryBound(to: Bytef.self), UInt32(bytes.count)))
}

/// Payload compression: zlib format, level 1 (speed over ratio: the log is written on the hot path).
enum Deflate {
    /// The compressed bytes, or nil when compression does not make them smaller.
    ///
    /// The same bytes `compress2(level 1)` makes, but through a reused stream: `compress2` sets
    /// up and tears down a ~270 KB deflate state (allocations and a table clear) for every
    /// record, which cost as much as compressing a 10 KB invoice itself.
    static func compress(_ input: [UInt8]) -> [UInt8]? {
        DeflateStreams.shared.withStream { stream in
            let bound = Int(deflateBound(stream, UInt(input.count)))
            var ok = false
            let output = [UInt8](unsafeUninitializedCapacity: bound) { out, initialized in
                initialized = 0
                guard deflateReset(stream) == Z_OK else { return }
                input.withUnsafeBufferPointer { inp in
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
                    stream.pointee.avail_in = UInt32(inp.count)
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = UInt32(bound)
                    let status = CZlib.deflate(stream, Z_FINISH)
                    let produced = bound - Int(stream.pointee.avail_out)
                    stream.pointee.next_in = nil
                    stream.pointee.next_out = nil
                    if status == Z_STREAM_END, produced < inp.count {
                        initialized = produced
                        ok = true
                    }
                }
            }
            return ok ? output : nil
        }
    }

    /// Inflates `input` that must expand to exactly `rawLength` bytes; nil when it does not.
    static func decompress(_ input: UnsafeRawBufferPointer, rawLength: Int) -> [UInt8]? {
        guard rawLength > 0 else { return input.isEmpty ? [] : nil }
        var ok = false
        let output = [UInt8](unsafeUninitializedCapacity: rawLength) { out, initialized in
            var destLength = UInt(rawLength)
            let status = uncompress(
                out.baseAddress, &destLength,
                input.baseAddress?.assumingMemoryBound(to: Bytef.self), UInt(input.count))
            ok = status == Z_OK && destLength == UInt(rawLength)
            initialized = ok ? rawLength : 0
        }
        return ok ? output : nil
    }
}

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

/// Payload compression: zlib format, level 1 (speed over ratio: the log is written on the hot path).
/// Deflating goes through a kept `DeflateStream` (DeflateStream.swift).
enum Deflate {
    /// The compressed bytes, or nil when compression does not make them smaller. The same
    /// bytes as zlib's `compress2(…, level 1)`.
    static func compress(_ input: [UInt8]) -> [UInt8]? {
        DeflateStream.withIdle { $0.compress(input) } ?? nil
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

import CZlib
import SiteStreamCRC

/// Little-endian integer reading and writing for the wire formats of this module.
extension Array where Element == UInt8 {
    mutating func appendU16(_ v: UInt16) { Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) } }
    mutating func appendU32(_ v: UInt32) { Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) } }
    mutating func appendU64(_ v: UInt64) { Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) } }

    func u16(at i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }
    func u32(at i: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(self[i + k]) << (8 * k) }
        return v
    }
    func u64(at i: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(self[i + k]) << (8 * k) }
        return v
    }
}

enum Checksum {
    /// zlib's crc32 over `parts` in order.
    static func crc32(_ parts: [UInt8]...) -> UInt32 {
        var crc: UInt32 = 0
        for part in parts { crc = CRC32.update(crc, part) }
        return crc
    }
}

/// zlib deflate/inflate of whole buffers (`compress2` / `uncompress`).
enum Deflate {
    static func compress(_ input: [UInt8], level: Int32 = 1) -> [UInt8]? {
        var length = compressBound(UInt(input.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                compress2(out.baseAddress, &length, inp.baseAddress, UInt(inp.count), level)
            }
        }
        guard status == Z_OK else { return nil }
        output.removeLast(output.count - Int(length))
        return output
    }

    /// Inflates `input` that must come to exactly `rawLength` bytes; nil otherwise.
    static func decompress(_ input: ArraySlice<UInt8>, rawLength: Int) -> [UInt8]? {
        guard rawLength > 0 else { return input.isEmpty ? [] : nil }
        var length = UInt(rawLength)
        var output = [UInt8](repeating: 0, count: rawLength)
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                uncompress(out.baseAddress, &length, inp.baseAddress, UInt(inp.count))
            }
        }
        guard status == Z_OK, Int(length) == rawLength else { return nil }
        return output
    }
}

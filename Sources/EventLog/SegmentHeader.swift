import SiteStreamCRC

/// The 32-byte header at the start of every segment file (little-endian):
///
///     0  8 bytes magic "SSEVTLOG"
///     8  u16 format version (1)
///    10  u16 flags: bit 0 sealed (a later segment was started after this one)
///    12  u32 crc32 over bytes [0, 12) and [16, 32)
///    16  u64 base sequence (the first record's sequence number; equals the file name)
///    24  i64 creation time, microseconds since the Unix epoch
/// Why a segment header is not valid.
struct HeaderDefect: Error {
    var reason: String
}

struct SegmentHeader: Equatable {
    static let size = 32
    static let magic: [UInt8] = Array("SSEVTLOG".utf8)
    static let version: UInt16 = 1

    var base: UInt64
    var created: Int64
    var sealed: Bool

    func encoded() -> [UInt8] {
        var bytes = SegmentHeader.magic
        bytes.appendU16(SegmentHeader.version)
        bytes.appendU16(sealed ? 1 : 0)
        bytes.appendU32(0)
        bytes.appendU64(base)
        bytes.appendU64(UInt64(bitPattern: created))
        let crc = bytes.withUnsafeBytes { SegmentHeader.checksum($0) }
        bytes.withUnsafeMutableBytes { $0.setU32(crc, at: 12) }
        return bytes
    }

    static func checksum(_ raw: UnsafeRawBufferPointer) -> UInt32 {
        CRC32.update(CRC32.update(0, UnsafeRawBufferPointer(rebasing: raw[0..<12])), UnsafeRawBufferPointer(rebasing: raw[16..<32]))
    }

    /// Decodes and checks a header; the reason it is not valid otherwise.
    static func decode(_ bytes: [UInt8], expectedBase: UInt64) -> Result<SegmentHeader, HeaderDefect> {
        guard bytes.count >= size else { return .failure(HeaderDefect(reason: "segment header is short (\(bytes.count) of \(size) bytes)")) }
        return bytes.withUnsafeBytes { raw in
            guard Array(raw[0..<8]) == magic else { return .failure(HeaderDefect(reason: "segment header has a wrong magic number")) }
            guard checksum(raw) == raw.u32(at: 12) else { return .failure(HeaderDefect(reason: "segment header fails its checksum")) }
            guard raw.u16(at: 8) == version else { return .failure(HeaderDefect(reason: "unknown segment format version \(raw.u16(at: 8))")) }
            guard raw.u16(at: 10) & ~1 == 0 else { return .failure(HeaderDefect(reason: "unknown segment header flags")) }
            let base = raw.u64(at: 16)
            guard base == expectedBase else { return .failure(HeaderDefect(reason: "segment header names base sequence \(base), the file name says \(expectedBase)")) }
            return .success(SegmentHeader(base: base, created: Int64(bitPattern: raw.u64(at: 24)), sealed: raw.u16(at: 10) & 1 != 0))
        }
    }
}

/// File names in a log directory: `<base as 20 digits>.log` and `<base as 20 digits>.index`, so
/// names sort in sequence order. Anything else in the directory is ignored.
enum SegmentName {
    static let lockFile = "LOCK"

    static func digits(_ base: UInt64) -> String {
        let s = String(base)
        return String(repeating: "0", count: max(0, 20 - s.count)) + s
    }
    static func segment(_ base: UInt64) -> String { digits(base) + ".log" }
    static func index(_ base: UInt64) -> String { digits(base) + ".index" }

    /// The base sequence of a segment file name, nil for any other name.
    static func base(ofSegment name: String) -> UInt64? {
        guard name.utf8.count == 24, name.hasSuffix(".log") else { return nil }
        let digits = name.prefix(20)
        guard digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(digits)
    }

    /// The sorted segment bases found in `directory`.
    static func segmentBases(in directory: String) throws -> [UInt64] {
        try FileSystem.list(directory).compactMap(base(ofSegment:)).sorted()
    }
}

import CCRC32
import CZlib

/// The crc32 every checksum of the engine goes through: CRC-32/ISO-HDLC, bit for bit what
/// zlib's `crc32` gives (docs/formats: record frames, segment headers, index entries, store
/// frames, bundle files, wire replies), computed by folding with carry-less multiplication
/// where the CPU can (`sitestream_crc32`, Sources/CCRC32), several times faster than zlib's
/// table-driven loop on log-sized buffers.
public enum CRC32 {
    /// The crc32 of `bytes`, continuing from `crc` (0 to start). The corresponding C function
    /// is `sitestream_crc32` (zlib's `crc32` with the same arguments gives the same value).
    @inlinable
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return sitestream_crc32(crc, base, bytes.count)
    }

    /// The crc32 of `bytes` from 0.
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { update(0, bytes) }

    /// The crc32 of `bytes`, continuing from `crc`.
    @inlinable
    public static func update(_ crc: UInt32, _ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { update(crc, $0) }
    }

    /// The crc32 of `bytes`, continuing from `crc`.
    @inlinable
    public static func update(_ crc: UInt32, _ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { update(crc, $0) }
    }

    /// Whether this CPU takes the folding path (benchmark reports say which one they measured).
    public static var isFolding: Bool { sitestream_crc32_is_folding() != 0 }

    /// The operator that advances a crc over `length` more bytes, for `combine(_:_:shift:)`
    /// (x^(8·length) mod P: a few dozen multiplications to make, so callers keep the ones they
    /// use again). The corresponding C function is zlib's `crc32_combine_gen`.
    public static func shift(over length: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: crc32_combine_gen(off_t(length)))
    }

    /// The crc32 of A ‖ B from `a` = crc32(A) and `b` = crc32(B), with `shift` the operator for
    /// B's length (`shift(over:)`), without reading A or B. The corresponding C function is
    /// `sitestream_crc32_combine` (zlib's `crc32_combine_op` gives the same value).
    @inlinable
    public static func combine(_ a: UInt32, _ b: UInt32, shift: UInt32) -> UInt32 {
        sitestream_crc32_combine(a, b, shift)
    }
}

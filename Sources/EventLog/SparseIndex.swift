import SiteStreamCRC

/// A segment's sparse index: sequence number → byte offset of that record, one entry every few
/// KiB. It is a cache: checked against the segment on open and rebuilt when missing, stale or
/// damaged. The file (`<base>.index`) is a 32-byte header followed by 16-byte entries:
///
///     header: 8 bytes magic "SSEVTIDX", u16 version 1, u16 0, u32 crc32 of [0,12)+[16,32),
///             u64 base sequence, u64 0
///     entry:  u64 sequence, u32 offset, u32 crc32 of the entry's first 12 bytes
struct SparseIndex {
    struct Entry: Equatable {
        var sequence: UInt64
        var offset: UInt64
    }

    static let headerSize = 32
    static let entrySize = 16
    static let magic: [UInt8] = Array("SSEVTIDX".utf8)

    var entries: [Entry] = []

    /// The last entry at or before `sequence`.
    func floor(sequence: UInt64) -> Entry? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].sequence <= sequence { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : entries[lo - 1]
    }

    /// The last entry at or before byte `offset`.
    func floor(offset: UInt64) -> Entry? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].offset <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : entries[lo - 1]
    }

    static func encodeHeader(base: UInt64) -> [UInt8] {
        var bytes = magic
        bytes.appendU16(1)
        bytes.appendU16(0)
        bytes.appendU32(0)
        bytes.appendU64(base)
        bytes.appendU64(0)
        let crc = bytes.withUnsafeBytes { SegmentHeader.checksum($0) }
        bytes.withUnsafeMutableBytes { $0.setU32(crc, at: 12) }
        return bytes
    }

    static func encode(_ entries: some Sequence<Entry>, into bytes: inout [UInt8]) {
        for entry in entries {
            let start = bytes.count
            bytes.appendU64(entry.sequence)
            bytes.appendU32(UInt32(entry.offset))
            let crc = bytes.withUnsafeBytes { CRC32.update(0, UnsafeRawBufferPointer(rebasing: $0[start..<start + 12])) }
            bytes.appendU32(crc)
        }
    }

    /// Parses an index file's bytes. Nil when the header is wrong, an entry fails its crc, the
    /// entries do not increase, or they point outside `segmentSize`. A torn last entry (a size not
    /// a multiple of 16) is dropped, since index writes are not synced.
    static func decode(_ bytes: [UInt8], base: UInt64, segmentSize: UInt64) -> SparseIndex? {
        guard bytes.count >= headerSize else { return nil }
        return bytes.withUnsafeBytes { raw -> SparseIndex? in
            guard Array(raw[0..<8]) == magic, raw.u16(at: 8) == 1, SegmentHeader.checksum(raw) == raw.u32(at: 12),
                  raw.u64(at: 16) == base
            else { return nil }
            var index = SparseIndex()
            let count = (raw.count - headerSize) / entrySize
            index.entries.reserveCapacity(count)
            for i in 0..<count {
                let at = headerSize + i * entrySize
                guard CRC32.update(0, UnsafeRawBufferPointer(rebasing: raw[at..<at + 12])) == raw.u32(at: at + 12) else { return nil }
                let entry = Entry(sequence: raw.u64(at: at), offset: UInt64(raw.u32(at: at + 8)))
                if let last = index.entries.last {
                    guard entry.sequence > last.sequence, entry.offset > last.offset else { return nil }
                } else {
                    guard entry.sequence == base, entry.offset == UInt64(SegmentHeader.size) else { return nil }
                }
                guard entry.offset < segmentSize else { return nil }
                index.entries.append(entry)
            }
            return index
        }
    }

    /// Writes the whole index file (a cache: written in place, not synced).
    static func write(_ index: SparseIndex, base: UInt64, to path: String) throws {
        var bytes = encodeHeader(base: base)
        encode(index.entries, into: &bytes)
        let file = try RawFile.open(path, create: true)
        try file.truncate(to: 0)
        try file.write(bytes, at: 0)
    }
}

/// The data file's unit of atomicity: one `apply` call is one batch record, checksummed as a
/// whole, so a batch cut short by a crash is discarded whole on open. Layout (little endian):
///
///     0  magic          u32  "SSB1"
///     4  crc32          u32  over bytes [8, 24) and the first 8 bytes (crc32, length) of
///                             every change record: with each record's own crc32 over its
///                             bytes, this covers the whole batch while hashing it only once
///     8  length         u32  total bytes of the batch, header included
///     12 changeCount    u32
///     16 throughSequence u64  the log sequence the store holds once this batch is applied
///     24 change records, one after the other (`ChangeRecord`)
enum BatchFrame {
    static let magic: UInt32 = 0x3142_5353 // "SSB1" in file order
    static let headerSize = 24
    static let maximumLength = 1 << 30

    /// The parsed header of a batch.
    struct Header {
        var length: Int
        var changeCount: Int
        var throughSequence: UInt64
    }

    /// Encodes one batch; returns the bytes and, for each change, the offset of its record from
    /// the batch start.
    static func encode(_ changes: [StoreChange], throughSequence: UInt64, into writer: inout ByteWriter,
                       reserving extra: Int = 0) throws -> [Int] {
        writer.bytes.removeAll(keepingCapacity: true)
        var size = headerSize
        for change in changes { size += ChangeRecord.encodedSize(change) }
        writer.bytes.reserveCapacity(size + extra)
        writer.write(magic)
        writer.write(UInt32(0))
        writer.write(UInt32(0))
        writer.write(UInt32(changes.count))
        writer.write(throughSequence)
        var offsets: [Int] = []
        offsets.reserveCapacity(changes.count)
        for change in changes {
            offsets.append(writer.count)
            try ChangeRecord.encode(change, into: &writer)
            guard writer.count <= maximumLength else {
                throw SnapshotStoreError(.invalidArgument, "a batch may hold at most \(maximumLength) bytes; split it")
            }
        }
        writer.set(UInt32(writer.count), at: 8)
        writer.set(writer.bytes.withUnsafeBytes { batchChecksum($0, records: offsets) }, at: 4)
        return offsets
    }

    /// Appends `more` records to an encoded batch and rewrites its header (length, change
    /// count, `throughSequence`, checksum) to match.
    static func append(_ more: [StoreChange], to writer: inout ByteWriter, offsets: inout [Int], throughSequence: UInt64) throws {
        let before = writer.count, countBefore = offsets.count
        do {
            var size = 0
            for change in more { size += ChangeRecord.encodedSize(change) }
            writer.bytes.reserveCapacity(writer.count + size)
            for change in more {
                offsets.append(writer.count)
                try ChangeRecord.encode(change, into: &writer)
                guard writer.count <= maximumLength else {
                    throw SnapshotStoreError(.invalidArgument, "a batch may hold at most \(maximumLength) bytes; split it")
                }
            }
        } catch {
            writer.bytes.removeSubrange(before...)
            offsets.removeSubrange(countBefore...)
            throw error
        }
        writer.set(UInt32(writer.count), at: 8)
        writer.set(UInt32(offsets.count), at: 12)
        writer.set(throughSequence, at: 16)
        writer.set(writer.bytes.withUnsafeBytes { batchChecksum($0, records: offsets) }, at: 4)
    }

    /// The batch checksum: header fields after the checksum, then each record's crc32 and length.
    static func batchChecksum(_ batch: UnsafeRawBufferPointer, records: [Int]) -> UInt32 {
        var crc = checksum(UnsafeRawBufferPointer(rebasing: batch[8..<headerSize]))
        for offset in records {
            crc = checksum(UnsafeRawBufferPointer(rebasing: batch[offset..<(offset + 8)]), seed: crc)
        }
        return crc
    }

    /// Why a batch could not be read at some position.
    enum Damage {
        /// Fewer bytes remain than the header or the declared length needs.
        case incomplete
        /// The header's magic or length is not a batch's.
        case badHeader
        /// The checksum does not match the bytes.
        case badChecksum
        /// The checksum matches but the change records inside do not parse.
        case badRecords
    }

    /// Reads the header at the start of `buffer`; `available` is how many bytes of the batch
    /// exist from there to end of file (so a length past it is `.incomplete`).
    static func header(_ buffer: UnsafeRawBufferPointer, available: UInt64) -> Result<Header, DamageBox> {
        let reader = ByteReader(buffer)
        guard available >= UInt64(headerSize), let magicValue = reader.get(UInt32.self, at: 0),
              let length = reader.get(UInt32.self, at: 8), let count = reader.get(UInt32.self, at: 12),
              let sequence = reader.get(UInt64.self, at: 16)
        else { return .failure(DamageBox(.incomplete)) }
        guard magicValue == magic, Int(length) >= headerSize, Int(length) <= maximumLength,
              Int(count) <= (Int(length) - headerSize) / ChangeRecord.headerSize
        else { return .failure(DamageBox(.badHeader)) }
        guard UInt64(length) <= available else { return .failure(DamageBox(.incomplete)) }
        return .success(Header(length: Int(length), changeCount: Int(count), throughSequence: sequence))
    }

    /// Verifies a whole batch held in `buffer` (exactly `header.length` bytes) and returns the
    /// offsets of its change records.
    static func verify(_ buffer: UnsafeRawBufferPointer, header: Header) -> Result<[Int], DamageBox> {
        guard buffer.count >= header.length else { return .failure(DamageBox(.incomplete)) }
        var offsets: [Int] = []
        offsets.reserveCapacity(header.changeCount)
        var position = headerSize
        for _ in 0..<header.changeCount {
            guard let length = ByteReader(buffer).get(UInt32.self, at: position + 4),
                  Int(length) >= ChangeRecord.headerSize, position + Int(length) <= header.length
            else { return .failure(DamageBox(.badChecksum)) }
            offsets.append(position)
            position += Int(length)
        }
        guard position == header.length,
              ByteReader(buffer).get(UInt32.self, at: 4) == batchChecksum(buffer, records: offsets)
        else { return .failure(DamageBox(.badChecksum)) }
        for (i, start) in offsets.enumerated() {
            let end = i + 1 < offsets.count ? offsets[i + 1] : header.length
            guard ChangeRecord.checksumMatches(UnsafeRawBufferPointer(rebasing: buffer[start..<end])) else {
                return .failure(DamageBox(.badChecksum))
            }
        }
        return .success(offsets)
    }

    /// `Damage` wrapped as an `Error` so it can ride in a `Result`.
    struct DamageBox: Error {
        var damage: Damage
        init(_ damage: Damage) { self.damage = damage }
    }
}

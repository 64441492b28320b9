import Glibc

/// The index terms of the documents that have not changed since the last index snapshot,
/// on disk (`terms-NNNNNNNNNNNNNNNNNNNN.sst`), so that memory holds only the terms of what
/// changed since: the postings were over half of the in-memory index (127 bytes a document
/// for a consumer of mixed documents) and grew with every document a catch-up brought in.
///
/// Immutable once written (`TermFileWriter`). Per index name, values in the order of their
/// `slotHash` and then their bytes (values are only ever looked up by equality, and sorting a
/// million values by hash is a sort of integers: in byte order it took seconds), cut into
/// checksummed blocks of about `blockTarget` bytes; memory keeps each block's first key and
/// place and a Bloom filter of the values (`TermBloom`), about 1.5 bytes a value. A look-up for a
/// value is a filter probe, a binary search over the first keys and, when the filter says
/// "maybe", one `pread` of a block. Layout (little endian):
///
///     0   magic "SSTERMS1" u64, format version u32 (1), reserved u32, file number u64,
///         reserved u32, crc32 of bytes 0–27 u32                                   (32 bytes)
///     32  blocks: length u32 (the whole block), crc32 u32 of the bytes after these 8, then
///         entries: hash u32 (`slotHash` of the value), valueLength u32, value,
///         postingCount u32 (≥ 1), postingCount × id u32 (ascending). A value's entry is never
///         split between blocks.
///     D   directory: sectionCount u32, per index name (in byte order): nameLength u16, name,
///         valueCount u64, postingCount u64, bloomWords u32, bloomProbes u8,
///         bloomWords × u64, blockCount u32, blockCount × (offset u64, length u32,
///         firstHash u32, firstValueLength u32, firstValue)
///     end−16  directory offset D u64, directory length u32, crc32 of the directory u32
///
/// Document ids are the store's (`StoreIndex`): the index snapshot that names this file keeps
/// them. Whether a posting still holds is the index's call (`StoreIndex.Entry.termTier`).
final class TermFile: Sendable {
    static let magic: UInt64 = 0x3153_4D52_4554_5353 // "SSTERMS1" in file order
    static let formatVersion: UInt32 = 1
    static let headerSize = 32
    static let footerSize = 16
    static let blockHeaderSize = 8
    static let blockTarget = 4096

    /// One index name's part of the file.
    struct Section: Sendable {
        var name: String
        var valueCount: Int
        var postingCount: Int
        var bloom: TermBloom
        var blockOffsets: [UInt64]
        var blockLengths: [UInt32]
        /// The blocks' first keys: hash, and value (back to back; block `i`'s ends at
        /// `firstValueEnds[i]`).
        var firstHashes: [UInt32]
        var firstValues: [UInt8]
        var firstValueEnds: [UInt32]

        func firstValue<R>(_ block: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
            let start = block == 0 ? 0 : Int(firstValueEnds[block - 1])
            return firstValues.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<Int(firstValueEnds[block])])) }
        }

        var allocatedBytes: Int {
            bloom.allocatedBytes + blockOffsets.capacity * 8 + blockLengths.capacity * 4 + firstHashes.capacity * 4
                + firstValues.capacity + firstValueEnds.capacity * 4 + 6 * StoreIndex.heapOverhead
        }
    }

    let file: StoreFile
    let number: UInt64
    /// The file's size in bytes.
    let size: UInt64
    let sections: [Section]
    private let sectionNumbers: [String: Int]

    var path: String { file.path }
    var postingCount: Int { sections.reduce(0) { $0 + $1.postingCount } }
    var valueCount: Int { sections.reduce(0) { $0 + $1.valueCount } }
    /// What the file costs in memory: the directory and the filters.
    var allocatedBytes: Int { sections.reduce(0) { $0 + $1.allocatedBytes } }

    private init(file: StoreFile, number: UInt64, size: UInt64, sections: [Section]) {
        self.file = file
        self.number = number
        self.size = size
        self.sections = sections
        var numbers: [String: Int] = [:]
        for (i, section) in sections.enumerated() { numbers[section.name] = i }
        sectionNumbers = numbers
    }

    static func fileName(_ number: UInt64) -> String {
        let digits = String(number)
        return "terms-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".sst"
    }

    /// The number in a term file's name, or nil if `name` is not one.
    static func number(inFileName name: String) -> UInt64? {
        guard name.hasPrefix("terms-"), name.hasSuffix(".sst") else { return nil }
        return UInt64(name.dropFirst(6).dropLast(4))
    }

    /// Opens a term file, checking its header, its directory and (when `verifyBlocks`) every
    /// block's checksum: a file that fails is reported as `.corrupt`/`.badFormat` naming it,
    /// and the store then rebuilds its index from the data file.
    static func open(_ path: String, number: UInt64, verifyBlocks: Bool) throws -> TermFile {
        guard let file = try StoreFile.openIfExists(path) else {
            throw SnapshotStoreError(.corrupt, "the index snapshot's term file is missing", file: path)
        }
        func damaged(_ why: String, _ offset: UInt64) -> SnapshotStoreError {
            SnapshotStoreError(.corrupt, "term file unreadable: \(why)", file: path, offset: offset)
        }
        let size = try file.size()
        guard size >= UInt64(headerSize + footerSize) else { throw damaged("file too short (\(size) bytes)", 0) }
        let header = try file.read(count: headerSize, at: 0)
        try header.withUnsafeBytes { raw in
            let reader = ByteReader(raw)
            guard reader.get(UInt64.self, at: 0) == magic else { throw SnapshotStoreError(.badFormat, "not a term file (bad magic)", file: path, offset: 0) }
            guard reader.get(UInt32.self, at: 8) == formatVersion else { throw SnapshotStoreError(.badFormat, "unknown term file version", file: path, offset: 8) }
            guard reader.get(UInt32.self, at: 28) == checksum(UnsafeRawBufferPointer(rebasing: raw[0..<28])) else { throw damaged("header checksum mismatch", 28) }
            guard reader.get(UInt64.self, at: 16) == number else { throw damaged("it is term file \(reader.get(UInt64.self, at: 16)!), not \(number)", 16) }
        }
        let footer = try file.read(count: footerSize, at: size - UInt64(footerSize))
        let (directoryOffset, directoryLength, directoryCRC) = footer.withUnsafeBytes { raw in
            let reader = ByteReader(raw)
            return (reader.get(UInt64.self, at: 0)!, reader.get(UInt32.self, at: 8)!, reader.get(UInt32.self, at: 12)!)
        }
        guard directoryOffset >= UInt64(headerSize), directoryOffset + UInt64(directoryLength) == size - UInt64(footerSize) else {
            throw damaged("directory out of place", size - UInt64(footerSize))
        }
        let directory = try file.read(count: Int(directoryLength), at: directoryOffset)
        guard checksum(directory, from: 0, to: directory.count) == directoryCRC else { throw damaged("directory checksum mismatch", directoryOffset) }
        let sections = try directory.withUnsafeBytes { raw -> [Section] in
            var reader = ByteReader(raw)
            func bad() -> SnapshotStoreError { damaged("bad directory entry", directoryOffset + UInt64(reader.position)) }
            guard let count = reader.read(UInt32.self) else { throw bad() }
            var sections: [Section] = []
            for _ in 0..<count {
                guard let nameLength = reader.read(UInt16.self), let name = reader.readString(count: Int(nameLength)),
                      let values = reader.read(UInt64.self), let postings = reader.read(UInt64.self),
                      let bloomWords = reader.read(UInt32.self), let probes = reader.read(UInt8.self),
                      Int(bloomWords) <= reader.remaining / 8
                else { throw bad() }
                var words = [UInt64](repeating: 0, count: Int(bloomWords))
                for i in 0..<Int(bloomWords) { words[i] = reader.read(UInt64.self)! }
                guard let blocks = reader.read(UInt32.self), Int(blocks) <= reader.remaining / 20 else { throw bad() }
                var section = Section(name: name, valueCount: Int(values), postingCount: Int(postings),
                                      bloom: TermBloom(words: words, probes: probes), blockOffsets: [], blockLengths: [],
                                      firstHashes: [], firstValues: [], firstValueEnds: [])
                section.blockOffsets.reserveCapacity(Int(blocks))
                section.blockLengths.reserveCapacity(Int(blocks))
                section.firstValueEnds.reserveCapacity(Int(blocks))
                section.firstHashes.reserveCapacity(Int(blocks))
                for _ in 0..<blocks {
                    guard let offset = reader.read(UInt64.self), let length = reader.read(UInt32.self),
                          let firstHash = reader.read(UInt32.self),
                          let firstLength = reader.read(UInt32.self), let first = reader.readBytes(count: Int(firstLength)),
                          offset >= UInt64(headerSize), Int(length) >= blockHeaderSize, offset + UInt64(length) <= directoryOffset
                    else { throw bad() }
                    section.blockOffsets.append(offset)
                    section.blockLengths.append(length)
                    section.firstHashes.append(firstHash)
                    section.firstValues.append(contentsOf: first)
                    section.firstValueEnds.append(UInt32(section.firstValues.count))
                }
                sections.append(section)
            }
            guard reader.remaining == 0 else { throw bad() }
            return sections
        }
        let opened = TermFile(file: file, number: number, size: size, sections: sections)
        if verifyBlocks { try opened.verifyBlocks() }
        return opened
    }

    /// Reads every block and checks its checksum and framing.
    func verifyBlocks() throws {
        for section in sections.indices {
            try forEachBlock(section) { _ in }
        }
    }

    /// One block's bytes, checked: its length and checksum, and that its entries parse.
    private func readBlock(_ section: Int, _ block: Int) throws -> [UInt8] {
        let offset = sections[section].blockOffsets[block], length = Int(sections[section].blockLengths[block])
        let bytes = try file.read(count: length, at: offset)
        let intact = bytes.withUnsafeBytes { raw -> Bool in
            guard raw.count == length, ByteReader(raw).get(UInt32.self, at: 0) == UInt32(length),
                  ByteReader(raw).get(UInt32.self, at: 4) == checksum(UnsafeRawBufferPointer(rebasing: raw[Self.blockHeaderSize...]))
            else { return false }
            return Self.entries(raw) { _, _, _ in true }
        }
        guard intact else {
            throw SnapshotStoreError(.corrupt, "a block of index \"\(sections[section].name)\" fails its checksum or does not parse",
                                     file: path, offset: offset)
        }
        return bytes
    }

    /// Calls `body` with each entry of a block (its hash, its value and its ids' bytes) until
    /// it returns false; false if the block does not parse.
    @discardableResult
    private static func entries(_ block: UnsafeRawBufferPointer, _ body: (UInt32, UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool) -> Bool {
        var reader = ByteReader(block, position: blockHeaderSize)
        while reader.remaining > 0 {
            guard let hash = reader.read(UInt32.self), let length = reader.read(UInt32.self), Int(length) <= reader.remaining
            else { return false }
            let value = UnsafeRawBufferPointer(rebasing: block[reader.position..<(reader.position + Int(length))])
            _ = reader.skip(Int(length))
            guard let count = reader.read(UInt32.self), count > 0, Int(count) <= reader.remaining / 4 else { return false }
            let ids = UnsafeRawBufferPointer(rebasing: block[reader.position..<(reader.position + 4 * Int(count))])
            _ = reader.skip(4 * Int(count))
            if !body(hash, value, ids) { return true }
        }
        return true
    }

    /// Calls `body` with every (hash, value, ids) of a section's blocks, in key order: a term
    /// file's merge into the next one.
    func forEachValue(section: Int, _ body: (UInt32, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        try forEachBlock(section) { block in
            var failure: (any Error)?
            Self.entries(block) { hash, value, ids in
                do { try body(hash, value, ids) } catch { failure = error; return false }
                return true
            }
            if let failure { throw failure }
        }
    }

    private func forEachBlock(_ section: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        for block in sections[section].blockOffsets.indices {
            let bytes = try readBlock(section, block)
            try bytes.withUnsafeBytes { try body($0) }
        }
    }

    func section(named name: String) -> Int? { sectionNumbers[name] }

    /// The ids this file lists for `value` of index `index` (ascending), at most `limit` of
    /// those `keep` accepts. Throws `.corrupt`/`.io` when the block cannot be read.
    func documents(index: String, value: String, limit: Int = .max, keep: (UInt32) -> Bool) throws -> [UInt32] {
        guard limit > 0, let number = sectionNumbers[index] else { return [] }
        let section = sections[number]
        var value = value
        return try value.withUTF8 { utf8 -> [UInt32] in
            let wanted = UnsafeRawBufferPointer(utf8)
            let hash = slotHash(wanted)
            guard section.bloom.mayContain(hash: hash) else { return [] }
            // The last block whose first key is not after `wanted`'s.
            var low = 0, high = section.blockOffsets.count
            while low < high {
                let mid = (low + high) / 2
                if section.firstValue(mid, { Self.compare(section.firstHashes[mid], $0, hash, wanted) }) <= 0 { low = mid + 1 } else { high = mid }
            }
            guard low > 0 else { return [] }
            let block = try readBlock(number, low - 1)
            var found: [UInt32] = []
            block.withUnsafeBytes { raw in
                Self.entries(raw) { candidateHash, candidate, ids in
                    let order = Self.compare(candidateHash, candidate, hash, wanted)
                    guard order >= 0 else { return true }
                    if order == 0 {
                        for i in 0..<(ids.count / 4) {
                            let id = UInt32(littleEndian: ids.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                            if keep(id) {
                                found.append(id)
                                if found.count == limit { break }
                            }
                        }
                    }
                    return false
                }
            }
            return found
        }
    }

    /// The file's order of two keys (hash, then value bytes): < 0, 0 or > 0.
    @inline(__always)
    static func compare(_ hashA: UInt32, _ a: UnsafeRawBufferPointer, _ hashB: UInt32, _ b: UnsafeRawBufferPointer) -> Int {
        hashA != hashB ? (hashA < hashB ? -1 : 1) : compare(a, b)
    }

    /// Byte order of two values: < 0, 0 or > 0.
    @inline(__always)
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0 {
            let order = memcmp(a.baseAddress!, b.baseAddress!, n)
            if order != 0 { return Int(order) }
        }
        return a.count - b.count
    }
}

/// Writes the next term file (`TermFile`): the postings of the previous one that still hold,
/// merged with the in-memory terms being moved to disk, value by value in key order (hash,
/// then bytes). Memory stays at one output chunk, one block of the old file, the sorted keys
/// of the in-memory terms (8 bytes a value) and the new file's directory and filters: the old
/// file is streamed, never loaded.
///
/// Classes, not structs: the merge's closures write through them, and a struct captured by a
/// closure inside its own mutating method is copied in and out, which made every append copy
/// the 1 MiB output buffer (60 % of a 300k-entry catch-up's term file writing went to `memmove`).
final class TermFileWriter {
    private let file: StoreFile
    private var position = UInt64(TermFile.headerSize)
    /// Bytes gathered for the next `pwrite`.
    private var pending = ByteWriter(capacity: TermFileWriter.chunk + 4096)
    private var pendingStart = UInt64(TermFile.headerSize)
    private var directory = ByteWriter()
    static let chunk = 1 << 20

    /// Writes term file `number` at `path` (created or truncated) from the postings of `old`
    /// whose documents `keepOld` accepts and all of `frozen`'s (index names `frozenNames`),
    /// and makes it durable (`fdatasync`). Returns its size. The caller renames it into place.
    static func write(to path: String, number: UInt64, merging old: TermFile?, keepingOld keepOld: (UInt32) -> Bool,
                      frozenNames: [String], frozen: [TermTable]) throws -> UInt64 {
        let file = try StoreFile.open(path, create: true, truncate: true)
        let writer = TermFileWriter(file: file)
        var names = Set(old?.sections.map(\.name) ?? [])
        for (name, table) in zip(frozenNames, frozen) where table.count > 0 { names.insert(name) }
        let ordered = names.sorted { a, b in
            var a = a, b = b
            return a.withUTF8 { x in b.withUTF8 { y in TermFile.compare(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) < 0 } }
        }
        var sectionCount: UInt32 = 0
        var sections = ByteWriter()
        for name in ordered {
            let table = frozenNames.firstIndex(of: name).map { frozen[$0] }
            let wrote = try writer.writeSection(name, old: old, oldSection: old?.section(named: name), keepOld: keepOld, frozen: table)
            if let wrote {
                sections.write(wrote)
                sectionCount += 1
            }
        }
        writer.directory.write(sectionCount)
        writer.directory.write(sections.bytes)
        return try writer.finish(number: number)
    }

    private init(file: StoreFile) {
        self.file = file
    }

    /// One index name's blocks; returns its directory entry, or nil when no posting of it is left.
    private func writeSection(_ name: String, old: TermFile?, oldSection: Int?, keepOld: (UInt32) -> Bool,
                              frozen: TermTable?) throws -> [UInt8]? {
        let expected = (oldSection.map { old!.sections[$0].valueCount } ?? 0) + (frozen?.count ?? 0)
        let section = SectionWriter(bloom: TermBloom(expected: expected))
        let keys = frozen?.keyOrder() ?? []
        var next = 0
        var ids: [UInt32] = []
        var scratch: [UInt8] = []
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        /// The file's order of in-memory value `k` and (hash, value).
        func order(_ k: Int, _ hash: UInt32, _ value: UnsafeRawBufferPointer) -> Int {
            if keys[k].hash != hash { return keys[k].hash < hash ? -1 : 1 }
            return frozen!.withValueParts(keys[k].number) { head, rest in NameArena.byteOrder((head, rest), (value, none)).sign }
        }
        // The in-memory values before (hash, value) (all of them when nil), in order.
        func emitFrozen(before bound: (UInt32, UnsafeRawBufferPointer)?) throws {
            guard let frozen else { return }
            while next < keys.count {
                if let (hash, value) = bound, order(next, hash, value) >= 0 { return }
                let (hash, number) = keys[next]
                scratch.removeAll(keepingCapacity: true)
                frozen.withValueParts(number) { head, rest in
                    scratch.append(contentsOf: head)
                    scratch.append(contentsOf: rest)
                }
                let documents = frozen.documents(ofNumber: number)
                try scratch.withUnsafeBytes { try section.add(hash, $0, documents, into: self) }
                next += 1
            }
        }
        if let old, let oldSection {
            try old.forEachValue(section: oldSection) { hash, value, raw in
                try emitFrozen(before: (hash, value))
                ids.removeAll(keepingCapacity: true)
                for i in 0..<(raw.count / 4) {
                    let id = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                    if keepOld(id) { ids.append(id) }
                }
                // The same value in memory: one entry with the documents of both (never the
                // same document in both: a document's terms are in one place at a time).
                if let frozen, next < keys.count, order(next, hash, value) == 0 {
                    ids = TermFileWriter.union(ids, frozen.documents(ofNumber: keys[next].number))
                    next += 1
                }
                if !ids.isEmpty { try section.add(hash, value, ids, into: self) }
            }
        }
        try emitFrozen(before: nil)
        try section.closeBlock(into: self)
        guard section.values > 0 else { return nil }
        var entry = ByteWriter()
        entry.write(UInt16(name.utf8.count))
        entry.write(utf8: name)
        entry.write(UInt64(section.values))
        entry.write(UInt64(section.postings))
        entry.write(UInt32(section.bloom.words.count))
        entry.write(section.bloom.probes)
        for word in section.bloom.words { entry.write(word) }
        entry.write(UInt32(section.blockCount))
        entry.write(section.blocks.bytes)
        return entry.bytes
    }

    /// Two ascending id lists as one, without repeats.
    static func union(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var merged: [UInt32] = []
        merged.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) {
                merged.append(a[i]); i += 1
            } else if i == a.count || b[j] < a[i] {
                merged.append(b[j]); j += 1
            } else {
                merged.append(a[i]); i += 1; j += 1
            }
        }
        return merged
    }

    /// The blocks of one section as they are written.
    private final class SectionWriter {
        var bloom: TermBloom
        var block = ByteWriter(capacity: TermFile.blockTarget + 4096)
        var firstHash: UInt32 = 0
        var firstValue: [UInt8] = []
        /// Directory entries of the blocks written: offset, length, first value.
        var blocks = ByteWriter()
        var blockCount = 0
        var values = 0
        var postings = 0

        init(bloom: TermBloom) {
            self.bloom = bloom
        }

        func add(_ hash: UInt32, _ value: UnsafeRawBufferPointer, _ ids: [UInt32], into writer: TermFileWriter) throws {
            let size = 12 + value.count + 4 * ids.count
            if block.count > TermFile.blockHeaderSize && block.count + size > TermFile.blockTarget {
                try closeBlock(into: writer)
            }
            if block.count == 0 {
                block.write(UInt32(0))
                block.write(UInt32(0))
                firstHash = hash
                firstValue = [UInt8](value)
            }
            block.write(hash)
            block.write(UInt32(value.count))
            block.write(value)
            block.write(UInt32(ids.count))
            for id in ids { block.write(id) }
            bloom.insert(hash: hash)
            values += 1
            postings += ids.count
        }

        func closeBlock(into writer: TermFileWriter) throws {
            guard block.count > TermFile.blockHeaderSize else { return }
            block.set(UInt32(block.count), at: 0)
            block.set(checksum(block.bytes, from: TermFile.blockHeaderSize, to: block.count), at: 4)
            let offset = try writer.append(block.bytes)
            blocks.write(offset)
            blocks.write(UInt32(block.count))
            blocks.write(firstHash)
            blocks.write(UInt32(firstValue.count))
            blocks.write(firstValue)
            blockCount += 1
            block.bytes.removeAll(keepingCapacity: true)
        }
    }

    /// Appends bytes after the blocks written so far; returns where they start.
    private func append(_ bytes: [UInt8]) throws -> UInt64 {
        let at = position
        pending.write(bytes)
        position += UInt64(bytes.count)
        if pending.count >= Self.chunk { try flush() }
        return at
    }

    private func flush() throws {
        guard pending.count > 0 else { return }
        try file.write(pending.bytes, at: pendingStart)
        pendingStart += UInt64(pending.count)
        pending.bytes.removeAll(keepingCapacity: true)
    }

    /// Writes the directory, the footer and the header, and syncs.
    private func finish(number: UInt64) throws -> UInt64 {
        let directoryOffset = position
        let directoryBytes = directory.bytes
        _ = try append(directoryBytes)
        var footer = ByteWriter()
        footer.write(directoryOffset)
        footer.write(UInt32(directoryBytes.count))
        footer.write(checksum(directoryBytes, from: 0, to: directoryBytes.count))
        _ = try append(footer.bytes)
        try flush()
        var header = ByteWriter()
        header.write(TermFile.magic)
        header.write(TermFile.formatVersion)
        header.write(UInt32(0))
        header.write(number)
        header.write(UInt32(0))
        header.write(checksum(header.bytes, from: 0, to: 28))
        try file.write(header.bytes, at: 0)
        try file.syncData()
        return position
    }
}

/// The durable copy of the in-memory index (`index.ssi`), so opening a store loads it and
/// replays only the data written after it instead of reading every document. It is a cache:
/// when it is missing, damaged or names another data file, the index is rebuilt from the data.
/// Layout (little endian):
///
///     0  magic               u64  "SSINDEX1"
///     8  formatVersion       u32  2
///     12 reserved            u32  0
///     16 dataGeneration      u64  the data file it describes
///     24 dataPosition        u64  data-file bytes it covers; replay starts here
///     32 lastAppliedSequence u64
///     40 doctypeCount        u32
///     44 termIndexCount      u32  index names with terms in memory (hot)
///     48 documentCount       u64
///     56 idBound             u32  every document id is below it
///     60 reserved            u32  0
///     64 termFile            u64  the number of the term file it goes with (`TermFile`), 0: none
///     72 per DocType: nameLength u16, name, entryCount u32, entryCount × (nameLength u16,
///        name, id u32, offset u64, length u32, flags u8), in name order; flags: 2 the record
///        carries terms, 4 they are in the term file
///        per term index: nameLength u16, name, valueCount u32,
///        valueCount × (valueLength u32, value, postingCount u32, postingCount × id u32)
///     end-4 crc32            u32  over every byte before it
///
/// Ids are kept (version 1 renumbered documents in the order above) because the term file
/// lists documents by id. A version 1 snapshot is not read: the index is rebuilt from the
/// data file once, and the next snapshot is version 2.
enum IndexSnapshot {
    static let magic: UInt64 = 0x3158_4544_4E49_5353 // "SSINDEX1" in file order
    static let formatVersion: UInt32 = 2
    static let headerSize = 72
    static let hasTermsFlag: UInt8 = 2
    static let coldTermsFlag: UInt8 = 4
    static let fileName = "index.ssi"

    struct Loaded {
        var index: StoreIndex
        var generation: UInt64
        var position: UInt64
        var lastAppliedSequence: UInt64
        /// The term file the snapshot goes with (0: none); the caller opens it.
        var termFile: UInt64
    }

    /// Serializes the index; `index` must be merged (names in order) first.
    static func encode(_ index: StoreIndex, generation: UInt64, position: UInt64, lastAppliedSequence: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(index, generation: generation, position: position, lastAppliedSequence: lastAppliedSequence) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The most bytes `emit` is handed at a time, but for a single name or value longer than
    /// this, which is handed over alone.
    static let chunkSize = 1 << 20

    /// Serializes the index into `emit`, at most `chunkSize` bytes a call, in order; returns the
    /// snapshot's size. The snapshot of a million documents is a couple of hundred megabytes:
    /// building it whole in memory doubled the index's footprint at every checkpoint, so it is
    /// handed out as it is encoded and memory stays at one chunk.
    @discardableResult
    static func encode(_ index: StoreIndex, generation: UInt64, position: UInt64, lastAppliedSequence: UInt64,
                       emit: (UnsafeRawBufferPointer) -> Void) -> Int {
        // Called only while this function runs; the closures passed to `forEachRaw` use it.
        withoutActuallyEscaping(emit) { emit in encode(index, generation: generation, position: position, lastAppliedSequence: lastAppliedSequence, escaping: emit) }
    }

    private static func encode(_ index: StoreIndex, generation: UInt64, position: UInt64, lastAppliedSequence: UInt64,
                               escaping emit: @escaping (UnsafeRawBufferPointer) -> Void) -> Int {
        let writer = ChunkWriter(capacity: chunkSize, emit: emit)
        defer { writer.release() }
        writer.write(magic)
        writer.write(formatVersion)
        writer.write(UInt32(0))
        writer.write(generation)
        writer.write(position)
        writer.write(lastAppliedSequence)
        writer.write(UInt32(index.doctypeNames.count))
        writer.write(UInt32(index.termTables.filter { $0.count > 0 }.count))
        writer.write(UInt64(index.liveCount))
        writer.write(UInt32(index.entries.count))
        writer.write(UInt32(0))
        writer.write(index.termFile?.number ?? 0)
        precondition(index.frozenTerms == nil, "an index snapshot while a term file is being written")
        index.entries.withUnsafeBufferPointer { entries in
            for (doctype, name) in index.doctypeNames.enumerated() {
                let table = index.tables[doctype]
                writer.write(UInt16(name.utf8.count))
                writer.write(utf8: name)
                writer.write(UInt32(table.sorted.count))
                for id in table.sorted {
                    let entry = entries[Int(id)]
                    index.names.withParts(entry.name) { head, rest in
                        writer.write(UInt16(head.count + rest.count))
                        writer.write(head)
                        writer.write(rest)
                    }
                    writer.write(id)
                    writer.write(entry.offset)
                    writer.write(entry.length == StoreIndex.Entry.longLength ? index.length(of: id) : entry.length)
                    writer.write((entry.hasTerms ? hasTermsFlag : 0) | (entry.termTier == StoreIndex.Entry.cold ? coldTermsFlag : 0))
                }
            }
        }
        for (indexName, table) in zip(index.termNames, index.termTables) where table.count > 0 {
            writer.write(UInt16(indexName.utf8.count))
            writer.write(utf8: indexName)
            writer.write(UInt32(table.count))
            table.forEachRaw { value, count, visit in
                writer.write(UInt32(value.count))
                writer.write(value)
                writer.write(UInt32(count))
                visit { id in writer.write(id) }
            }
        }
        return writer.finish()
    }

    /// Where `encode` puts the snapshot's bytes: a buffer of `capacity` bytes handed to `emit`
    /// whenever the next write would overflow it, with the crc32 of everything handed over so far. A class with
    /// a raw buffer, not an array it appends to: the encoder writes a few bytes at a time, tens
    /// of millions of times for a large store, under the store's lock, and an array's append
    /// (capacity and uniqueness checks, the closures' exclusivity checks) cost more than the
    /// writing itself.
    private final class ChunkWriter {
        private let buffer: UnsafeMutableRawBufferPointer
        private let capacity: Int
        private var count = 0
        private var crc: UInt32 = 0
        private var emitted = 0
        private let emit: (UnsafeRawBufferPointer) -> Void

        init(capacity: Int, emit: @escaping (UnsafeRawBufferPointer) -> Void) {
            self.capacity = capacity
            buffer = .allocate(byteCount: capacity, alignment: 8)
            self.emit = emit
        }

        func release() { buffer.deallocate() }

        /// Hands the buffered bytes to `emit`.
        func flush() {
            guard count > 0 else { return }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            crc = checksum(bytes, seed: crc)
            emit(bytes)
            emitted += count
            count = 0
        }

        @inline(__always)
        func write<T: FixedWidthInteger>(_ value: T) {
            if count + MemoryLayout<T>.size > capacity { flush() }
            buffer.storeBytes(of: value.littleEndian, toByteOffset: count, as: T.self)
            count += MemoryLayout<T>.size
        }

        func write(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count > 0 else { return }
            if count + bytes.count > capacity {
                flush()
                if bytes.count > capacity {
                    // Larger than a chunk (a very long value): handed over on its own.
                    crc = checksum(bytes, seed: crc)
                    emit(bytes)
                    emitted += bytes.count
                    return
                }
            }
            buffer.baseAddress!.advanced(by: count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            count += bytes.count
        }

        func write(utf8 string: String) {
            var string = string
            string.withUTF8 { write(UnsafeRawBufferPointer($0)) }
        }

        /// Hands over the rest and the crc32 of everything; returns the snapshot's size.
        func finish() -> Int {
            flush()
            let total = emitted
            write(crc)
            emit(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            return total + count
        }
    }

    /// Parses a snapshot; throws a `.badFormat`/`.corrupt` error naming `path` when it is not
    /// a whole, intact snapshot.
    static func decode(_ bytes: [UInt8], path: String) throws -> Loaded {
        func damaged(_ why: String, _ offset: Int) -> SnapshotStoreError {
            SnapshotStoreError(.corrupt, "index snapshot unreadable: \(why)", file: path, offset: UInt64(offset))
        }
        return try bytes.withUnsafeBytes { raw -> Loaded in
            guard raw.count >= headerSize + 4 else { throw damaged("file too short (\(raw.count) bytes)", 0) }
            var reader = ByteReader(raw)
            guard reader.read(UInt64.self) == magic else { throw SnapshotStoreError(.badFormat, "not an index snapshot (bad magic)", file: path, offset: 0) }
            guard reader.read(UInt32.self) == formatVersion else { throw SnapshotStoreError(.badFormat, "unknown index snapshot version", file: path, offset: 8) }
            let stored = reader.get(UInt32.self, at: raw.count - 4)!
            guard stored == checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 4)])) else {
                throw damaged("checksum mismatch", raw.count - 4)
            }
            let body = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 4)])
            reader = ByteReader(body, position: 16)
            let generation = reader.read(UInt64.self)!, position = reader.read(UInt64.self)!
            let sequence = reader.read(UInt64.self)!
            let doctypeCount = reader.read(UInt32.self)!, termCount = reader.read(UInt32.self)!
            let documentCount = reader.read(UInt64.self)!
            let idBound = reader.read(UInt32.self)!
            _ = reader.read(UInt32.self)
            let termFile = reader.read(UInt64.self)!
            guard documentCount <= UInt64(idBound) else { throw damaged("bad document count", 48) }
            var index = StoreIndex()
            var present = [Bool](repeating: false, count: Int(idBound))
            index.entries = [StoreIndex.Entry](repeating: .init(name: NameArena.empty, offset: 0, length: 0, doctype: 0, flags: 0),
                                                count: Int(idBound))
            for _ in 0..<doctypeCount {
                guard let length = reader.read(UInt16.self), let doctype = reader.readString(count: Int(length)),
                      let count = reader.read(UInt32.self), Int(count) <= reader.remaining / 15
                else { throw damaged("bad DocType section", reader.position) }
                let id = index.internDoctype(doctype)
                var table = StoreIndex.Table()
                table.ids.reserve(Int(count))
                table.sorted.reserveCapacity(Int(count))
                for _ in 0..<count {
                    guard let nameLength = reader.read(UInt16.self), reader.remaining >= Int(nameLength) else {
                        throw damaged("bad entry of \(doctype)", reader.position)
                    }
                    let name = UnsafeRawBufferPointer(rebasing: body[reader.position..<(reader.position + Int(nameLength))])
                    _ = reader.skip(Int(nameLength))
                    guard let documentID = reader.read(UInt32.self), let offset = reader.read(UInt64.self),
                          let length = reader.read(UInt32.self), let flags = reader.read(UInt8.self)
                    else { throw damaged("bad entry of \(doctype)", reader.position) }
                    guard documentID < idBound, !present[Int(documentID)] else { throw damaged("document id out of range or repeated", reader.position - 17) }
                    guard offset <= StoreIndex.Entry.maximumOffset else { throw damaged("offset out of range", reader.position) }
                    guard flags & coldTermsFlag == 0 || termFile != 0 else { throw damaged("terms in a term file, but none named", reader.position - 1) }
                    present[Int(documentID)] = true
                    var entry = StoreIndex.Entry(name: index.names.add(name), offset: offset, length: length, doctype: id,
                                                 flags: StoreIndex.Entry.live | (flags & hasTermsFlag != 0 ? StoreIndex.Entry.hasTerms : 0))
                    entry.termTier = flags & coldTermsFlag != 0 ? StoreIndex.Entry.cold : StoreIndex.Entry.hot
                    index.entries[Int(documentID)] = entry
                    if length >= StoreIndex.Entry.longLength { index.longLengths[documentID] = length }
                    table.ids.insert(hash: slotHash(name), number: documentID)
                    table.sorted.append(documentID)
                    index.liveBytes += UInt64(length)
                }
                index.liveCount += Int(count)
                index.tables[Int(id)] = table
            }
            index.freeIDs = (0..<idBound).reversed().filter { !present[Int($0)] }
            for _ in 0..<termCount {
                guard let length = reader.read(UInt16.self), let indexName = reader.readString(count: Int(length)),
                      let valueCount = reader.read(UInt32.self)
                else { throw damaged("bad term section", reader.position) }
                var table = TermTable()
                table.reserve(Int(min(valueCount, UInt32(reader.remaining / 9))), bytes: 0)
                for _ in 0..<valueCount {
                    guard let valueLength = reader.read(UInt32.self), Int(valueLength) <= reader.remaining else {
                        throw damaged("bad value of \(indexName)", reader.position)
                    }
                    let value = UnsafeRawBufferPointer(rebasing: body[reader.position..<(reader.position + Int(valueLength))])
                    _ = reader.skip(Int(valueLength))
                    guard let postingCount = reader.read(UInt32.self), postingCount > 0, Int(postingCount) <= reader.remaining / 4 else {
                        throw damaged("bad postings of \(indexName)", reader.position)
                    }
                    let ids = UnsafeRawBufferPointer(rebasing: body[reader.position..<(reader.position + 4 * Int(postingCount))])
                    for i in 0..<Int(postingCount) {
                        let id = UInt32(littleEndian: ids.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                        guard id < idBound, present[Int(id)], index.entries[Int(id)].termTier == StoreIndex.Entry.hot else {
                            throw damaged("posting of a document that is not there or whose terms are elsewhere", reader.position + 4 * i)
                        }
                    }
                    _ = reader.skip(4 * Int(postingCount))
                    table.load(value, documents: ids, count: Int(postingCount))
                }
                index.termSlots.insert(hash: slotHash(indexName), number: UInt32(index.termNames.count))
                index.termNames.append(indexName)
                index.termTables.append(table)
            }
            guard reader.remaining == 0 else { throw damaged("trailing bytes", reader.position) }
            return Loaded(index: index, generation: generation, position: position, lastAppliedSequence: sequence, termFile: termFile)
        }
    }
}

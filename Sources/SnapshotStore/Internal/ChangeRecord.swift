/// One change inside a batch, self-contained and position independent (a compaction copies it
/// byte for byte into a new file). A document read is one `pread` of this whole record.
/// Layout (little endian):
///
///     0  crc32          u32  over bytes [4, length)
///     4  length         u32  total bytes of the record
///     8  kind           u8   1 put, 2 delete
///     9  reserved       u8   0
///     10 doctypeLength  u16
///     12 nameLength     u16
///     14 termCount      u16
///     16 documentLength u32
///     20 doctype, name (UTF-8)
///        terms: termCount × (indexLength u16, valueLength u32, index, value)
///        document bytes
enum ChangeRecord {
    static let headerSize = 20
    static let put: UInt8 = 1
    static let delete: UInt8 = 2

    static func encode(_ change: StoreChange, into writer: inout ByteWriter) throws {
        switch change {
        case .put(let key, let document, let terms):
            try encodePut(key, document, terms, into: &writer)
        case .delete(let key):
            try validate(key)
            let start = writer.count
            writer.writeHeader(kind: delete, doctypeLength: key.doctype.utf8.count, nameLength: key.name.utf8.count, termCount: 0, documentLength: 0)
            writer.write(utf8: key.doctype)
            writer.write(utf8: key.name)
            finish(&writer, from: start)
        }
    }

    /// The header is written in one piece, and each string straight from its storage: a
    /// rebuild encodes a million records, and writing field by field (a uniqueness check of
    /// the buffer each) and copying each `String` to reach its bytes (a retain and a release
    /// each) was a third of the encoding.
    private static func encodePut(_ key: DocumentKey, _ document: [UInt8], _ terms: [IndexTerm], into writer: inout ByteWriter) throws {
        try validate(key)
        guard terms.count <= Int(UInt16.max) else {
            throw SnapshotStoreError(.invalidArgument, "document \(key) carries \(terms.count) index terms; at most \(UInt16.max)")
        }
        guard document.count <= BatchFrame.maximumLength else {
            throw SnapshotStoreError(.invalidArgument, "document \(key) is \(document.count) bytes; at most \(BatchFrame.maximumLength)")
        }
        let start = writer.count
        writer.writeHeader(kind: put, doctypeLength: key.doctype.utf8.count, nameLength: key.name.utf8.count,
                           termCount: terms.count, documentLength: document.count)
        writer.write(utf8: key.doctype)
        writer.write(utf8: key.name)
        for term in terms {
            let indexLength = term.index.utf8.count, valueLength = term.value.utf8.count
            guard indexLength <= Int(UInt16.max), indexLength > 0 else {
                throw SnapshotStoreError(.invalidArgument, "document \(key): index name must be 1…\(UInt16.max) bytes, got \(indexLength)")
            }
            guard valueLength <= BatchFrame.maximumLength else {
                throw SnapshotStoreError(.invalidArgument, "document \(key): index value of \(term.index) is too long")
            }
            writer.write(UInt16(indexLength))
            writer.write(UInt32(valueLength))
            writer.write(utf8: term.index)
            writer.write(utf8: term.value)
        }
        writer.bytes.append(contentsOf: document)
        finish(&writer, from: start)
    }

    /// Sets the record's length and crc32, now that its bytes are written.
    private static func finish(_ writer: inout ByteWriter, from start: Int) {
        writer.set(UInt32(writer.count - start), at: start + 4)
        writer.set(checksum(writer.bytes, from: start + 4, to: writer.count), at: start)
    }

    /// The bytes `encode` will write for `change`.
    static func encodedSize(_ change: StoreChange) -> Int {
        let key = change.key
        var size = headerSize + key.doctype.utf8.count + key.name.utf8.count
        if case .put(_, let document, let terms) = change {
            size += document.count
            for term in terms { size += 6 + term.index.utf8.count + term.value.utf8.count }
        }
        return size
    }

    /// Whether the record at the start of `buffer` (exactly its bytes) matches its crc32.
    static func checksumMatches(_ buffer: UnsafeRawBufferPointer) -> Bool {
        let reader = ByteReader(buffer)
        guard let stored = reader.get(UInt32.self, at: 0), let length = reader.get(UInt32.self, at: 4),
              Int(length) == buffer.count
        else { return false }
        return stored == checksum(UnsafeRawBufferPointer(rebasing: buffer[4..<Int(length)]))
    }

    static func validate(_ key: DocumentKey) throws {
        let doctypeLength = key.doctype.utf8.count, nameLength = key.name.utf8.count
        guard doctypeLength > 0, doctypeLength <= Int(UInt16.max), nameLength > 0, nameLength <= Int(UInt16.max) else {
            throw SnapshotStoreError(.invalidArgument, "document key \(key): doctype and name must each be 1…\(UInt16.max) bytes of UTF-8")
        }
    }

    /// A decoded change record. `document` is the byte range of the document within the
    /// buffer it was decoded from.
    struct Decoded {
        var kind: UInt8
        var key: DocumentKey
        var terms: [IndexTerm]
        var document: Range<Int>
        var length: Int
    }

    /// Decodes the record at the start of `buffer`, checking its checksum and framing; nil if
    /// either is wrong.
    static func decode(_ buffer: UnsafeRawBufferPointer, withTerms: Bool = true) -> Decoded? {
        var reader = ByteReader(buffer)
        guard let stored = reader.read(UInt32.self), let length = reader.read(UInt32.self),
              Int(length) >= headerSize, Int(length) <= buffer.count,
              stored == checksum(UnsafeRawBufferPointer(rebasing: buffer[4..<Int(length)]))
        else { return nil }
        return decodeUnchecked(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(length)]), withTerms: withTerms)
    }

    /// Decodes a record whose checksum the caller already trusts (it is inside a verified batch).
    static func decodeUnchecked(_ buffer: UnsafeRawBufferPointer, withTerms: Bool = true) -> Decoded? {
        var reader = ByteReader(buffer, position: 4)
        guard let length = reader.read(UInt32.self), Int(length) <= buffer.count,
              let kind = reader.read(UInt8.self), reader.skip(1),
              let doctypeLength = reader.read(UInt16.self), let nameLength = reader.read(UInt16.self),
              let termCount = reader.read(UInt16.self), let documentLength = reader.read(UInt32.self),
              kind == put || kind == delete,
              let doctype = reader.readString(count: Int(doctypeLength)),
              let name = reader.readString(count: Int(nameLength))
        else { return nil }
        var terms: [IndexTerm] = []
        if withTerms { terms.reserveCapacity(Int(termCount)) }
        for _ in 0..<termCount {
            guard let indexLength = reader.read(UInt16.self), let valueLength = reader.read(UInt32.self) else { return nil }
            if withTerms {
                guard let index = reader.readString(count: Int(indexLength)),
                      let value = reader.readString(count: Int(valueLength)) else { return nil }
                terms.append(IndexTerm(index: index, value: value))
            } else {
                guard reader.skip(Int(indexLength) + Int(valueLength)) else { return nil }
            }
        }
        let documentStart = reader.position
        guard reader.skip(Int(documentLength)), reader.position == Int(length) else { return nil }
        return Decoded(kind: kind, key: DocumentKey(doctype: doctype, name: name), terms: terms,
                       document: documentStart..<(documentStart + Int(documentLength)), length: Int(length))
    }
}

extension SnapshotStore {
    /// The current version of a document, or nil if there is none. One `pread` of the
    /// document's record, whose checksum is verified: a damaged record throws `.corrupt`
    /// naming the file and offset.
    public func get(_ key: DocumentKey) throws -> [UInt8]? {
        let found: (StoreFile, StoreIndex.Location)? = try state.withLock { state in
            guard !state.closed else { throw closedError() }
            return state.index.location(of: key).map { (state.file, $0) }
        }
        guard let (file, location) = found else { return nil }
        return try Self.readDocument(key, at: location, in: file)
    }

    /// Whether a document exists (for link checks). No file access.
    public func contains(_ key: DocumentKey) -> Bool {
        state.withLock { $0.index.id(of: key) != nil }
    }

    /// The documents carrying an index term, ordered by DocType then name. No file access.
    public func keys(matching term: IndexTerm) -> [DocumentKey] {
        state.withLock { $0.index.keys(matching: term) }
    }

    /// The number of documents of a DocType. No file access.
    public func count(doctype: String) -> Int {
        state.withLock { $0.index.count(doctype: doctype) }
    }

    /// Up to `limit` names of a DocType in name order, strictly after `after` (from the first
    /// if nil): pages of a list. Name order is Swift's `String` order (byte order for ASCII).
    /// Ordering by other fields is left to the caller (through `scan`) for now.
    public func names(doctype: String, after: String? = nil, limit: Int) -> [String] {
        state.withLock { state in
            state.index.names(doctype: doctype, after: after, limit: limit).map { state.index.entries[Int($0)].name }
        }
    }

    /// Calls `body` with every document of a DocType in name order until it returns false:
    /// filtered lists that the caller evaluates. Reads in pages of 256 documents, so memory
    /// stays bounded; documents written during the scan may or may not be seen, and each one
    /// seen is a whole version.
    public func scan(doctype: String, _ body: (DocumentKey, [UInt8]) throws -> Bool) throws {
        var after: String?
        while true {
            let page: (StoreFile, [(String, StoreIndex.Location)]) = try state.withLock { state in
                guard !state.closed else { throw closedError() }
                let ids = state.index.names(doctype: doctype, after: after, limit: 256)
                return (state.file, ids.map { id in
                    let entry = state.index.entries[Int(id)]
                    return (entry.name, StoreIndex.Location(offset: entry.offset, length: entry.length, hasTerms: entry.hasTerms))
                })
            }
            guard let last = page.1.last else { return }
            for (name, location) in page.1 {
                let key = DocumentKey(doctype: doctype, name: name)
                guard let document = try Self.readDocument(key, at: location, in: page.0) else { continue }
                if try !body(key, document) { return }
            }
            after = last.0
        }
    }

    /// Reads and checks one put record.
    static func readDocument(_ key: DocumentKey, at location: StoreIndex.Location, in file: StoreFile) throws -> [UInt8]? {
        let bytes = try file.read(count: Int(location.length), at: location.offset)
        let document: [UInt8]? = bytes.withUnsafeBytes { raw in
            guard raw.count == Int(location.length),
                  let record = ChangeRecord.decode(raw, withTerms: false),
                  record.kind == ChangeRecord.put, record.key == key
            else { return nil }
            return [UInt8](UnsafeRawBufferPointer(rebasing: raw[record.document]))
        }
        guard let document else {
            throw SnapshotStoreError(.corrupt, "the record of \(key) (\(location.length) bytes) fails its checksum or does not name it",
                                     file: file.path, offset: location.offset)
        }
        return document
    }
}

extension SnapshotStore {
    /// The current version of a document, or nil if there is none. One `pread` of the
    /// document's record, whose checksum is verified: a damaged record throws `.corrupt`
    /// naming the file and offset.
    public func get(_ key: DocumentKey) throws -> [UInt8]? {
        let found: (RecordSource, StoreIndex.Location)? = try state.withLock { state in
            guard !state.closed else { throw closedError() }
            return state.index.location(of: key).map { (Self.source(of: $0, in: state), $0) }
        }
        guard let (source, location) = found else { return nil }
        return try Self.readDocument(key, at: location, from: source)
    }

    /// Whether a document exists (for link checks). No file access.
    public func contains(_ key: DocumentKey) -> Bool {
        // Link checks ask this some thirty times an invoice, mostly about the same documents:
        // those found before are answered without the store's lock (`KnownKeys`).
        let (known, epoch) = knownKeys.lookup(key)
        if known { return true }
        let hash = slotHash(key.name)
        let found = state.withLock { $0.index.id(of: key, nameHash: hash) != nil }
        if found { knownKeys.remember(key, seenAt: epoch) }
        return found
    }

    /// The documents carrying an index term, ordered by DocType then name. At most one
    /// `pread` (of the term file, when its filter cannot rule the value out).
    public func keys(matching term: IndexTerm) -> [DocumentKey] {
        let keys = keys(matching: term, limit: .max)
        return keys.count < 2 ? keys : keys.sorted { ($0.doctype, $0.name) < ($1.doctype, $1.name) }
    }

    /// Up to `limit` of the documents carrying an index term, in no particular order: "is there
    /// one that…" without the cost of listing and sorting them all. At most one `pread`.
    public func keys(matching term: IndexTerm, limit: Int) -> [DocumentKey] {
        // The term file's block is read without the store's lock (readers and writers would
        // wait for the `pread`), then filtered under it; if another term file was put in place
        // meanwhile, the answer is taken again under the lock.
        let file = state.withLock { $0.index.termFile }
        let listed = file.map { StoreIndex.read($0, term) } ?? []
        return state.withLock { state in
            guard state.index.termFile === file else { return state.index.keys(matching: term, limit: limit) }
            var ids = state.index.inMemoryDocuments(with: term, limit: limit)
            if ids.count < limit { ids += state.index.stillCold(listed, limit: limit - ids.count) }
            return ids.map { state.index.key(of: $0) }
        }
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
            state.index.names(doctype: doctype, after: after, limit: limit).map { state.index.name(of: $0) }
        }
    }

    /// Calls `body` with every document of a DocType in name order until it returns false:
    /// filtered lists that the caller evaluates. The order is taken once at the start (four bytes
    /// a document); documents are then looked up and read 256 at a time, so memory stays bounded
    /// and writers are not held up. Documents written during the scan may or may not be seen;
    /// each one seen is a whole version, and none is seen twice.
    public func scan(doctype: String, _ body: (DocumentKey, [UInt8]) throws -> Bool) throws {
        let (order, doctypeID): ([UInt32], UInt16?) = try state.withLock { state in
            guard !state.closed else { throw closedError() }
            guard let id = state.index.doctypeIDs[doctype] else { return ([], nil) }
            state.index.merge(doctype: id)
            return (state.index.tables[Int(id)].sorted, id)
        }
        guard let doctypeID else { return }
        for pageStart in stride(from: 0, to: order.count, by: 256) {
            let page: [(String, StoreIndex.Location, RecordSource)] = try state.withLock { state in
                guard !state.closed else { throw closedError() }
                var found: [(String, StoreIndex.Location, RecordSource)] = []
                found.reserveCapacity(256)
                for id in order[pageStart..<min(pageStart + 256, order.count)] {
                    let entry = state.index.entries[Int(id)]
                    // Deleted since the start, or the id now names another document: skip.
                    guard entry.isLive, entry.doctype == doctypeID else { continue }
                    let location = state.index.location(of: id)
                    found.append((state.index.names.string(entry.name), location, Self.source(of: location, in: state)))
                }
                return found
            }
            for (name, location, source) in page {
                let key = DocumentKey(doctype: doctype, name: name)
                let document = try Self.readDocument(key, at: location, from: source)
                if try !body(key, document) { return }
            }
        }
    }

    /// Reads and checks one put record.
    static func readDocument(_ key: DocumentKey, at location: StoreIndex.Location, from source: RecordSource) throws -> [UInt8] {
        let bytes: [UInt8]
        let path: String
        switch source {
        case .buffered(let buffered):
            bytes = buffered
            path = "(write buffer)"
        case .file(let file):
            bytes = try file.read(count: Int(location.length), at: location.offset)
            path = file.path
        }
        let document: [UInt8]? = bytes.withUnsafeBytes { raw in
            guard raw.count == Int(location.length),
                  let record = ChangeRecord.decode(raw, withTerms: false),
                  record.kind == ChangeRecord.put, record.key == key
            else { return nil }
            return [UInt8](UnsafeRawBufferPointer(rebasing: raw[record.document]))
        }
        guard let document else {
            throw SnapshotStoreError(.corrupt, "the record of \(key) (\(location.length) bytes) fails its checksum or does not name it",
                                     file: path, offset: location.offset)
        }
        return document
    }
}

extension SnapshotStore {
    /// What the in-memory index holds, part by part, in bytes of heap (array capacities, not
    /// counts, plus an estimate of each heap block's header): so the cost of a document, a
    /// name or an index term can be measured rather than guessed. Takes the store's lock for
    /// one pass over the posting sets (milliseconds for a million documents).
    public var indexFootprint: IndexFootprint {
        state.withLock { $0.index.footprint }
    }
}

/// The in-memory index's heap, by part (`SnapshotStore.indexFootprint`).
public struct IndexFootprint: Sendable, CustomStringConvertible {
    /// One index name's postings (`"linkto"`, `"unique:Customer.email_id"`, …).
    public struct Terms: Sendable {
        public var index: String
        /// Distinct values, and (value, document) pairs.
        public var values: Int
        public var postings: Int
        /// The values' bytes.
        public var valueBytes: Int
        /// Finding a value and its only document: hash slots, spans, single postings.
        public var lookupBytes: Int
        /// The posting sets of values carried by more than one document.
        public var setBytes: Int

        public var bytes: Int { valueBytes + lookupBytes + setBytes }
    }

    public var documents: Int
    /// The per-document records (where the current version lies, its DocType, its name's place).
    public var entryBytes: Int
    /// The names' bytes.
    public var nameBytes: Int
    /// Finding a document by name: per-DocType hash slots.
    public var lookupBytes: Int
    /// Per-DocType name order and ids waiting for reuse.
    public var orderBytes: Int
    /// The index terms held in memory: those of documents changed since the last term file
    /// was written (and, while the next one is written, the frozen ones).
    public var terms: [Terms]
    /// The term file (`TermFile`): postings on disk, its size, and what its directory and
    /// Bloom filters hold in memory.
    public var termFilePostings = 0
    public var termFileSize = 0
    public var termFileMemory = 0

    public var termBytes: Int { terms.reduce(0) { $0 + $1.bytes } }
    public var bytes: Int { entryBytes + nameBytes + lookupBytes + orderBytes + termBytes + termFileMemory }

    public var description: String {
        func mb(_ n: Int) -> String { String(Double(n / 10_000) / 100) + " MB" }
        var lines = ["\(documents) documents, \(mb(bytes)) in all (\(documents == 0 ? 0 : bytes / documents) B a document)",
                     "  entries \(mb(entryBytes)), names \(mb(nameBytes)), name lookup \(mb(lookupBytes)), name order \(mb(orderBytes))"]
        if termFileSize > 0 {
            lines.append("  term file: \(termFilePostings) postings, \(mb(termFileSize)) on disk, \(mb(termFileMemory)) in memory (directory, filters)")
        }
        for t in terms.sorted(by: { $0.bytes > $1.bytes }) {
            lines.append("  \(t.index): \(t.values) values, \(t.postings) postings: \(mb(t.bytes)) (values \(mb(t.valueBytes)), lookup \(mb(t.lookupBytes)), sets \(mb(t.setBytes)))")
        }
        return lines.joined(separator: "\n")
    }
}

extension StoreIndex {
    /// Bytes a heap block costs beyond its elements: a Swift array's 32-byte header and
    /// malloc's 16 bytes of bookkeeping and rounding (an estimate).
    static let heapOverhead = 48

    var footprint: IndexFootprint {
        var lookup = 0, order = freeIDs.capacity * 4
        for table in tables {
            lookup += table.ids.allocatedBytes
            order += (table.sorted.capacity + table.pending.capacity + table.limbo.capacity) * 4
        }
        let tables = zip(termNames, termTables) + (frozenTerms.map { zip($0.names, $0.tables).map { ($0, $1) } } ?? [])
        let terms = tables.map { name, table in
            let f = table.footprint
            return IndexFootprint.Terms(index: name, values: table.count, postings: f.postings, valueBytes: f.values,
                                        lookupBytes: f.lookup, setBytes: f.sets)
        }
        var footprint = IndexFootprint(documents: liveCount, entryBytes: entries.capacity * MemoryLayout<Entry>.stride,
                                       nameBytes: names.allocatedBytes, lookupBytes: lookup, orderBytes: order, terms: terms)
        if let termFile {
            footprint.termFilePostings = termFile.postingCount
            footprint.termFileSize = Int(termFile.size)
            footprint.termFileMemory = termFile.allocatedBytes
        }
        return footprint
    }
}

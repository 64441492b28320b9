import DocumentModel
import EventLog
import Logging
import SiteStreamJSON
import SnapshotStore

/// Brings the snapshot store level with the log on open: folds every entry after the store's
/// checkpoint, in bounded batches, through `DocumentFold`, the same code the live path uses.
struct Leveler {
    let log: EventLog
    let store: SnapshotStore
    let schema: Schema
    let logger: Logger
    var batchEntries = 4096
    var batchBytes = 16 << 20

    /// The store key of the naming-series counters (`{"prefix": last value}`), folded from the
    /// `series` annotations of log entries. `__` DocTypes are never user DocTypes.
    static let seriesKey = DocumentKey(doctype: "__meta", name: "series")

    static func loadSeries(from store: SnapshotStore) throws -> [String: Int] {
        guard let bytes = try store.get(seriesKey) else { return [:] }
        var series: [String: Int] = [:]
        for (k, v) in try JSON(parsing: bytes).objectValue ?? [:] {
            if let n = v.intValue { series[k] = Int(n) }
        }
        return series
    }

    static func seriesDocument(_ series: [String: Int]) -> [UInt8] {
        var o = JSONObject(minimumCapacity: series.count)
        for key in series.keys.sorted() { o.appendUnchecked(key: key, value: .int(Int64(series[key]!))) }
        return JSON.object(o).serialized()
    }

    /// Folds the log tail into the store. Returns the number of entries folded.
    @discardableResult
    func level() throws -> Int {
        let from = store.lastAppliedSequence
        let last = log.lastSequence
        guard from < last else { return 0 }
        if log.firstSequence > from + 1 {
            throw SiteError(.corruptSiteFile,
                            "the store has folded up to entry \(from) but the log now starts at \(log.firstSequence); entries in between were removed, so the store cannot be levelled")
        }
        logger.info("folding log entries \(from + 1)…\(last) into the snapshot store")
        var series = try Self.loadSeries(from: store)
        var cursor: LogCursor? = from == 0 ? nil : try log.cursor(before: from + 1)
        var folded = 0
        while true {
            let batch = try log.read(after: cursor, maxEntries: batchEntries, maxBytes: batchBytes)
            guard batch.count > 0 else { break }
            let records = try batch.records()
            // One slot per document the batch touches, in first-touched order, with its state
            // after the batch. One hash of the key per entry. A Create is kept as its record:
            // its payload is parsed once, when a later entry of the batch needs the document
            // or for its index terms below, and the store gets the payload as it is (the live
            // path stored exactly those bytes).
            var slots: [DocumentKey: Int] = [:]
            var touched: [(key: DocumentKey, state: FoldState)] = []
            var seriesChanged = false
            var replication = ReplicationFold(store: store)
            var count = 0
            slots.reserveCapacity(records.count)
            touched.reserveCapacity(records.count)
            for record in records where record.sequence > from {
                count += 1
                let key = DocumentKey(doctype: record.doctype, name: record.docname)
                let slot = Self.slot(of: key, in: &slots, next: touched.count)
                if slot == touched.count {
                    let before = record.updateType == .create ? nil : try storedDocument(key)
                    touched.append((key, .document(before)))
                }
                if record.updateType == .create {
                    touched[slot].state = .created(record)
                } else {
                    let current = try touched[slot].state.document()
                    touched[slot].state = .document(try DocumentFold.fold(record, into: current))
                }
                let annotations = record.annotations.isEmpty ? EntryAnnotations() : try EntryAnnotations(decoding: record.annotations)
                try replication.fold(doctype: record.doctype, origin: record.origin, annotations)
                for (prefix, value) in annotations.series where value > series[prefix] ?? 0 {
                    series[prefix] = value
                    seriesChanged = true
                }
            }
            var changes: [StoreChange] = try touched.map { entry in
                switch entry.state {
                case .created(let record):
                    Self.storeChange(entry.key, try DocumentFold.fold(record, into: nil), bytes: record.payload, schema: schema)
                case .document(let document):
                    Self.storeChange(entry.key, document, schema: schema)
                }
            }
            changes += replication.changes()
            if seriesChanged {
                changes.append(.put(Self.seriesKey, document: Self.seriesDocument(series), terms: []))
            }
            if let through = records.last?.sequence, through > from {
                try store.apply(changes, throughSequence: through)
                folded += count
            }
            cursor = batch.next
        }
        return folded
    }

    /// The slot of `key`, given `next` (a new slot's number) when the key is new: the
    /// dictionary's defaulting accessor looks the key up and inserts it in one hash.
    static func slot(of key: DocumentKey, in slots: inout [DocumentKey: Int], next: Int) -> Int {
        func read(_ value: inout Int) -> Int { value }
        return read(&slots[key, default: next])
    }

    func storedDocument(_ key: DocumentKey) throws -> Document? {
        guard let bytes = try store.get(key) else { return nil }
        return Document(json: try JSON(parsing: bytes))
    }

    /// The store change for a document's new state (nil: deleted).
    /// `bytes`: the document's serialization when already at hand.
    static func storeChange(_ key: DocumentKey, _ document: Document?, bytes: [UInt8]? = nil, schema: Schema) -> StoreChange {
        guard let document else { return .delete(key) }
        let terms = schema[key.doctype].map { IndexTerms.terms(for: document, doctype: $0, schema: schema) } ?? []
        return .put(key, document: bytes ?? document.json.serialized(), terms: terms)
    }
}

/// A document's state while a batch is folded: as a document (nil: deleted), or still as the
/// Create record that made it, not yet parsed.
enum FoldState: Sendable {
    case document(Document?)
    case created(LogRecord)

    func document() throws -> Document? {
        switch self {
        case .document(let document): document
        case .created(let record): try DocumentFold.fold(record, into: nil)
        }
    }
}

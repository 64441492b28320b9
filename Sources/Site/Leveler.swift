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
            var states: [DocumentKey: Document?] = [:]
            // A document whose last entry in the batch is a Create is stored as that entry's
            // payload: the live path stored exactly those bytes, so no re-serialization.
            var created: [DocumentKey: [UInt8]] = [:]
            var order: [DocumentKey] = []
            var seriesChanged = false
            var replication = ReplicationFold(store: store)
            for record in records where record.sequence > from {
                let key = DocumentKey(doctype: record.doctype, name: record.docname)
                let current: Document?
                if let state = states[key] {
                    current = state
                } else {
                    current = record.updateType == .create ? nil : try storedDocument(key)
                    order.append(key)
                }
                states[key] = .some(try DocumentFold.fold(record, into: current))
                created[key] = record.updateType == .create ? record.payload : nil
                let annotations = record.annotations.isEmpty ? EntryAnnotations() : try EntryAnnotations(decoding: record.annotations)
                try replication.fold(doctype: record.doctype, origin: record.origin, annotations)
                for (prefix, value) in annotations.series where value > series[prefix] ?? 0 {
                    series[prefix] = value
                    seriesChanged = true
                }
            }
            var changes: [StoreChange] = order.map { key in
                Self.storeChange(key, states[key]!, bytes: created[key], schema: schema)
            }
            changes += replication.changes()
            if seriesChanged {
                changes.append(.put(Self.seriesKey, document: Self.seriesDocument(series), terms: []))
            }
            if let through = records.last?.sequence, through > from {
                try store.apply(changes, throughSequence: through)
                folded += records.filter { $0.sequence > from }.count
            }
            cursor = batch.next
        }
        return folded
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

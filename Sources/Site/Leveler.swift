import DocumentModel
import EventLog
import Foundation
import Logging
import SiteStreamJSON
import SnapshotStore

/// Brings the snapshot store level with the log on open: folds every entry after the store's
/// checkpoint, in bounded batches, through `DocumentFold`, the same code the live path uses.
///
/// Two stages on two threads, so a rebuild from a long log uses both cores: a fold thread
/// reads and verifies log batches, parses them and folds them into documents (`LevelFold`);
/// the calling thread computes their index terms, encodes them and applies them to the store,
/// batch by batch in log order. At most `handoffDepth` batches are between the two, so memory
/// stays bounded.
struct Leveler: Sendable {
    let log: EventLog
    let store: SnapshotStore
    let schema: Schema
    let logger: Logger
    var batchEntries = 4096
    var batchBytes = 16 << 20
    /// Folded batches that may wait for the store or be in it at once.
    var handoffDepth = 2
    /// Fold no entry after this one (tests stop a rebuild part way with it).
    var stopAfter = UInt64.max

    /// The store key of the naming-series counters (`{"prefix": last value}`), folded from the
    /// `series` annotations of log entries. `__` DocTypes are never user DocTypes.
    static let seriesKey = DocumentKey(doctype: "__meta", name: "series")

    static func loadSeries(from store: SnapshotStore) throws -> [String: Int] {
        try series(in: store.get(seriesKey))
    }

    /// The counters in a stored series document's bytes (none stored: no counters).
    static func series(in stored: [UInt8]?) throws -> [String: Int] {
        guard let bytes = stored else { return [:] }
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

    /// What the fold thread hands to the applying thread.
    enum Handed: Sendable {
        case batch(FoldedBatch)
        case end
        case failed(any Error)
    }

    /// Folds the log tail into the store. Returns the number of entries folded.
    @discardableResult
    func level() throws -> Int {
        let from = store.lastAppliedSequence
        let last = min(log.lastSequence, stopAfter)
        guard from < last else { return 0 }
        if log.firstSequence > from + 1 {
            throw SiteError(.corruptSiteFile,
                            "the store has folded up to entry \(from) but the log now starts at \(log.firstSequence); entries in between were removed, so the store cannot be levelled")
        }
        logger.info("folding log entries \(from + 1)…\(last) into the snapshot store")
        let series = try Self.loadSeries(from: store)
        let cursor = from == 0 ? nil : try log.cursor(before: from + 1)
        let handoff = BatchHandoff<Handed>(capacity: handoffDepth)
        let foldDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            defer { foldDone.signal() }
            var fold = LevelFold(leveler: self, from: from, through: last, series: series, cursor: cursor)
            do {
                while let batch = try fold.next() {
                    guard handoff.push(.batch(batch)) else { return }
                }
                _ = handoff.push(.end)
            } catch {
                _ = handoff.push(.failed(error))
            }
        }
        // However this ends, the fold thread is stopped and gone before the store is used again.
        defer {
            handoff.cancel()
            foldDone.wait()
        }
        // No automatic index snapshots while levelling (one at the end if due): each would
        // sort and encode the growing index under the store's lock (`holdingAutomaticSnapshots`).
        return try store.holdingAutomaticSnapshots {
            var folded = 0
            while true {
                switch handoff.pop() {
                case .batch(let batch):
                    try store.apply(try batch.prepared(schema: schema))
                    folded += batch.entries
                    handoff.finished()
                case .end:
                    return folded
                case .failed(let error):
                    throw error
                }
            }
        }
    }

    /// The store change for a document's new state (nil: deleted).
    /// `bytes`: the document's serialization when already at hand.
    static func storeChange(_ key: DocumentKey, _ document: Document?, bytes: [UInt8]? = nil, schema: Schema) -> StoreChange {
        guard let document else { return .delete(key) }
        return storeChange(key, document, bytes: bytes, doctype: schema[key.doctype], schema: schema)
    }

    /// The same, with the document's DocType (nil: not in the schema) looked up by the caller.
    static func storeChange(_ key: DocumentKey, _ document: Document, bytes: [UInt8]?, doctype: DocType?, schema: Schema) -> StoreChange {
        let terms = doctype.map { IndexTerms.terms(for: document, doctype: $0, schema: schema) } ?? []
        return .put(key, document: bytes ?? document.json.serialized(), terms: terms)
    }
}

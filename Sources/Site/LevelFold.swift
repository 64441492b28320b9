import DocumentModel
import EventLog
import SiteStreamJSON
import SnapshotStore

/// The fold stage of `Leveler`: reads the log after the store's position a bounded batch at a
/// time, verifies and parses it, and folds it into the new state of each document it touches
/// (`FoldedBatch`). Index terms, serialization and encoding are left to the applying stage,
/// which balances the two threads' work.
///
/// Within a batch, one slot per document the batch touches, in first-touched order, with its
/// state after the batch, so a document created and updated many times in a batch is stored
/// once. A document's state before the batch comes from the batches still on their way to the
/// store (`PendingBatches`), else from the store.
struct LevelFold {
    let leveler: Leveler
    let from: UInt64
    /// The last entry to fold.
    let through: UInt64
    /// The last entry read so far.
    var position: UInt64
    var series: [String: Int]
    var cursor: LogCursor?
    var pending: PendingBatches

    init(leveler: Leveler, from: UInt64, through: UInt64, series: [String: Int], cursor: LogCursor?) {
        self.leveler = leveler
        self.from = from
        self.through = through
        position = from
        self.series = series
        self.cursor = cursor
        pending = PendingBatches(depth: leveler.handoffDepth)
    }

    /// The next batch, folded; nil at the end of the log.
    mutating func next() throws -> FoldedBatch? {
        while position < through {
            let wanted = Int(min(UInt64(leveler.batchEntries), through - position))
            let batch = try leveler.log.read(after: cursor, maxEntries: wanted, maxBytes: leveler.batchBytes)
            guard batch.count > 0 else { return nil }
            cursor = batch.next
            let records = try batch.records()
            guard let last = records.last?.sequence else { return nil }
            position = last
            guard last > from else { continue }
            let folded = try fold(records, through: last)
            pending.add(folded)
            return folded
        }
        return nil
    }

    /// Folds one log batch.
    mutating func fold(_ records: [LogRecord], through last: UInt64) throws -> FoldedBatch {
        var places: [DocumentKey: Int] = [:]
        var documents: [FoldedBatch.Folded] = []
        var seriesChanged = false
        let pending = self.pending, store = leveler.store
        var replication = ReplicationFold(reading: { try pending.bytes($0, store: store) })
        var count = 0
        places.reserveCapacity(records.count)
        documents.reserveCapacity(records.count)
        for record in records where record.sequence > from {
            count += 1
            let key = DocumentKey(doctype: record.doctype, name: record.docname)
            let slot = Self.slot(of: key, in: &places, next: documents.count)
            if record.updateType == .create {
                // The store gets the payload as it is: the live path stored exactly those bytes.
                let document = try DocumentFold.fold(record, into: nil)
                if slot == documents.count {
                    documents.append(.init(key: key, document: document, bytes: record.payload))
                } else {
                    documents[slot] = .init(key: key, document: document, bytes: record.payload)
                }
            } else if record.updateType == .delete {
                if slot == documents.count {
                    documents.append(.init(key: key, document: nil, bytes: nil))
                } else {
                    documents[slot] = .init(key: key, document: nil, bytes: nil)
                }
            } else {
                if slot == documents.count {
                    documents.append(.init(key: key, document: try pending.document(key, store: store), bytes: nil))
                }
                documents[slot] = .init(key: key, document: try DocumentFold.fold(record, into: documents[slot].document), bytes: nil)
            }
            let annotations = record.annotations.isEmpty ? EntryAnnotations() : try EntryAnnotations(decoding: record.annotations)
            try replication.fold(doctype: record.doctype, origin: record.origin, annotations)
            for (prefix, value) in annotations.series where value > series[prefix] ?? 0 {
                series[prefix] = value
                seriesChanged = true
            }
        }
        var others = replication.changes()
        if seriesChanged {
            others.append(.put(Leveler.seriesKey, document: Leveler.seriesDocument(series), terms: []))
        }
        for (i, change) in others.enumerated() { places[change.key] = documents.count + i }
        return FoldedBatch(documents: documents, others: others, places: places, throughSequence: last, entries: count)
    }

    /// The slot of `key`, given `next` (a new slot's number) when the key is new: the
    /// dictionary's defaulting accessor looks the key up and inserts it in one hash.
    static func slot(of key: DocumentKey, in slots: inout [DocumentKey: Int], next: Int) -> Int {
        func read(_ value: inout Int) -> Int { value }
        return read(&slots[key, default: next])
    }
}

/// One log batch folded: the new state of each document it touches, in first-touched order,
/// and the other store keys it changes (replication marks, naming series).
struct FoldedBatch: Sendable {
    struct Folded: Sendable {
        var key: DocumentKey
        /// Nil: deleted.
        var document: Document?
        /// The document's serialization when it is at hand: the payload of a Create.
        var bytes: [UInt8]?
    }

    var documents: [Folded]
    var others: [StoreChange]
    /// Each key's place: an index into `documents`, or `documents.count` + an index into `others`.
    var places: [DocumentKey: Int]
    var throughSequence: UInt64
    /// Log entries folded.
    var entries: Int

    /// The batch as store changes (index terms computed, updated documents serialized), encoded.
    func prepared(schema: Schema) throws -> PreparedBatch {
        var changes: [StoreChange] = []
        changes.reserveCapacity(documents.count + others.count)
        // A batch is mostly one DocType: look it up when it changes, not per document (each
        // lookup copies the DocType, retaining every field of it).
        var doctypeName: String?
        var doctype: DocType?
        for folded in documents {
            guard let document = folded.document else {
                changes.append(.delete(folded.key))
                continue
            }
            if folded.key.doctype != doctypeName {
                doctypeName = folded.key.doctype
                doctype = schema[folded.key.doctype]
            }
            changes.append(Leveler.storeChange(folded.key, document, bytes: folded.bytes, doctype: doctype, schema: schema))
        }
        changes += others
        return try PreparedBatch(changes, throughSequence: throughSequence)
    }
}

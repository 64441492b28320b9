import DocumentModel
import SiteStreamJSON
import SnapshotStore

/// What a rebuild's fold stage has handed on but the store may not have applied yet
/// (`Leveler`): the last few folded batches. A read of a document's state goes through them,
/// newest first, before the store: the store alone could still lack a change folded a batch
/// or two earlier.
///
/// Keeping `depth` batches is enough when at most `depth` of them can be unapplied, which
/// `BatchHandoff` guarantees for its capacity. Memory: those batches are held by the hand-off
/// anyway, or were applied a moment ago.
struct PendingBatches: Sendable {
    let depth: Int
    private var batches: [FoldedBatch] = []

    init(depth: Int) {
        self.depth = depth
    }

    /// Records a batch about to be handed on; forgets the oldest beyond `depth`.
    mutating func add(_ batch: FoldedBatch) {
        if batches.count == depth { batches.removeFirst() }
        batches.append(batch)
    }

    /// Where the latest pending state of `key` is, if a pending batch changes it.
    private func latest(_ key: DocumentKey) -> (batch: FoldedBatch, place: Int)? {
        for batch in batches.reversed() {
            if let place = batch.places[key] { return (batch, place) }
        }
        return nil
    }

    /// The state of a document once every pending batch is applied (nil: none): from the
    /// latest pending batch that changes it, else from the store, which no pending batch
    /// changes for `key`, so what it holds is final whenever it is read.
    func document(_ key: DocumentKey, store: SnapshotStore) throws -> Document? {
        if let (batch, place) = latest(key) {
            if place < batch.documents.count { return batch.documents[place].document }
            return try Self.document(batch.others[place - batch.documents.count])
        }
        return try Self.document(try store.get(key))
    }

    /// The stored bytes of `key` once every pending batch is applied (nil: none).
    func bytes(_ key: DocumentKey, store: SnapshotStore) throws -> [UInt8]? {
        if let (batch, place) = latest(key) {
            if place < batch.documents.count {
                let folded = batch.documents[place]
                return folded.bytes ?? folded.document?.json.serialized()
            }
            if case .put(_, let document, _) = batch.others[place - batch.documents.count] { return document }
            return nil
        }
        return try store.get(key)
    }

    private static func document(_ change: StoreChange) throws -> Document? {
        guard case .put(_, let bytes, _) = change else { return nil }
        return try document(bytes)
    }

    private static func document(_ bytes: [UInt8]?) throws -> Document? {
        guard let bytes else { return nil }
        return Document(json: try JSON(parsing: bytes))
    }
}

import Logging

extension SnapshotStore {
    /// Applies one batch of changes and records that the store now holds the log through
    /// `throughSequence`. The batch is one checksummed record in the data file: after a crash
    /// it is there whole or not at all, and `lastAppliedSequence` says which.
    ///
    /// Not durable on return (no fsync): the log is the durable copy, and a Site re-folds the
    /// log after `lastAppliedSequence` on open. Durability comes with `checkpoint()`/`close()`.
    ///
    /// Re-applying changes the store already holds is harmless (puts replace, deletes of missing
    /// documents do nothing); `lastAppliedSequence` never moves backwards (it becomes the larger
    /// of its value and `throughSequence`). An empty batch still records `throughSequence`.
    /// Invalid input (an empty or over-long key, …) throws `.invalidArgument` before anything
    /// is written.
    public func apply(_ changes: [StoreChange], throughSequence: UInt64) throws {
        var writer = ByteWriter(capacity: BatchFrame.headerSize + changes.count * 64)
        let offsets = try BatchFrame.encode(changes, throughSequence: throughSequence, into: &writer)
        let bytes = writer.bytes
        let dueForSnapshot: Bool = try state.withLock { state in
            guard !state.closed else { throw closedError() }
            let base = state.end
            do {
                try state.file.write(bytes, at: base)
            } catch {
                // Leave no partial batch behind; the next open would cut it anyway.
                try? state.file.truncate(to: base)
                throw error
            }
            state.end = base + UInt64(bytes.count)
            for (i, change) in changes.enumerated() {
                let start = offsets[i]
                let end = i + 1 < offsets.count ? offsets[i + 1] : bytes.count
                switch change {
                case .put(let key, _, let terms):
                    Self.fold(kind: ChangeRecord.put, key: key, terms: terms, offset: base + UInt64(start),
                              length: end - start, into: &state, logger: logger)
                case .delete(let key):
                    Self.fold(kind: ChangeRecord.delete, key: key, terms: [], offset: base + UInt64(start),
                              length: end - start, into: &state, logger: logger)
                }
            }
            state.lastAppliedSequence = max(state.lastAppliedSequence, throughSequence)
            return state.end - state.snapshotPosition >= configuration.snapshotInterval
        }
        if dueForSnapshot { startCheckpointInBackground() }
        startCompactionIfDue()
    }

    /// Folds one change record, already in the data file at `offset`, into the index: the
    /// document now lives there (or is gone), and its index terms replace the previous ones.
    static func fold(kind: UInt8, key: DocumentKey, terms: [IndexTerm], offset: UInt64, length: Int,
                     into state: inout State, logger: Logger) {
        if kind == ChangeRecord.put {
            let (id, previous) = state.index.put(key, offset: offset, length: UInt32(length), hasTerms: !terms.isEmpty)
            if let previous, previous.hasTerms {
                removeOldTerms(of: id, previous, key: key, in: &state, logger: logger)
            }
            if !terms.isEmpty { state.index.addTerms(terms, to: id) }
        } else if let (id, previous) = state.index.remove(key), previous.hasTerms {
            removeOldTerms(of: id, previous, key: key, in: &state, logger: logger)
        }
    }

    /// The previous version's terms are not kept in memory (they would double the index); they
    /// are read back from its record. If that record cannot be read, the slow path removes the
    /// document from every posting list, so the index stays right either way.
    static func removeOldTerms(of id: UInt32, _ previous: StoreIndex.Location, key: DocumentKey,
                               in state: inout State, logger: Logger) {
        let file = state.file
        let old: [IndexTerm]? = try? {
            let bytes = try file.read(count: Int(previous.length), at: previous.offset)
            return bytes.withUnsafeBytes { ChangeRecord.decode($0)?.terms }
        }()
        if let old {
            state.index.removeTerms(old, from: id)
        } else {
            logger.error("cannot read a previous version's index terms; removing the document from every index", metadata: [
                "file": "\(file.path)", "offset": "\(previous.offset)", "document": "\(key)",
            ])
            state.index.removeEverywhere(id)
        }
    }
}

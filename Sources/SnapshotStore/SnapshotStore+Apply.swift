import Logging

extension SnapshotStore {
    /// Applies one batch of changes and records that the store now holds the log through
    /// `throughSequence`. The batch is one checksummed record in the data file: after a crash
    /// it is there whole or not at all, and `lastAppliedSequence` says which.
    ///
    /// Visible to readers on return, but not durable: the batch goes to an in-memory write
    /// buffer (written to the data file every ~256 KiB, on `flush()`, `checkpoint()`, `close()`)
    /// and nothing is fsynced. The log is the durable copy, and a Site re-folds the log after
    /// `lastAppliedSequence` on open. Durability comes with `checkpoint()`/`close()`.
    ///
    /// Cost: about 3 µs of CPU for a ~1 KB document with three terms (release build); batching
    /// several changes in one call costs less per change.
    ///
    /// Re-applying changes the store already holds is harmless (puts replace, deletes of missing
    /// documents do nothing); `lastAppliedSequence` never moves backwards (it becomes the larger
    /// of its value and `throughSequence`). An empty batch still records `throughSequence`.
    /// Invalid input (an empty or over-long key, …) throws `.invalidArgument` before anything
    /// is written.
    public func apply(_ changes: [StoreChange], throughSequence: UInt64) throws {
        try apply(try PreparedBatch(changes, throughSequence: throughSequence))
    }

    /// Applies a batch encoded beforehand (`PreparedBatch`): the same as
    /// `apply(_:throughSequence:)`, minus the encoding, which needs no lock and may have been
    /// done on another thread.
    public func apply(_ batch: PreparedBatch) throws {
        try applyWritingLater(batch)?.perform()
    }

    /// `apply(_:)`, except that a write buffer the batch filled is written by the returned
    /// `SealedWrite` when the caller performs it: after letting go of a lock of its own that
    /// other threads wait for (the site's writer lock), which is then not held for a 256 KiB
    /// `pwrite`. Until it is performed, readers get those records from memory, and a flush
    /// writes them; a write never performed loses nothing.
    public func applyWritingLater(_ batch: PreparedBatch) throws -> SealedWrite? {
        let changes = batch.changes, offsets = batch.offsets, bytes = batch.bytes, throughSequence = batch.throughSequence
        // A delete makes `contains` forget what it knew, before this returns (`KnownKeys`).
        let deletes = changes.contains { if case .delete = $0 { true } else { false } }
        defer { if deletes { knownKeys.forgetAll() } }
        let (dueForSnapshot, sealed): (Bool, SealedBuffer?) = try state.withLock { state in
            guard !state.closed else { throw closedError() }
            var sealed: SealedBuffer?
            let base = state.end
            if bytes.count >= configuration.writeBufferSize && state.sealed.isEmpty {
                // A batch as large as the buffer is sealed with what the buffer holds, and
                // written by the caller after the lock like a full buffer: readers used to wait
                // out its `pwrite` (a consumer's run of 20-row invoices is such a batch).
                state.end = base + UInt64(bytes.count)
                if state.buffer.isEmpty {
                    state.sealed = bytes
                    state.sealedStart = base
                    state.seals += 1
                    sealed = SealedBuffer(bytes: bytes, offset: base, file: state.file, seal: state.seals)
                } else {
                    state.buffer.append(contentsOf: bytes)
                    sealed = Self.sealBuffer(&state)
                }
            } else {
                // Write out what is gathered first if this batch would overflow it: after
                // letting go of the lock if no earlier buffer is still on its way, else here.
                // If writing here fails, nothing of this batch is applied.
                if !state.buffer.isEmpty && state.buffer.count + bytes.count > configuration.writeBufferSize {
                    if state.sealed.isEmpty {
                        sealed = Self.sealBuffer(&state)
                    } else {
                        try Self.flushBuffer(&state)
                    }
                }
                if bytes.count >= configuration.writeBufferSize {
                    // An earlier buffer is still on its way: this batch is written here.
                    do {
                        try state.file.write(bytes, at: base)
                    } catch {
                        // Leave no partial batch behind; the next open would cut it anyway.
                        try? state.file.truncate(to: base)
                        throw error
                    }
                } else {
                    state.buffer.append(contentsOf: bytes)
                }
                state.end = base + UInt64(bytes.count)
            }
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
            return (Self.snapshotDue(state, configuration), sealed)
        }
        if dueForSnapshot && !snapshotsHeld.load(ordering: .relaxed) { startCheckpointInBackground() }
        startCompactionIfDue()
        return sealed.map { SealedWrite(store: self, sealed: $0) }
    }

    /// A full write buffer to write to the data file (`applyWritingLater`).
    public struct SealedWrite: @unchecked Sendable {  // the buffer's bytes are immutable
        let store: SnapshotStore
        let sealed: SealedBuffer

        public func perform() {
            store.writeSealed(sealed)
        }
    }

    /// Writes out the gathered batches and makes the writes visible to `verify`, compaction and
    /// checkpoints (no fsync). A crash after return loses nothing applied before the call unless
    /// the machine itself goes down (the page cache survives a killed process).
    public func flush() throws {
        try state.withLock { state in
            guard !state.closed else { throw closedError() }
            try Self.flushBuffer(&state)
        }
    }

    /// Writes the sealed buffer, if any, and `state.buffer` at their places in the data file.
    /// On failure the buffers are kept (still served to readers; written by a later flush),
    /// and the file is cut back to the start of what failed if nothing written lies after it.
    ///
    /// A write of the sealed buffer outside the lock may still be under way: it writes the same
    /// bytes at the same place, before or after this one, so the file ends the same.
    static func flushBuffer(_ state: inout State) throws {
        if !state.sealed.isEmpty {
            do {
                try state.file.write(state.sealed, at: state.sealedStart)
            } catch {
                if state.sealedStart + UInt64(state.sealed.count) == state.bufferStart {
                    try? state.file.truncate(to: state.sealedStart)
                }
                throw error
            }
            state.sealed = []
        }
        guard !state.buffer.isEmpty else { return }
        do {
            try state.file.write(state.buffer, at: state.bufferStart)
        } catch {
            try? state.file.truncate(to: state.bufferStart)
            throw error
        }
        state.buffer.removeAll(keepingCapacity: true)
    }

    /// A full buffer on its way to the data file, written outside the store's lock.
    struct SealedBuffer {
        let bytes: [UInt8]
        let offset: UInt64
        let file: StoreFile
        let seal: UInt64
    }

    /// Under the lock: makes the buffer the sealed one (no copy), for `writeSealed`.
    static func sealBuffer(_ state: inout State) -> SealedBuffer {
        precondition(state.sealed.isEmpty, "a sealed buffer is still pending")
        let offset = state.bufferStart
        swap(&state.sealed, &state.buffer)
        state.sealedStart = offset
        state.buffer.reserveCapacity(state.sealed.count)
        state.seals += 1
        return SealedBuffer(bytes: state.sealed, offset: offset, file: state.file, seal: state.seals)
    }

    /// Writes a sealed buffer without the lock, then forgets it, unless a flush under the lock
    /// wrote it meanwhile (the same bytes at the same place: the file ends the same either
    /// way). A failed write leaves it sealed: the next flush under the lock (the next full
    /// buffer, `flush()`, a checkpoint, `close()`) writes it again and reports a failure to
    /// its caller. The write holds a reference to the file it was meant for, so a compaction
    /// switching files meanwhile cannot close it under the write (the bytes then land in the
    /// old, discarded file, where the compaction's flush had written them already).
    func writeSealed(_ sealed: SealedBuffer) {
        do {
            try sealed.file.write(sealed.bytes, at: sealed.offset)
        } catch {
            logger.warning("writing the store's data file failed; the next flush writes it again", metadata: [
                "file": "\(sealed.file.path)", "offset": "\(sealed.offset)", "error": "\(error)",
            ])
            return
        }
        state.withLock { state in
            if state.seals == sealed.seal && !state.sealed.isEmpty { state.sealed = [] }
        }
    }

    /// The bytes of a record: from the buffer if it is there (copied under the lock), otherwise
    /// read from the file (the caller reads outside the lock).
    enum RecordSource {
        case buffered([UInt8])
        case file(StoreFile)
    }

    static func source(of location: StoreIndex.Location, in state: State) -> RecordSource {
        // Buffered records lie in [bufferStart, end) or in the sealed buffer; during replay at
        // open the record being folded lies at or past `end`, in the file.
        if location.offset >= state.bufferStart && location.offset < state.end {
            let from = Int(location.offset - state.bufferStart)
            return .buffered(Array(state.buffer[from..<(from + Int(location.length))]))
        }
        if !state.sealed.isEmpty && location.offset >= state.sealedStart
            && location.offset < state.sealedStart + UInt64(state.sealed.count) {
            let from = Int(location.offset - state.sealedStart)
            return .buffered(Array(state.sealed[from..<(from + Int(location.length))]))
        }
        return .file(state.file)
    }

    /// Folds one change record, already in the data file at `offset`, into the index: the
    /// document now lives there (or is gone), and its index terms replace the previous ones.
    static func fold(kind: UInt8, key: DocumentKey, terms: [IndexTerm], offset: UInt64, length: Int,
                     into state: inout State, logger: Logger) {
        if kind == ChangeRecord.put {
            let (id, previous) = state.index.put(key, offset: offset, length: UInt32(length), hasTerms: !terms.isEmpty)
            // Terms frozen or in the term file are not removed: they stop being answered.
            if let previous, previous.hasTerms, previous.termTier == StoreIndex.Entry.hot {
                replaceOldTerms(of: id, previous, with: terms, key: key, in: &state, logger: logger)
            } else if !terms.isEmpty {
                state.index.addTerms(terms, to: id)
            }
        } else if let (id, previous) = state.index.remove(key), previous.hasTerms, previous.termTier == StoreIndex.Entry.hot {
            replaceOldTerms(of: id, previous, with: [], key: key, in: &state, logger: logger)
        }
    }

    /// Replaces the previous version's terms with `terms`, touching only those that differ: a
    /// new version mostly carries the same terms (an invoice saved keeps its twenty item
    /// links), and leaving them alone spares the posting lists an ordered removal and
    /// re-insertion each.
    ///
    /// The previous version's terms are not kept in memory (they would double the index); they
    /// are read back from its record. If that record cannot be read, the slow path removes the
    /// document from every posting list, so the index stays right either way.
    static func replaceOldTerms(of id: UInt32, _ previous: StoreIndex.Location, with terms: [IndexTerm], key: DocumentKey,
                                in state: inout State, logger: Logger) {
        let file = state.file
        let old: [IndexTerm]? = try? {
            let bytes: [UInt8]
            switch source(of: previous, in: state) {
            case .buffered(let buffered): bytes = buffered
            case .file(let file): bytes = try file.read(count: Int(previous.length), at: previous.offset)
            }
            return bytes.withUnsafeBytes { ChangeRecord.decode($0)?.terms }
        }()
        if let old {
            let (dropped, added) = termChanges(from: old, to: terms)
            state.index.removeTerms(dropped, from: id)
            state.index.addTerms(added, to: id)
        } else {
            logger.error("cannot read a previous version's index terms; removing the document from every index", metadata: [
                "file": "\(file.path)", "offset": "\(previous.offset)", "document": "\(key)",
            ])
            state.index.removeEverywhere(id)
            state.index.addTerms(terms, to: id)
        }
    }

    /// The terms of `old` that `new` lacks, and those of `new` that `old` lacks.
    static func termChanges(from old: [IndexTerm], to new: [IndexTerm]) -> (dropped: [IndexTerm], added: [IndexTerm]) {
        // A few terms (most documents): comparing with each is cheaper than hashing them all.
        guard old.count > 16 || new.count > 16 else {
            return (old.filter { !new.contains($0) }, new.filter { !old.contains($0) })
        }
        let oldSet = Set(old), newSet = Set(new)
        return (old.filter { !newSet.contains($0) }, new.filter { !oldSet.contains($0) })
    }
}

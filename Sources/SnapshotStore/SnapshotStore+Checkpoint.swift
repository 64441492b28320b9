import Foundation
import Glibc

extension SnapshotStore {
    /// Makes everything applied so far durable and quick to open: syncs the data file, then
    /// writes the index snapshot (temporary file → `fdatasync` → `rename` → `fsync` of the
    /// directory). On return a crash loses nothing applied before the call, and the next open
    /// replays only what is applied after it. Does nothing if nothing changed since the last one.
    ///
    /// Readers and writers of the store wait while the index is serialized and written to the
    /// snapshot's temporary file, a chunk at a time, under the store's lock (0.15 s for a
    /// million Customers on our VM, `store.checkpoint.1m`; more with many index terms; writing
    /// it out of the lock would need a second copy of the index in memory). They do not wait for the syncs and the rename,
    /// nor for the sorting of many names added since the last snapshot, done before (`PendingOrder`).
    public func checkpoint() throws {
        try fileSwitch.withLock { _ in try writeIndexSnapshot() }
    }

    /// Fewer names than this added since the last merge are sorted under the lock.
    static let presortMinimum = 4096

    /// The body of `checkpoint()`; the caller holds `fileSwitch`.
    ///
    /// The snapshot is encoded straight into its temporary file, a chunk at a time
    /// (`IndexSnapshot.encode(…emit:)`), so a checkpoint never holds a second copy of the
    /// index in memory; the file only replaces `index.ssi` after the data it claims is durable.
    func writeIndexSnapshot() throws {
        let path = directoryPath + "/" + IndexSnapshot.fileName
        let temporary = path + ".tmp"
        // The snapshot lists names in order: the many added since the last merge (a whole
        // store's after a rebuild) are sorted first, without the lock (`PendingOrder`).
        var presorted = state.withLock { state in
            state.closed || state.snapshotPosition == state.end ? nil : state.index.pendingOrder(minimum: Self.presortMinimum)
        }
        // Many terms in memory: they go to the next term file, written without the lock
        // while the frozen tables answer for them (`StoreIndex+TermTiers`).
        let freeze: StoreIndex.TermFreeze? = state.withLock { state in
            guard !state.closed, state.snapshotPosition != state.end else { return nil }
            let hot = state.index.hotValueCount
            guard hot > 0, hot >= configuration.termFileMinimum else { return nil }
            return state.index.freezeTerms()
        }
        presorted?.sort()
        var termFile: TermFile?
        if let freeze {
            do {
                termFile = try writeTermFile(freeze)
            } catch {
                state.withLock { $0.index.thawTerms() }
                throw error
            }
        }
        let captured: (StoreFile, UInt64, UInt64, StoreFile, Int)? = try state.withLock { state in
            guard !state.closed else { throw closedError() }
            if let termFile { state.index.installTermFile(termFile) }
            guard state.snapshotPosition != state.end else { return nil }
            try Self.flushBuffer(&state)
            state.index.mergeAll(presorted: presorted)
            let snapshot = try StoreFile.open(temporary, create: true, truncate: true)
            var written: UInt64 = 0
            var failure: (any Error)?
            let size = IndexSnapshot.encode(state.index, generation: state.generation, position: state.end,
                                            lastAppliedSequence: state.lastAppliedSequence) { chunk in
                guard failure == nil else { return }
                do { try snapshot.write(chunk, at: written) } catch { failure = error }
                written += UInt64(chunk.count)
            }
            if let failure { throw failure }
            return (state.file, state.generation, state.end, snapshot, size)
        }
        guard let (file, generation, position, snapshot, size) = captured else { return }
        // The snapshot claims the data up to `position`: that data must be durable first.
        try file.syncData()
        try snapshot.syncData()
        try StoreDirectory.rename(temporary, path)
        try StoreDirectory.sync(directoryPath)
        let current: TermFile? = state.withLock { state in
            if state.generation == generation { state.snapshotPosition = max(state.snapshotPosition, position) }
            // Rewriting the term file is part of a snapshot's cost, which the spacing bounds.
            state.snapshotBytes = UInt64(size) + (state.index.termFile?.size ?? 0)
            return state.index.termFile
        }
        try Self.removeTermFiles(in: directoryPath, except: current?.number)
        logger.debug("wrote the store's index snapshot", metadata: ["bytes": "\(size)", "position": "\(position)"])
    }

    /// Writes the next term file from `freeze` (`TermFileWriter`), durably, under its own name.
    func writeTermFile(_ freeze: StoreIndex.TermFreeze) throws -> TermFile {
        let number = (freeze.old?.number ?? 0) + 1
        let path = directoryPath + "/" + TermFile.fileName(number)
        let temporary = path + ".tmp"
        do {
            _ = try TermFileWriter.write(to: temporary, number: number, merging: freeze.old, keepingOld: freeze.keepsOld,
                                         frozenNames: freeze.frozen.names, frozen: freeze.frozen.tables)
            try StoreDirectory.rename(temporary, path)
            try StoreDirectory.sync(directoryPath)
        } catch {
            try? StoreDirectory.remove(temporary)
            throw error
        }
        return try TermFile.open(path, number: number, verifyBlocks: false)
    }

    /// Removes every term file of `directory` but number `kept` (the one the durable snapshot
    /// goes with), durably; returns the names removed. After a snapshot: the files it replaced.
    /// At open: files written for a snapshot that never replaced the last (a crash between the
    /// two). Readers of a removed file keep its descriptor until they are done.
    @discardableResult
    static func removeTermFiles(in directory: String, except kept: UInt64?) throws -> [String] {
        var removed: [String] = []
        for name in try StoreDirectory.list(directory) {
            guard let number = TermFile.number(inFileName: name), number != kept else { continue }
            try StoreDirectory.remove(directory + "/" + name)
            removed.append(name)
        }
        if !removed.isEmpty { try StoreDirectory.sync(directory) }
        return removed
    }

    /// Runs `body` (a long run of `apply` calls: a Site levelling its store with the log)
    /// without the automatic index snapshots, then starts one in the background if one is due.
    ///
    /// Why: a snapshot sorts and encodes the whole index under the store's lock, so a rebuild
    /// of a million documents wrote eight ever larger ones that nobody would read, each
    /// stalling the rebuild. Nothing depends on them for correctness: the data file is the
    /// durable copy of the store, and a store opened without a current snapshot replays the
    /// data written after the last one (a rebuild cut short is finished the same way).
    public func holdingAutomaticSnapshots<R>(_ body: () throws -> R) rethrows -> R {
        let wasHeld = snapshotsHeld.exchange(true, ordering: .sequentiallyConsistent)
        defer {
            if !wasHeld {
                snapshotsHeld.store(false, ordering: .sequentiallyConsistent)
                let due = state.withLock { !$0.closed && Self.snapshotDue($0, configuration) }
                if due { startCheckpointInBackground() }
            }
        }
        return try body()
    }

    /// Whether enough data came since the last index snapshot for an automatic one.
    ///
    /// The interval grows with the snapshot (`snapshotSpacing` times its size), so writing
    /// snapshots costs a bounded share of the writing, however large the store. A snapshot is
    /// encoded and written under the store's lock (readers and `apply` wait for it), and late
    /// in a 1M-entry catch-up the consumer spent 12–19 % of its CPU in them with a spacing of
    /// 2 (before the encoder was made twice as fast). The price of a larger
    /// spacing is paid at open after a crash, which folds the data written since the last
    /// snapshot: at most `snapshotSpacing` snapshots' worth of records, read without parsing
    /// a document.
    static func snapshotDue(_ state: State, _ configuration: Configuration) -> Bool {
        state.end - state.snapshotPosition >= max(configuration.snapshotInterval, snapshotSpacing * state.snapshotBytes)
    }

    static let snapshotSpacing: UInt64 = 4

    /// The automatic snapshot every `snapshotInterval` bytes: on a thread of its own, so the
    /// writer that crossed the interval does not wait for the data file's `fdatasync`.
    func startCheckpointInBackground() {
        guard checkpointing.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged else { return }
        Thread.detachNewThread { [self] in
            defer { checkpointing.store(false, ordering: .sequentiallyConsistent) }
            do {
                try checkpoint()
            } catch let error as SnapshotStoreError where error.code == .closed {
                return
            } catch {
                logger.error("background index snapshot failed", metadata: ["error": "\(error)"])
            }
        }
    }

    func usleepForCompaction() {
        usleep(1000)
    }
}

import DocumentModel
import EventLog
import SnapshotStore

extension Site {
    /// Waits until the store has taken every change written with
    /// `writeQueued(as:deferringStore:)`, so reads of the site itself (not through a
    /// transaction) see them. Writers do this on their own; call it before reading the site
    /// directly after such writes.
    public func settleDeferredWrites() {
        writer.withLock { settleDeferredApply(&$0) }
    }

    /// Under the writer lock: waits for the transaction on the apply queue, if any, and takes
    /// over its failure (the site then refuses writes until reopened, as when `commit` fails
    /// to apply).
    func settleDeferredApply(_ state: inout WriterState) {
        guard let deferred = state.deferred else { return }
        if let failure = deferred.wait(), state.failure == nil { state.failure = failure }
        state.deferred = nil
    }

    /// `runLocked` for `writeQueued(as:deferringStore:)`: the body reads through the
    /// transaction still on the apply queue, if any (`SiteTransaction.earlier`); the commit
    /// fixes the log's order here as `commit` does, then hands the store's part to the apply
    /// queue.
    func runLockedDeferringStore<T: Sendable>(user: String, _ body: (SiteTransaction) throws -> T,
                                              state: inout WriterState) throws -> (T, Committed?) {
        if let deferred = state.deferred, deferred.isFinished { settleDeferredApply(&state) }
        let tx = SiteTransaction(site: self, user: user, earlier: state.deferred)
        let (value, wrote) = try runBody(body, in: tx, state: state)
        guard wrote else { return (value, nil) }
        let framed: FramedEntries
        let replicationChanges: [StoreChange]
        do {
            try tx.sealReplication()
            framed = try log.framedLater(tx.entries)
            // Read through `earlier` (a watermark it moved), so before waiting for it.
            replicationChanges = try tx.replicationStoreChanges()
        } catch {
            tx.returnSeries()
            throw error
        }
        // One transaction at most on the apply queue, applied in log order: the previous one
        // must be in the store before this one is handed on. If it failed, this one is
        // refused before the log has it.
        settleDeferredApply(&state)
        if let failure = state.failure {
            tx.returnSeries()
            throw SiteError(.io, "the site refuses writes until it is reopened: \(failure)")
        }
        // Applied now: the next transaction reads through this one only, not through a chain
        // (which would keep every replayed batch in memory).
        tx.earlier = nil
        let first = state.nextSequence
        let last = first + UInt64(framed.count) - 1
        let ticket = AckTicket(expectedFirst: first)
        log.enqueueAppend(framed) { result in ticket.complete(result) }
        state.nextSequence = last + 1
        for (prefix, n) in tx.series where n > state.series[prefix] ?? 0 { state.series[prefix] = n }
        var others = replicationChanges
        if !tx.series.isEmpty {
            others.append(.put(Leveler.seriesKey, document: Leveler.seriesDocument(state.series), terms: []))
        }
        // Recorded now, before the store has the change: a concurrent transaction checked
        // under the lock after this one sees it as written since its reads began.
        state.recent.record(CommitFootprint(transaction: tx), sequence: last)
        if !replicationChanges.isEmpty {
            state.recent.record(CommitFootprint(replicationChanges), sequence: last)
        }
        let deferred = DeferredApply(transaction: tx, others: others, last: last)
        state.deferred = deferred
        applyQueue.run { [self] in apply(deferred) }
        return (value, Committed(ticket: ticket, lead: nil))
    }

    /// On the apply queue: what `commit` does after the log append, for a deferred transaction.
    private func apply(_ deferred: DeferredApply) {
        let tx = deferred.transaction
        let documentChanges = tx.touched.map { tx.storeChange($0) }
        recentDocuments.record(zip(tx.touched, documentChanges).map { key, change in
            guard case .put(_, let bytes, _) = change, let document = tx.pendingDocument(key) else { return (key, nil, 0) }
            return (key, RecentDocuments.worthKeeping(document, replacing: tx.replacesStoredVersion(key), schema: schema) ? document : nil, bytes.count)
        })
        do {
            try store.apply(documentChanges + deferred.otherChanges, throughSequence: deferred.last)
            committedThrough.store(deferred.last, ordering: .releasing)
            deferred.finish(failure: nil)
        } catch {
            recentDocuments.removeAll()
            let failure = "the snapshot store failed to take entries through \(deferred.last): \(error)"
            logger.error("\(failure)")
            deferred.finish(failure: failure)
        }
    }
}

extension CommitFootprint {
    /// What a committed transaction writes, from its pending state (no serialization needed).
    init(transaction tx: SiteTransaction) {
        keys = tx.touched.map { WriteFingerprint.of($0) }
        terms = []
        for key in tx.touched {
            guard let document = tx.pendingDocument(key) else { continue }
            for term in tx.terms(of: key, document) { terms.append(WriteFingerprint.of(term)) }
        }
    }
}

import DocumentModel
import EventLog
import SnapshotStore
import Synchronization

extension Site {
    /// Runs `body` as one transaction like `write`, but does the work of the lifecycle outside
    /// the single writer's lock, so writers on other threads run at the same time: naming,
    /// defaults, controller hooks, validation, link and unique checks, serializing and
    /// compressing the log entries. Only the commit takes the lock: it checks that nothing the
    /// transaction read from the store (documents, missing names, index terms such as a unique
    /// value or a link) was changed by a commit in between, then appends to the log and folds
    /// into the store as `write` does, in the same order (log, store, acknowledgement).
    ///
    /// **`body` may run twice**: if the check finds a conflict, or `body` throws, the
    /// transaction is dropped and `body` runs again under the lock, exactly as `write` runs
    /// it, so every refusal a caller sees is the one `write` would give. `body` must therefore
    /// have no effects outside the transaction, and read the site only through it
    /// (`tx.get`, `tx.exists`, hooks' reads), never through `Site` directly. Replicated
    /// changes, which carry marks, always take the locked path.
    ///
    /// Naming series are shared counters: two transactions running at once never take one
    /// value, but a dropped transaction can leave a gap in its series when others took later
    /// values meanwhile (with one writer at a time a refused insert leaves none, as before).
    /// `modified` stamps are unique and increase in the order they are taken, which may differ
    /// slightly from the order of the log when transactions overlap.
    @discardableResult
    public func writeConcurrently<T: Sendable>(as user: String = "Administrator", _ body: (SiteTransaction) throws -> T) async throws -> T {
        let (value, ticket) = try prepareConcurrentWrite(user: user, body)
        if let ticket { try await ticket.wait() }
        return value
    }

    /// The same as `writeConcurrently`, blocking the calling thread until the change is
    /// acknowledged (for threads of their own).
    @discardableResult
    public func writeConcurrentlySynchronously<T: Sendable>(as user: String = "Administrator", _ body: (SiteTransaction) throws -> T) throws -> T {
        let (value, ticket) = try prepareConcurrentWrite(user: user, body)
        if let ticket { try ticket.waitBlocking() }
        return value
    }

    func prepareConcurrentWrite<T: Sendable>(user: String, _ body: (SiteTransaction) throws -> T) throws -> (T, AckTicket?) {
        // Loaded before the first read: every commit through `since` is in the store already,
        // and every later one is recorded in `recent` before this transaction is checked.
        let since = committedThrough.load(ordering: .acquiring)
        let tx = SiteTransaction(site: self, user: user, reads: ReadSet(since: since))
        var prepared: (value: T, framed: FramedEntries?, changes: [StoreChange], footprint: CommitFootprint, recent: [RecentVersion])?
        // Kept apart from `prepared`, so the commit can take it as the only reference to its
        // bytes and add to them in place.
        var batch: PreparedBatch?
        do {
            let value = try body(tx)
            if tx.entries.isEmpty {
                prepared = (value, nil, [], CommitFootprint([]), [])
            } else if tx.replication == nil {
                let changes = tx.touched.map { tx.storeChange($0) }
                // Encoded for the store here, not under the lock; the commit adds the naming
                // series' counters and the log sequence. Room is kept for the counters.
                batch = try PreparedBatch(changes, throughSequence: 0, reserving: 1024)
                prepared = (value, try log.framed(tx.entries), changes, CommitFootprint(changes),
                            Self.recentVersions(of: tx, changes: changes, schema: schema))
            }
        } catch {
            // Refusals are given by the locked path below, which sees the latest state.
        }
        if prepared?.framed == nil { tx.returnSeries() }
        let (value, committed) = try writer.withLock { (state: inout WriterState) throws -> (T, Committed?) in
            let measured = writerStatistics.lockTaken()
            defer { writerStatistics.lockReleasing(measured) }
            settleDeferredApply(&state)
            if let prepared, state.failure == nil, !state.recent.conflicts(tx.reads!, written: prepared.footprint) {
                guard let framed = prepared.framed else { return (prepared.value, nil) }
                return (prepared.value, try commit(tx, framed: framed, changes: prepared.changes, batch: batch.take(),
                                                     recentVersions: prepared.recent, footprint: prepared.footprint, state: &state))
            }
            if prepared?.framed != nil {
                tx.returnSeries()
                writerStatistics.retries.add(1, ordering: .relaxed)
            }
            return try runLocked(user: user, body, state: &state)
        }
        committed?.perform()
        return (value, committed?.ticket)
    }
}

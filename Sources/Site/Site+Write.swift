import DocumentModel
import Dispatch
import EventLog
import SnapshotStore
import Synchronization

extension Site {
    /// Runs `body` as one transaction on the site's single writer and commits what it did.
    ///
    /// On return the change is in the log per the durability setting (with `always`, durable:
    /// a crash after return never loses it) and in the store. If `body` throws, nothing is
    /// written. The writer lock is held only while `body` runs and the entries are queued;
    /// waiting for the log happens outside it, so concurrent writers share one `fdatasync`.
    @discardableResult
    public func write<T: Sendable>(as user: String = "Administrator", _ body: (SiteTransaction) throws -> T) async throws -> T {
        let (value, ticket) = try prepareWrite(user: user, body)
        if let ticket { try await ticket.wait() }
        return value
    }

    /// The same as `write`, blocking the calling thread until the change is acknowledged. For
    /// threads of their own (the crash child, benchmarks); not for Swift concurrency's pool.
    @discardableResult
    public func writeSynchronously<T: Sendable>(as user: String = "Administrator", _ body: (SiteTransaction) throws -> T) throws -> T {
        let (value, ticket) = try prepareWrite(user: user, body)
        if let ticket { try ticket.waitBlocking() }
        return value
    }

    /// `handingOff`: the log's writer thread encodes the entries and writes them, so the
    /// calling thread does neither (`writeQueued`). `deferringStore`: the store takes the
    /// change on the apply queue (`DeferredApply`); implies `handingOff`.
    func prepareWrite<T: Sendable>(user: String, handingOff: Bool = false, deferringStore: Bool = false,
                                   _ body: (SiteTransaction) throws -> T) throws -> (T, AckTicket?) {
        let (value, committed) = try writer.withLock { (state: inout WriterState) throws -> (T, Committed?) in
            let measured = writerStatistics.lockTaken()
            defer { writerStatistics.lockReleasing(measured) }
            if deferringStore {
                return try runLockedDeferringStore(user: user, body, state: &state)
            }
            settleDeferredApply(&state)
            return try runLocked(user: user, handingOff: handingOff, body, state: &state)
        }
        committed?.perform()
        return (value, committed?.ticket)
    }

    /// Runs `body` on the writer (the caller holds `writer`'s lock) and commits what it did.
    func runLocked<T: Sendable>(user: String, handingOff: Bool = false, _ body: (SiteTransaction) throws -> T,
                                state: inout WriterState) throws -> (T, Committed?) {
        let tx = SiteTransaction(site: self, user: user)
        let (value, wrote) = try runBody(body, in: tx, state: state)
        guard wrote else { return (value, nil) }
        try tx.sealReplication()
        let framed: FramedEntries
        do { framed = try handingOff ? log.framedLater(tx.entries) : log.framed(tx.entries) } catch {
            tx.returnSeries()
            throw error
        }
        let changes = tx.touched.map { tx.storeChange($0) }
        return (value, try commit(tx, framed: framed, changes: changes, footprint: CommitFootprint(changes), leading: !handingOff, state: &state))
    }

    /// Runs `body` in `tx` unless the site refuses writes; gives back the series values it took
    /// when it throws or writes nothing. `wrote`: it has entries to commit.
    func runBody<T>(_ body: (SiteTransaction) throws -> T, in tx: SiteTransaction, state: WriterState) throws -> (value: T, wrote: Bool) {
        if let failure = state.failure {
            throw SiteError(.io, "the site refuses writes until it is reopened: \(failure)")
        }
        let value: T
        do {
            value = try body(tx)
        } catch {
            tx.returnSeries()
            throw error
        }
        if tx.entries.isEmpty { tx.returnSeries() }
        return (value, !tx.entries.isEmpty)
    }

    typealias RecentVersion = (key: DocumentKey, document: Document?, bytes: Int)

    /// What `RecentDocuments` is to keep of a transaction's changes: decided from the
    /// transaction alone, so the concurrent path decides it before taking the writer lock.
    static func recentVersions(of tx: SiteTransaction, changes: [StoreChange], schema: Schema) -> [RecentVersion] {
        zip(tx.touched, changes).map { key, change in
            guard case .put(_, let bytes, _) = change, let document = tx.pendingDocument(key) else { return (key, nil, 0) }
            return (key, RecentDocuments.worthKeeping(document, replacing: tx.replacesStoredVersion(key), schema: schema) ? document : nil, bytes.count)
        }
    }

    /// A committed transaction: its acknowledgement, and the writes to perform once the writer
    /// lock is released: the log's, when it leads one, and the store's full write buffer.
    struct Committed {
        var ticket: AckTicket
        var lead: LeadWrite?
        /// The store's full write buffer, when this commit filled it.
        var storeWrite: SnapshotStore.SealedWrite?

        /// The work left once the writer lock is released: the log's write first, which the
        /// acknowledgement waits for, then the store's.
        func perform() {
            lead?.perform()
            storeWrite?.perform()
        }
    }

    /// Appends a finished transaction's framed entries to the log, folds its changes into the
    /// store and records them for the check of concurrent transactions. The caller holds
    /// `writer`'s lock, and performs the returned lead write after releasing it; nothing here
    /// may be skipped once the log has the entries. Without `leading`, the log's writer thread
    /// always writes the entries.
    func commit(_ tx: SiteTransaction, framed: FramedEntries, changes documentChanges: [StoreChange],
                batch: consuming PreparedBatch? = nil, recentVersions: [RecentVersion]? = nil,
                footprint: CommitFootprint, leading: Bool = true,
                state: inout WriterState) throws -> Committed {
        let first = state.nextSequence
        let last = first + UInt64(framed.count) - 1
        let ticket = AckTicket(expectedFirst: first)
        let replicationChanges = try tx.replicationStoreChanges()
        // Leading: when the log's writer is idle the entries are written by this thread (once
        // it has let go of the writer lock), so a lone writer pays no thread hand-offs; under
        // load they queue and are written as one group by the log's writer thread. Either way
        // their place in the log is fixed here, under the lock.
        let complete: @Sendable (Result<AppendResult, any Error>) -> Void = { result in ticket.complete(result) }
        var lead: LeadWrite?
        if leading {
            lead = log.enqueueAppendLeadingLater(framed, completion: complete)
        } else {
            log.enqueueAppend(framed, completion: complete)
        }
        state.nextSequence = last + 1
        for (prefix, n) in tx.series where n > state.series[prefix] ?? 0 { state.series[prefix] = n }

        // `batch`, when given, holds `documentChanges` encoded already.
        var others = replicationChanges
        if !tx.series.isEmpty {
            others.append(.put(Leveler.seriesKey, document: Leveler.seriesDocument(state.series), terms: []))
        }
        // The parsed versions go in before the store takes them: a reader between the two
        // sees the new version a moment early (unacknowledged, so allowed), never an old
        // version beside the store's new one (RecentDocuments).
        recentDocuments.record(recentVersions ?? Self.recentVersions(of: tx, changes: documentChanges, schema: schema))
        var storeWrite: SnapshotStore.SealedWrite?
        do {
            if var encoded = batch.take() {
                try encoded.append(others, throughSequence: last)
                storeWrite = try store.applyWritingLater(encoded)
            } else {
                storeWrite = try store.applyWritingLater(PreparedBatch(documentChanges + others, throughSequence: last))
            }
        } catch {
            recentDocuments.removeAll()
            // The log has the change (it is the truth); the store missed it. Refuse further
            // writes; reopening folds the log tail into the store.
            state.failure = "the snapshot store failed to take entries \(first)…\(last): \(error)"
            logger.error("\(state.failure!)")
        }
        state.recent.record(footprint, sequence: last)
        if !replicationChanges.isEmpty {
            state.recent.record(CommitFootprint(replicationChanges), sequence: last)
        }
        committedThrough.store(last, ordering: .releasing)
        return Committed(ticket: ticket, lead: lead, storeWrite: storeWrite)
    }
}

/// Hands the log's acknowledgement of one write to whoever waits for it, async or blocking.
final class AckTicket: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Void, any Error>?)
        case blocked(DispatchSemaphore)
        case done(Result<Void, any Error>)
    }

    private let state = Mutex<State>(.waiting(nil))
    private let expectedFirst: UInt64

    init(expectedFirst: UInt64) {
        self.expectedFirst = expectedFirst
    }

    func complete(_ result: Result<AppendResult, any Error>) {
        let outcome: Result<Void, any Error> = result.flatMap { appended in
            guard appended.firstSequence == expectedFirst else {
                return .failure(SiteError(.io, "the log gave entries \(appended.firstSequence)… where the site expected \(expectedFirst)…; another writer appended to the log"))
            }
            return .success(())
        }
        let previous: State = state.withLock { s in
            let before = s
            s = .done(outcome)
            return before
        }
        switch previous {
        case .waiting(let continuation?): continuation.resume(with: outcome)
        case .blocked(let semaphore): semaphore.signal()
        default: break
        }
    }

    func wait() async throws {
        // Led writes with durability interval or none are usually acknowledged before the
        // writer even asks: no continuation, no suspension then.
        let early: Result<Void, any Error>? = state.withLock { s in
            if case .done(let r) = s { return r }
            return nil
        }
        if let early { return try early.get() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready: Result<Void, any Error>? = state.withLock { s in
                switch s {
                case .done(let r): return r
                case .waiting, .blocked:
                    s = .waiting(continuation)
                    return nil
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    func waitBlocking() throws {
        let semaphore = DispatchSemaphore(value: 0)
        let ready: Result<Void, any Error>? = state.withLock { s in
            if case .done(let r) = s { return r }
            s = .blocked(semaphore)
            return nil
        }
        if let ready { return try ready.get() }
        semaphore.wait()
        let outcome: Result<Void, any Error>? = state.withLock { s in
            if case .done(let r) = s { return r }
            return nil
        }
        try outcome!.get()
    }
}

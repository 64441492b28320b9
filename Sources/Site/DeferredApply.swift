import Dispatch
import DocumentModel
import SnapshotStore
import Synchronization

/// A committed transaction whose store apply runs on the site's apply queue while its writer
/// goes on with the next transaction (`Site.writeQueued(as:deferringStore:)`).
///
/// Why: a consumer replaying a backlog runs one transaction after another on one thread, and
/// folding each into the store (encoding its records, serializing saved documents, updating
/// the index) was a quarter of that thread's time. Done on the apply queue, it runs on the
/// other core beside the next transaction's lifecycle.
///
/// What keeps reads right: the log's order is fixed when the transaction commits, under the
/// writer lock, as before. Until the store has taken the transaction, the next one reads
/// through it (`SiteTransaction.earlier`): a key it changed is answered from its pending
/// state, any other key from the store, which that apply does not change, so the answer does
/// not depend on how far the apply has got. At most one transaction is ever waiting to be
/// applied: the next one waits for it before it is handed on itself, and every other writer
/// (and `readConsistently`, and `close`) waits for it before it reads anything.
final class DeferredApply: @unchecked Sendable {
    // @unchecked: after commit nobody changes what the apply queue reads of `transaction`
    // (its pending documents, terms and bytes). Its term index (`pendingByTerm`), which the
    // apply queue never reads, may grow on a `holders(of:)`, by a transaction of the writer
    // holding the writer lock.
    let transaction: SiteTransaction
    /// The store changes besides the documents' (replication keys, series counters).
    let otherChanges: [StoreChange]
    /// Their stored bytes, for reads through this transaction (`ReplicationFold`'s keys).
    let others: [DocumentKey: [UInt8]]
    /// The log's last sequence of the transaction.
    let last: UInt64
    private let done = DispatchSemaphore(value: 0)
    private let outcome = Mutex<(finished: Bool, failure: String?)>((false, nil))

    init(transaction: SiteTransaction, others: [StoreChange], last: UInt64) {
        self.transaction = transaction
        self.otherChanges = others
        var bytes: [DocumentKey: [UInt8]] = [:]
        for change in others {
            if case .put(let key, let document, _) = change { bytes[key] = document }
        }
        self.others = bytes
        self.last = last
    }

    var isFinished: Bool { outcome.withLock { $0.finished } }

    /// Waits until the store has taken the transaction (or failed to); returns the failure.
    @discardableResult
    func wait() -> String? {
        done.wait()
        done.signal()
        return outcome.withLock { $0.failure }
    }

    func finish(failure: String?) {
        outcome.withLock { $0 = (true, failure) }
        done.signal()
    }

    // MARK: Reads through it

    /// The transaction's version of `key`: nil when it did not change the key (the store
    /// then answers, whether or not the apply has run).
    func pending(_ key: DocumentKey) -> SiteTransaction.Pending? {
        transaction.pending[key]
    }

    /// Whether the transaction's version of `key` (which it changed) holds `term`.
    func holds(_ key: DocumentKey, _ term: IndexTerm) -> Bool {
        transaction.pendingTerms[key]?.contains(term) ?? false
    }

    /// The documents of the transaction that hold `term` (call under the writer lock).
    func holders(of term: IndexTerm) -> Set<DocumentKey> {
        var keys = Set<DocumentKey>()
        transaction.addPendingHolders(of: term, to: &keys)
        return keys
    }
}

/// Runs the store applies of `Site.writeQueued(as:deferringStore:)`, one at a time, in order.
final class ApplyQueue: Sendable {
    private let queue = DispatchQueue(label: "site-store-apply")

    func run(_ work: @escaping @Sendable () -> Void) {
        queue.async(execute: work)
    }

    /// For tests: every apply queued after this call waits until the returned function is
    /// called, so a test can look at what the next transaction reads while the store lags.
    func holdForTesting() -> @Sendable () -> Void {
        let gate = DispatchSemaphore(value: 0)
        queue.async { gate.wait() }
        return { gate.signal() }
    }
}

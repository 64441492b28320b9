import Synchronization

/// Keys `SnapshotStore.contains` found present, so asking again costs one short lock of this
/// object's own instead of the store's lock.
///
/// Why: link checks ask whether their targets exist some thirty times for each 20-row invoice,
/// and nearly always about the same master data (items, accounts, warehouses). The store's lock
/// is held by a writer's apply for microseconds at a time, and spinning or sleeping on it for
/// those questions cost 2.2 % of an invoice insert's CPU (perf). This lock is only ever held
/// for one set lookup.
///
/// Correctness: a document only stops existing by a delete, and `apply` calls `forgetAll()`
/// after the store took a batch holding one, before it returns. A key is remembered only if
/// no `forgetAll()` came between the question (`lookup`) and the answer (`remember`), so a key
/// found just before a delete cannot outlive it. While the delete is being applied, a cached
/// key may still be answered present, as the store itself answers a question asked just
/// before the delete: such an answer is concurrent with the delete, and writers that read it
/// conflict with the delete's commit and run again.
final class KnownKeys: Sendable {
    private struct State {
        var keys: Set<DocumentKey> = []
        var epoch: UInt64 = 0
    }

    private let state = Mutex(State())

    /// At most this many keys are kept; past it the set starts over (the next questions refill
    /// it with what is asked now).
    static let capacity = 16_384

    /// Whether `key` is known present, and the epoch to hand to `remember` if it is not.
    func lookup(_ key: DocumentKey) -> (known: Bool, epoch: UInt64) {
        state.withLock { ($0.keys.contains(key), $0.epoch) }
    }

    /// Remembers that `key` was found present, unless a delete may have come since `lookup`
    /// gave `epoch`.
    func remember(_ key: DocumentKey, seenAt epoch: UInt64) {
        state.withLock { state in
            guard state.epoch == epoch else { return }
            if state.keys.count >= Self.capacity { state.keys.removeAll(keepingCapacity: true) }
            state.keys.insert(key)
        }
    }

    /// Forgets every key: a delete was just applied.
    func forgetAll() {
        state.withLock { state in
            state.epoch &+= 1
            if !state.keys.isEmpty { state.keys.removeAll(keepingCapacity: true) }
        }
    }

    var count: Int { state.withLock { $0.keys.count } }
}

import DocumentModel
import SnapshotStore
import Synchronization

/// The documents the site wrote last, parsed, so that reading one back soon after does not
/// parse its stored JSON again. A consumer replaying a producer's history reads back, for
/// each Update or submit, a version it wrote some hundreds of entries before; parsing those
/// versions was about a sixth of its CPU.
///
/// Only the writer fills it, under the writer lock, with each version worth keeping just
/// before the store takes it, and it forgets every other written key (deleted, or replaced
/// by a version not kept) the same way; readers only look. So an entry is
/// the version the store holds, or, for a moment, the one it is about to hold: a reader may
/// see a write a moment before it is acknowledged (which its writer allows), never a version
/// older than the store's. If the store then fails to take it, everything here is forgotten
/// (the site refuses writes until reopened; the log has the version). A version read from the
/// store is never put here: a reader could put back a version a writer has just replaced.
///
/// Bounded by an estimate of the parsed documents' memory (oldest out first), so memory
/// stays flat whatever the history's size.
///
/// Only versions likely to be read again are kept (`worthKeeping`): keeping every insert made
/// a backlog of Customer Creates, none of them read again, cost 15–25 % more CPU (parsed
/// documents held longer, freed later and colder).
final class RecentDocuments: Sendable {
    /// A version is kept when it replaces one (a document changed once tends to change again:
    /// an invoice saved, then submitted), or when it is a draft of a submittable DocType,
    /// which is read again when it is submitted.
    static func worthKeeping(_ document: Document, replacing: Bool, schema: Schema) -> Bool {
        replacing || (document.docstatus == 0 && schema[document.doctype]?.isSubmittable == true)
    }

    /// A parsed document takes about twice its JSON's bytes (measured: a 12.5 KB 20-row
    /// invoice 25.6 KB, a 0.5 KB Customer 0.9 KB), plus the bookkeeping here.
    static func estimatedCost(bytes: Int) -> Int { 2 * bytes + 256 }

    private struct Entry {
        var document: Document
        var cost: Int
        /// The write that put it here.
        var stamp: Int
    }

    private struct State {
        var documents: [DocumentKey: Entry] = [:]
        /// (key, write number) in write order from `head` on; an element whose number is no
        /// longer its key's is stale (the key was written again or forgotten since).
        var order: [(key: DocumentKey, stamp: Int)] = []
        var head = 0
        var stamp = 0
        var cost = 0
    }

    private let state = Mutex(State())
    /// The most the kept documents may cost, by `estimatedCost`.
    let budget: Int

    /// 8 MiB holds a few hundred 20-row invoices, or thousands of small documents.
    init(budget: Int = 8 << 20) {
        self.budget = budget
    }

    func document(_ key: DocumentKey) -> Document? {
        state.withLock { $0.documents[key]?.document }
    }

    /// Records what a committed write did: each key's new version with the length of its
    /// stored JSON, or nil when nothing is to be kept (a delete, or a version not worth
    /// keeping): any older version of that key is forgotten either way. A document costing
    /// more than the whole budget is not kept.
    func record(_ changes: [(key: DocumentKey, document: Document?, bytes: Int)]) {
        guard !changes.isEmpty else { return }
        state.withLock { state in
            for (key, document, bytes) in changes {
                if let old = state.documents.removeValue(forKey: key) { state.cost -= old.cost }
                let cost = Self.estimatedCost(bytes: bytes)
                guard let document, cost <= budget else { continue }
                state.stamp += 1
                state.documents[key] = Entry(document: document, cost: cost, stamp: state.stamp)
                state.cost += cost
                state.order.append((key, state.stamp))
            }
            // Oldest out first; a stale element evicts nothing.
            while state.cost > budget, state.head < state.order.count {
                let (key, stamp) = state.order[state.head]
                state.head += 1
                if let entry = state.documents[key], entry.stamp == stamp {
                    state.documents[key] = nil
                    state.cost -= entry.cost
                }
            }
            // Rewrites of the same keys leave stale elements behind: rebuild the order from
            // the live entries once it holds four times as many.
            let tracked = state.order.count - state.head
            if tracked > 64, tracked > 4 * state.documents.count {
                state.order = state.documents.map { ($0.key, $0.value.stamp) }.sorted { $0.stamp < $1.stamp }
                state.head = 0
            } else if state.head > 1024, state.head > tracked {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// Forgets everything (the store failed to take a write: what it holds is unknown).
    func removeAll() {
        state.withLock { $0 = State() }
    }

    /// How many documents it holds, and their estimated cost (for tests).
    var usage: (count: Int, cost: Int) { state.withLock { ($0.documents.count, $0.cost) } }
    /// How many writes its eviction order tracks, stale ones included (for tests).
    var trackedWrites: Int { state.withLock { $0.order.count - $0.head } }
}

import SnapshotStore

/// The pending documents of a transaction that hold each index term, kept only for the kinds
/// of term (`IndexTerm.index`: `remote`, `unique:Customer.customer_name`, `linkto`, …) the
/// transaction has asked about.
///
/// A consumer replays a batch of a thousand documents in one transaction and asks about a
/// kind or two (the `remote` names, a unique field). Indexing every term of every document
/// (thirty for an invoice, mostly `linkto`) cost a hash and a set insertion each, three per
/// cent of a catch-up's CPU; a term of a kind nobody asked about now costs a comparison of
/// its kind with the one or two asked about.
struct PendingTermIndex {
    /// The kinds indexed, in the order first asked about.
    private(set) var kinds: [String] = []
    private var holders: [IndexTerm: Set<DocumentKey>] = [:]

    var isEmpty: Bool { kinds.isEmpty }

    func covers(_ kind: String) -> Bool {
        kinds.contains { $0 == kind }
    }

    /// Starts indexing `kind`, from the terms the pending documents hold now.
    mutating func addKind(_ kind: String, from pendingTerms: [DocumentKey: [IndexTerm]]) {
        guard !covers(kind) else { return }
        kinds.append(kind)
        for (key, terms) in pendingTerms {
            for term in terms where term.index == kind { holders[term, default: []].insert(key) }
        }
    }

    /// `key` now holds `terms` (of every kind; those not indexed are passed over).
    mutating func add(_ terms: [IndexTerm], of key: DocumentKey) {
        for term in terms where covers(term.index) { holders[term, default: []].insert(key) }
    }

    /// `key` no longer holds `terms`.
    mutating func remove(_ terms: [IndexTerm], of key: DocumentKey) {
        for term in terms where covers(term.index) { holders[term]?.remove(key) }
    }

    /// The holders of `term`, whose kind must be indexed.
    func holders(of term: IndexTerm) -> Set<DocumentKey>? {
        holders[term]
    }
}

import SnapshotStore

/// What a transaction running outside the writer lock read from the store, and the position
/// of the log its reads started from: everything through `since` was folded into the store
/// before its first read.
///
/// It may commit only if no commit after `since` wrote a document it read (or writes), or gave
/// a document an index term it looked up (`RecentWrites.conflicts`). Reads of a key it found
/// missing count too: that is how two inserts of one name, or a link to a document deleted
/// meanwhile, are caught.
///
/// Keys and terms are kept as fingerprints (`WriteFingerprint`), so the check under the lock compares
/// integers: two different keys with one hash can only make a transaction run again under
/// the lock, never let a conflict through.
struct ReadSet {
    let since: UInt64
    // Arrays, not sets: a repeated read costs one more lookup at the check, while a set would
    // hash every read again to insert it.
    private(set) var keys: [Int] = []
    private(set) var terms: [Int] = []

    init(since: UInt64) {
        self.since = since
    }

    mutating func read(_ key: DocumentKey) { keys.append(WriteFingerprint.of(key)) }
    mutating func read(_ term: IndexTerm) { terms.append(WriteFingerprint.of(term)) }
}

/// The documents a commit writes and the index terms it gives them, as hash values (made
/// before the writer lock is taken, for a transaction that ran outside it).
struct CommitFootprint {
    var keys: [Int]
    var terms: [Int]

    init(_ changes: [StoreChange]) {
        keys = changes.map { WriteFingerprint.of($0.key) }
        terms = []
        for change in changes {
            if case .put(_, _, let added) = change {
                for term in added { terms.append(WriteFingerprint.of(term)) }
            }
        }
    }
}

/// The documents and index terms recent commits wrote (by hash), with the sequence of the
/// last commit to write each, for checking `ReadSet`s under the writer lock.
///
/// Bounded: two generations of about `limit` entries each. When the newer is full it becomes
/// the older and the older is forgotten; a transaction whose reads started before the last
/// forgotten commit is treated as conflicting (it then runs again under the lock), since what
/// it read can no longer be checked.
struct RecentWrites {
    var limit = 16_384
    private var keys: [Int: UInt64] = [:]
    private var terms: [Int: UInt64] = [:]
    private var olderKeys: [Int: UInt64] = [:]
    private var olderTerms: [Int: UInt64] = [:]
    /// The last sequence of the newer and the older generation.
    private var newest: UInt64
    private var olderNewest: UInt64
    /// Commits through this sequence are forgotten.
    private(set) var forgottenThrough: UInt64

    /// `committed`: the last sequence in the store when the site opened (nothing before it is
    /// known, and no transaction can have read before it).
    init(committed: UInt64) {
        forgottenThrough = committed
        newest = committed
        olderNewest = committed
    }

    /// Records one commit, which ended at log sequence `sequence`.
    mutating func record(_ footprint: CommitFootprint, sequence: UInt64) {
        if keys.count + terms.count >= limit {
            forgottenThrough = olderNewest
            olderKeys = keys
            olderTerms = terms
            olderNewest = newest
            keys = [:]
            terms = [:]
        }
        for key in footprint.keys { keys[key] = sequence }
        for term in footprint.terms { terms[term] = sequence }
        newest = sequence
    }

    /// Whether a commit after `reads.since` wrote anything `reads` depends on, or a document
    /// `written` writes too.
    func conflicts(_ reads: ReadSet, written: CommitFootprint) -> Bool {
        let since = reads.since
        if since < forgottenThrough { return true }
        if since >= newest { return false }
        func changed(_ key: Int) -> Bool { (keys[key] ?? olderKeys[key] ?? 0) > since }
        for key in reads.keys where changed(key) { return true }
        for key in written.keys where changed(key) { return true }
        for term in reads.terms where (terms[term] ?? olderTerms[term] ?? 0) > since { return true }
        return false
    }
}

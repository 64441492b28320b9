import DocumentModel
import EventLog
import SiteStreamJSON
import SnapshotStore

/// One write to a site: everything done through it is appended to the log in one append and
/// folded into the store together, or, if anything throws, not at all.
///
/// A transaction exists only inside `Site.write { tx in … }`, on the site's single writer; it
/// is not shared across threads. Reads through it see its own pending changes first.
public final class SiteTransaction {
    enum Pending {
        case present(Document)
        case deleted
    }

    let site: Site
    /// The user the change is made as (`owner` / `modified_by`).
    public let user: String
    var pending: [DocumentKey: Pending] = [:]
    /// The serialized bytes of pending documents whose last change was an insert: the Create
    /// payload and the store's bytes are one serialization, made once.
    var pendingBytes: [DocumentKey: [UInt8]] = [:]
    /// Index terms of pending documents, computed once per version (unique checks, link
    /// lookups and the store fold all need them).
    var pendingTerms: [DocumentKey: [IndexTerm]] = [:]
    /// The pending documents holding each term (the inverse of `pendingTerms`) for the kinds of
    /// term `keys(matching:)` asked about in a transaction of many documents, kept up to date
    /// from then on; most transactions never ask.
    var pendingByTerm = PendingTermIndex()
    /// Keys in the order they were first touched, so the store sees changes in log order.
    var touched: [DocumentKey] = []
    var entries: [EntryDraft] = []
    /// What this transaction took of each series it used, in first-use order. An array: a
    /// transaction uses one or two series, where a dictionary costs an allocation and hashing
    /// per take.
    var seriesTaken: [SeriesTake] = []
    /// Counters as this transaction has advanced them (series prefix → highest value it took).
    var series: LazyMapCollection<[SeriesTake], (prefix: String, value: Int)> {
        seriesTaken.lazy.map { ($0.prefix, $0.highest) }
    }
    /// Counters advanced by the entry being built; moved into its annotations.
    var seriesForCurrentEntry: [String: Int] = [:]
    /// Nested lifecycle calls (a hook inserting a GL Entry) deepen this; used to stop runaway
    /// hook recursion with a clear error instead of a stack overflow.
    var depth = 0
    /// Set when the transaction replays a producer's record (SiteTransaction+Replication.swift).
    var replication: ReplicationContext?

    /// Set when the transaction runs outside the writer lock (`Site.writeConcurrently`): what it
    /// read from the store, checked under the lock before it may commit.
    var reads: ReadSet?

    /// The transaction committed just before this one when the store may not have taken it
    /// yet (`DeferredApply`): reads go through its changes before the store. Dropped once
    /// that one is applied, so committed transactions never hold a chain of earlier ones.
    var earlier: DeferredApply?

    init(site: Site, user: String, reads: ReadSet? = nil, earlier: DeferredApply? = nil) {
        self.site = site
        self.user = user
        self.reads = reads
        self.earlier = earlier
    }

    /// A `modified`/`creation` stamp strictly after every one the site handed out before.
    func nextTimestamp() -> String {
        Timestamps.text(microseconds: site.nextStamp())
    }

    public var schema: Schema { site.schema }

    /// The document as this transaction sees it: its own pending version, else the stored one.
    public func get(_ doctype: String, _ name: String) throws -> Document? {
        let key = DocumentKey(doctype: doctype, name: name)
        switch pending[key] {
        case .present(let document)?: return document
        case .deleted?: return nil
        case nil:
            if let earlier, let state = earlier.pending(key) {
                if case .present(let document) = state { return document }
                return nil
            }
            reads?.read(key)
            return try site.storedDocument(key)
        }
    }

    public func exists(_ doctype: String, _ name: String) -> Bool {
        let key = DocumentKey(doctype: doctype, name: name)
        switch pending[key] {
        case .present?: return true
        case .deleted?: return false
        case nil:
            if let earlier, let state = earlier.pending(key) {
                if case .present = state { return true }
                return false
            }
            reads?.read(key)
            return site.store.contains(key)
        }
    }

    /// The stored bytes of `key` as this transaction's reads see the store (through `earlier`),
    /// for keys the transaction keeps no parsed version of (replication marks).
    func storedBytes(_ key: DocumentKey) throws -> [UInt8]? {
        if let earlier {
            if let bytes = earlier.others[key] { return bytes }
            switch earlier.pending(key) {
            case .present(let document)?: return document.json.serialized()
            case .deleted?: return nil
            case nil: break
            }
        }
        return try site.store.get(key)
    }

    /// Documents whose index `term` has `value`, this transaction's pending changes included.
    /// Costs one store lookup and the pending documents that hold the term, not a pass over
    /// everything the transaction touched.
    func keys(matching term: IndexTerm) -> Set<DocumentKey> {
        var keys = Set<DocumentKey>()
        let stored = site.store.keys(matching: term)
        if reads != nil {
            // A holder that changes later is seen through its key; a new holder through the term.
            reads!.read(term)
            for key in stored { reads!.read(key) }
        }
        for key in stored {
            switch pending[key] {
            case nil:
                // The store may or may not have taken `earlier` yet: its version decides.
                if let earlier, let state = earlier.pending(key) {
                    if case .present = state, earlier.holds(key, term) { keys.insert(key) }
                } else {
                    keys.insert(key)
                }
            case .deleted?: continue
            case .present?: if pendingTerms[key]?.contains(term) == true { keys.insert(key) }
            }
        }
        if let earlier {
            for key in earlier.holders(of: term) where pending[key] == nil { keys.insert(key) }
        }
        addPendingHolders(of: term, to: &keys)
        return keys
    }

    /// A transaction of at most this many pending documents finds the holders of a term by
    /// looking at each one's terms, and builds no `pendingByTerm`.
    static let termIndexThreshold = 16

    /// Adds the pending documents that hold `term` to `keys`. A transaction of a few
    /// documents (a Customer insert checking its unique fields, an invoice with its GL
    /// Entries) looks at their terms; building the term index instead, which `record` then
    /// has to keep up with a set per term of every later document, was a tenth of a Customer
    /// insert's CPU.
    func addPendingHolders(of term: IndexTerm, to keys: inout Set<DocumentKey>) {
        if pendingByTerm.isEmpty, pendingTerms.count <= Self.termIndexThreshold {
            for (key, terms) in pendingTerms where terms.contains(term) { keys.insert(key) }
            return
        }
        if !pendingByTerm.covers(term.index) { pendingByTerm.addKind(term.index, from: pendingTerms) }
        if let holders = pendingByTerm.holders(of: term) { keys.formUnion(holders) }
    }

    // MARK: Recording changes

    /// The index terms of `document`, the pending version of `key`.
    func terms(of key: DocumentKey, _ document: Document, distinctLinks: [IndexTerms.Link]? = nil) -> [IndexTerm] {
        if let cached = pendingTerms[key] { return cached }
        guard let doctype = schema[key.doctype] else { return [] }
        return IndexTerms.terms(for: document, doctype: doctype, schema: schema, distinctLinks: distinctLinks)
    }

    /// The version of `key` this transaction leaves, nil when it deletes it.
    func pendingDocument(_ key: DocumentKey) -> Document? {
        if case .present(let document)? = pending[key] { return document }
        return nil
    }

    /// The store change for a pending key, reusing the bytes and terms already made for it.
    func storeChange(_ key: DocumentKey) -> StoreChange {
        switch pending[key]! {
        case .present(let document):
            .put(key, document: pendingBytes[key] ?? document.json.serialized(), terms: terms(of: key, document))
        case .deleted:
            .delete(key)
        }
    }

    /// `distinctLinks`: the new version's links when the caller checked them already
    /// (`checkLinks`).
    /// Whether this transaction's version of `key` replaces a stored one, as far as the
    /// transaction knows without asking the store: not when its last change was an insert.
    /// (A document deleted and inserted again in one transaction counts as new.) For choosing
    /// which versions `RecentDocuments` keeps, where asking the store meant taking its lock
    /// under the writer lock for every document written.
    func replacesStoredVersion(_ key: DocumentKey) -> Bool {
        pendingBytes[key] == nil
    }

    func record(_ key: DocumentKey, _ state: Pending, distinctLinks: [IndexTerms.Link]? = nil) {
        if pending.isEmpty {
            // An invoice's transaction holds three documents (with its GL Entries): room for
            // them at once, not a rehash at the second and the third.
            // (A new dictionary, not `reserveCapacity`, which ran unspecialized, instantiating
            // generic metadata on every call.)
            pending = Dictionary(minimumCapacity: 4)
            pendingTerms = Dictionary(minimumCapacity: 4)
            pendingBytes = Dictionary(minimumCapacity: 4)
        }
        if pending.updateValue(state, forKey: key) == nil {
            // New to the transaction: it has no bytes or terms here to forget (an insert, the
            // common case, hashes its key twice less).
            touched.append(key)
        } else {
            pendingBytes[key] = nil
            if let old = pendingTerms.removeValue(forKey: key), !pendingByTerm.isEmpty {
                pendingByTerm.remove(old, of: key)
            }
        }
        if case .present(let document) = state {
            // Worked out afresh: whatever was cached for the key is forgotten above.
            let terms = schema[key.doctype].map {
                IndexTerms.terms(for: document, doctype: $0, schema: schema, distinctLinks: distinctLinks)
            } ?? []
            pendingTerms[key] = terms
            if !pendingByTerm.isEmpty { pendingByTerm.add(terms, of: key) }
        }
    }

    /// Appends the log entry of a Create: `document` serialized once, for the log and the store.
    func appendCreate(_ key: DocumentKey, _ document: Document) {
        let bytes = document.json.serialized()
        pendingBytes[key] = bytes
        appendEntry(.create, doctype: key.doctype, name: key.name, payloadBytes: bytes, modified: nil)
    }

    func appendEntry(_ type: UpdateType, doctype: String, name: String, payload: JSON, modified: String?) {
        appendEntry(type, doctype: doctype, name: name, payloadBytes: payload.serialized(), modified: modified)
    }

    func appendEntry(_ type: UpdateType, doctype: String, name: String, payloadBytes: [UInt8], modified: String?) {
        var annotations = EntryAnnotations()
        annotations.modified = modified
        annotations.modifiedBy = modified == nil ? nil : user
        annotations.series = seriesForCurrentEntry
        seriesForCurrentEntry = [:]
        entries.append(EntryDraft(updateType: type, doctype: doctype, docname: name,
                                  annotations: annotations.encoded(), payload: payloadBytes))
    }

    /// The next value of a naming series. Values come from the site's counters, which every
    /// transaction shares, so two transactions running at once never get the same one.
    func nextSeriesValue(_ prefix: String) -> Int {
        let value = site.seriesCounters.take(prefix)
        seriesForCurrentEntry[prefix] = value
        if let i = seriesTaken.firstIndex(where: { $0.prefix == prefix }) {
            seriesTaken[i].highest = max(seriesTaken[i].highest, value)
            seriesTaken[i].count += 1
        } else {
            seriesTaken.append(SeriesTake(prefix: prefix, before: value - 1, count: 1, highest: value))
        }
        return value
    }

    /// Hands back the series values this transaction took, when it is not to be written; each
    /// counter goes back only if nobody took a value after this transaction's last one.
    func returnSeries() {
        for taken in seriesTaken {
            site.seriesCounters.giveBack(taken.prefix, last: taken.highest, before: taken.before, count: taken.count)
        }
        seriesTaken = []
    }

    func enterHook() throws {
        depth += 1
        if depth > 16 {
            throw SiteError(.validation, "controller hooks nested more than 16 deep; a hook is probably writing in a loop")
        }
    }

    func leaveHook() { depth -= 1 }
}

/// What a transaction took of one naming series: the counter before its first take, how many
/// values, and the highest, so a transaction that comes to nothing can hand them back.
struct SeriesTake {
    var prefix: String
    var before: Int
    var count: Int
    var highest: Int
}

/// The naming-series counter a transaction hands to `Namer`.
struct TransactionSeriesCounter: SeriesCounter {
    let transaction: SiteTransaction
    mutating func next(series: String) throws -> Int { transaction.nextSeriesValue(series) }
}

import DocumentModel
import EventLog
import SnapshotStore

/// What a transaction that replays a producer's record adds to its log entries; see
/// `ReplicaMark` and `StreamMark`.
struct ReplicationContext {
    var stream: StreamMark?
    /// Local document key → its mark and the origin its entries carry.
    var replicas: [DocumentKey: (mark: ReplicaMark, origin: Origin)] = [:]
    /// The same marks by the producer's document (`ReplicationFold.replicaKey`) → sequence, so
    /// a transaction replaying many records looks one up without a pass over all of them.
    var sequences: [DocumentKey: UInt64] = [:]
    /// Documents this transaction will insert before it ends; links to them pass the link check.
    var promised: Set<DocumentKey> = []
    /// The marks `sealReplication` wrote into the entries, in entry order (nil before it ran).
    var sealed: [SealedMarks]?

    struct SealedMarks {
        var doctype: String
        var origin: Origin?
        var replica: ReplicaMark?
        var stream: StreamMark?
    }
}

extension SiteTransaction {
    /// Makes this transaction carry the consumer's watermark for `mark.producer`: its last log
    /// entry gets the mark, and committing it moves the watermark (`Site.streamWatermark`) in
    /// the same store apply as the documents. A transaction that writes nothing moves nothing.
    public func setStreamMark(_ mark: StreamMark) {
        // Mutated in place: copying the context out and back would copy its dictionaries on
        // every call, quadratic for a transaction replaying a run of records.
        if replication == nil { replication = ReplicationContext() }
        replication!.stream = mark
    }

    /// Marks the entries this transaction writes for `doctype`/`name` (the local name) as a
    /// replica of the producer's document: they carry `origin` (so they are never sent back
    /// to where they came from) and `mark`, which moves the document's replica sequence
    /// (`Site.replicaSequence`).
    public func markReplica(doctype: String, name: String, _ mark: ReplicaMark, origin: Origin) {
        if replication == nil { replication = ReplicationContext() }
        let key = DocumentKey(doctype: doctype, name: name)
        if let previous = replication!.replicas[key] {
            replication!.sequences[ReplicationFold.replicaKey(producer: previous.mark.producer, doctype: doctype, remoteName: previous.mark.remoteName)] = nil
        }
        replication!.replicas[key] = (mark, origin)
        replication!.sequences[ReplicationFold.replicaKey(producer: mark.producer, doctype: doctype, remoteName: mark.remoteName)] = mark.sequence
    }

    /// Declares documents this transaction is about to insert, so links among them pass the
    /// link check whatever the order (a cycle of fetched dependencies: A links B, B links A).
    /// Every promised document must be inserted before the transaction ends; `Site.write`
    /// refuses to commit otherwise.
    public func promiseDocuments(_ keys: some Sequence<DocumentKey>) {
        if replication == nil { replication = ReplicationContext() }
        replication!.promised.formUnion(keys)
    }

    /// Whether this transaction already marked the local document `doctype`/`name` as a
    /// replica. Its entries all carry one mark, so a transaction replaying several records
    /// must give a second record of the same document a transaction of its own.
    public func hasReplicaMark(doctype: String, name: String) -> Bool {
        replication?.replicas[DocumentKey(doctype: doctype, name: name)] != nil
    }

    /// The local copy of the producer's document `docname` kept under a name of this site's
    /// own (`remote_site_name` + `remote_docname`), this transaction's changes included.
    public func replicatedDocument(_ doctype: String, site siteName: String, docname: String) throws -> Document? {
        guard let name = replicatedName(doctype, site: siteName, docname: docname) else { return nil }
        return try get(doctype, name)
    }

    /// The local name of that copy, without reading the document.
    public func replicatedName(_ doctype: String, site siteName: String, docname: String) -> String? {
        let term = IndexTerm(index: IndexTerms.remoteIndex(doctype: doctype), value: IndexTerms.remoteValue(site: siteName, docname: docname))
        return keys(matching: term).first?.name
    }

    func isPromised(_ key: DocumentKey) -> Bool {
        replication?.promised.contains(key) ?? false
    }

    /// The replica sequence of a producer's document as this transaction sees it.
    public func replicaSequence(producer: String, doctype: String, remoteName: String) throws -> UInt64? {
        let key = ReplicationFold.replicaKey(producer: producer, doctype: doctype, remoteName: remoteName)
        if let sequence = replication?.sequences[key] { return sequence }
        reads?.read(key)
        return try ReplicationFold.replicaSequence(try storedBytes(key))
    }

    /// Writes the replication marks into the entries' origin and annotations; the write path
    /// calls it just before appending. Remembers the marks it wrote (`ReplicationContext.sealed`)
    /// for `replicationStoreChanges`.
    func sealReplication() throws {
        guard let context = replication else { return }
        if let broken = context.promised.first(where: { !exists($0.doctype, $0.name) }) {
            throw SiteError(.linkValidation, "\(broken.doctype) \(broken.name) was promised to this transaction but not inserted",
                            doctype: broken.doctype, docname: broken.name)
        }
        var sealed: [ReplicationContext.SealedMarks] = []
        defer { replication!.sealed = sealed }
        guard !entries.isEmpty else { return }
        for i in entries.indices {
            let key = DocumentKey(doctype: entries[i].doctype, name: entries[i].docname)
            let isLast = i == entries.count - 1
            let replica = context.replicas[key]
            let stream = isLast ? context.stream : nil
            guard replica != nil || stream != nil else { continue }
            if let replica { entries[i].origin = replica.origin }
            entries[i].annotations = try EntryAnnotations.adding(replica: replica?.mark, stream: stream, to: entries[i].annotations)
            sealed.append(.init(doctype: entries[i].doctype, origin: entries[i].origin, replica: replica?.mark, stream: stream))
        }
    }

    /// The store changes that fold this transaction's replication marks, read against the
    /// store under the writer lock. Only after `sealReplication`, whose marks they fold: the
    /// entries carry no others.
    func replicationStoreChanges() throws -> [StoreChange] {
        guard let context = replication else { return [] }
        guard let sealed = context.sealed else { preconditionFailure("replicationStoreChanges before sealReplication") }
        var fold = ReplicationFold(reading: { try self.storedBytes($0) })
        for marks in sealed {
            var annotations = EntryAnnotations()
            annotations.replica = marks.replica
            annotations.stream = marks.stream
            try fold.fold(doctype: marks.doctype, origin: marks.origin, annotations)
        }
        return fold.changes()
    }
}

extension Site {
    /// The consumer's position in the log of the producer with site id `producer`, or nil
    /// before the first subscription to it.
    public func streamWatermark(producer: String) throws -> StreamWatermark? {
        try ReplicationFold.watermark(in: store, producer: producer)
    }

    /// The last producer sequence applied to the producer's document `remoteName`, or nil if
    /// none was ever applied.
    public func replicaSequence(producer: String, doctype: String, remoteName: String) throws -> UInt64? {
        try ReplicationFold.replicaSequence(in: store, producer: producer, doctype: doctype, remoteName: remoteName)
    }

    /// Every document `document` links to (Link, Dynamic Link, and the links of its rows),
    /// without duplicates, in field order. Links to `DocType` are not documents and are left out.
    public func linkTargets(of document: Document) -> [DocumentKey] {
        guard let doctype = schema[document.doctype] else { return [] }
        var seen = Set<DocumentKey>()
        var result: [DocumentKey] = []
        for link in IndexTerms.links(of: document.object, doctype: doctype, schema: schema) {
            let key = DocumentKey(doctype: link.doctype, name: link.name)
            if seen.insert(key).inserted { result.append(key) }
        }
        return result
    }

    /// Whether `document` links (rows included) to a document of an installed DocType that
    /// `tx` cannot see. The same targets as `linkTargets(of:)`, for a replay's check before it
    /// inserts or saves, without building keys: each distinct target is looked up once, found
    /// by comparing names (rows mostly repeat a few targets) until there are many.
    public func lacksLinkTarget(_ document: Document, in tx: SiteTransaction) -> Bool {
        guard let doctype = schema[document.doctype] else { return false }
        var looked: [IndexTerms.Link] = []
        var lookedMany = Set<DocumentKey>()
        for link in IndexTerms.links(of: document.object, doctype: doctype, schema: schema) {
            if looked.count < 32 {
                if looked.contains(where: { $0.name == link.name && $0.doctype == link.doctype }) { continue }
                looked.append(link)
            } else if !lookedMany.insert(DocumentKey(doctype: link.doctype, name: link.name)).inserted
                        || looked.contains(where: { $0.name == link.name && $0.doctype == link.doctype }) {
                continue
            }
            if schema.contains(link.doctype), !tx.exists(link.doctype, link.name) { return true }
        }
        return false
    }

    /// The documents that link to `key` (through the store's link index).
    public func documentsLinking(to key: DocumentKey) -> [DocumentKey] {
        store.keys(matching: IndexTerm(index: IndexTerms.linkTo, value: IndexTerms.linkValue(doctype: key.doctype, name: key.name)))
    }

    /// Up to `limit` of the documents that link to `key`, in no particular order (cheap
    /// however many there are).
    public func documentsLinking(to key: DocumentKey, limit: Int) -> [DocumentKey] {
        store.keys(matching: IndexTerm(index: IndexTerms.linkTo, value: IndexTerms.linkValue(doctype: key.doctype, name: key.name)), limit: limit)
    }
}

import DocumentModel
import EventLog
import Foundation
import Logging
import SiteStreamJSON
import SnapshotStore
import Synchronization

/// An open site: its identity, schema, Event Update Log and snapshot store, and the single
/// writer through which every change goes.
///
/// A site is event-sourced. A write runs the lifecycle in a `SiteTransaction`, appends its
/// entries to the log, folds the resulting documents into the store and is acknowledged once
/// the log has them per the durability setting. The store never holds a change the log lacks;
/// opening a site levels the store with the log.
///
/// ```swift
/// let site = try Site.open(at: layout, logger: logger)
/// let invoice = try await site.write { tx in try tx.insert(Document(json: json)!) }
/// ```
public final class Site: Sendable {
    public let layout: SiteLayout
    public let identity: SiteIdentity
    public let schema: Schema
    public let schemaWarnings: [SchemaWarning]
    public let controllers: ControllerRegistry
    public let log: EventLog
    public let store: SnapshotStore
    let logger: Logger
    let lock: SiteLock
    let writer: Mutex<WriterState>
    /// The versions the writer stored last, parsed (`RecentDocuments`).
    let recentDocuments = RecentDocuments()
    /// Where `writeQueued(as:deferringStore:)` transactions are folded into the store.
    let applyQueue = ApplyQueue()
    /// Naming-series values handed out, ahead of or equal to `WriterState.series`.
    let seriesCounters: SeriesCounters
    /// The last `modified`/`creation` stamp handed out, in microseconds; stamps only grow.
    let lastStamp = Atomic<Int64>(0)
    /// The last log sequence folded into the store by a commit (stored after the fold): a
    /// transaction that starts reading after loading it sees every commit through it.
    let committedThrough: Atomic<UInt64>
    /// How the writer fares: retries of `writeConcurrently`, CPU time spent holding the lock.
    public let writerStatistics = WriterStatistics()

    /// What only the writer touches, under `writer`'s lock.
    struct WriterState {
        /// The sequence number the next appended entry will get.
        var nextSequence: UInt64
        /// Naming-series counters (prefix → highest value committed), as the store keeps them.
        var series: [String: Int]
        /// What recent commits wrote, to check transactions that ran outside the lock.
        var recent: RecentWrites
        /// Set when the store could not take a change the log has: writes are refused until the
        /// site is reopened, which levels the store with the log.
        var failure: String?
        /// The last transaction handed to the apply queue (`DeferredApply`), until a writer
        /// finds it applied.
        var deferred: DeferredApply?
    }

    init(layout: SiteLayout, identity: SiteIdentity, schema: Schema, warnings: [SchemaWarning],
         controllers: ControllerRegistry, log: EventLog, store: SnapshotStore, lock: SiteLock,
         series: [String: Int], logger: Logger) {
        self.layout = layout
        self.identity = identity
        self.schema = schema
        self.schemaWarnings = warnings
        self.controllers = controllers
        self.log = log
        self.store = store
        self.lock = lock
        self.logger = logger
        let committed = log.lastWrittenSequence
        self.writer = Mutex(WriterState(nextSequence: committed + 1, series: series, recent: RecentWrites(committed: committed)))
        self.seriesCounters = SeriesCounters(series)
        self.committedThrough = Atomic(committed)
    }

    /// A `modified`/`creation` stamp (microseconds) strictly after every one handed out before,
    /// whichever transaction asks.
    func nextStamp() -> Int64 {
        let now = Timestamps.nowMicroseconds()
        var last = lastStamp.load(ordering: .relaxed)
        while true {
            let stamp = max(now, last + 1)
            let (exchanged, original) = lastStamp.compareExchange(expected: last, desired: stamp, ordering: .relaxed)
            if exchanged { return stamp }
            last = original
        }
    }

    /// Makes the log durable, checkpoints the store and releases the site.
    public func close() throws {
        defer { lock.release() }
        settleDeferredWrites()
        try log.close()
        try store.close()
    }

    // MARK: Reads

    /// The stored version of a document, or nil.
    public func get(_ doctype: String, _ name: String) throws -> Document? {
        try storedDocument(DocumentKey(doctype: doctype, name: name))
    }

    public func exists(_ doctype: String, _ name: String) -> Bool {
        store.contains(DocumentKey(doctype: doctype, name: name))
    }

    func storedDocument(_ key: DocumentKey) throws -> Document? {
        if let recent = recentDocuments.document(key) { return recent }
        guard let bytes = try store.get(key) else { return nil }
        do {
            guard let document = Document(json: try JSON(parsing: bytes)) else {
                throw SiteError(.corruptSiteFile, "stored \(key) is not a document")
            }
            return document
        } catch let error as SiteError {
            throw error
        } catch {
            throw SiteError(.corruptSiteFile, "stored \(key) is not valid JSON: \(error)")
        }
    }

    /// Documents of `doctype` in name order, `offset` and `limit` applied after `filter`.
    public func list(_ doctype: String, offset: Int = 0, limit: Int = 20,
                     where filter: (Document) -> Bool = { _ in true }) throws -> [Document] {
        guard schema[doctype] != nil else {
            throw SiteError(.notFound, "DocType \(doctype) not found on this site", doctype: doctype)
        }
        var result: [Document] = []
        var skipped = 0
        try store.scan(doctype: doctype) { _, bytes in
            guard let document = Document(json: try JSON(parsing: bytes)) else { return true }
            guard filter(document) else { return true }
            if skipped < offset {
                skipped += 1
                return true
            }
            result.append(document)
            return result.count < limit
        }
        return result
    }

    public func count(_ doctype: String) -> Int { store.count(doctype: doctype) }

    /// The local document replicated from `site` under the producer's name `docname`.
    public func replicatedDocument(_ doctype: String, site: String, docname: String) throws -> Document? {
        guard let name = replicatedName(doctype, site: site, docname: docname) else { return nil }
        return try storedDocument(DocumentKey(doctype: doctype, name: name))
    }

    /// The local name of that copy, without reading the document.
    public func replicatedName(_ doctype: String, site: String, docname: String) -> String? {
        let term = IndexTerm(index: IndexTerms.remoteIndex(doctype: doctype), value: IndexTerms.remoteValue(site: site, docname: docname))
        return store.keys(matching: term).first?.name
    }
}

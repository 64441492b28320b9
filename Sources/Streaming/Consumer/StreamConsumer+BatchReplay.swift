import DocumentModel
import EventLog
import Site
import SiteStreamJSON
import SnapshotStore

extension StreamConsumer {
    /// What became of a run of a reply's records replayed in one transaction.
    struct BatchResult {
        /// The records taken (from the run's start), each with its outcome; all `synced` or
        /// `skipped`.
        var outcomes: [ReplayOutcome] = []
        /// The acknowledgement of the transaction (nil when it wrote nothing).
        var acknowledgement: WriteAcknowledgement?
        /// A record was refused for a link target the site lacks: the pull checks links before
        /// replaying from then on (`replayBatch`'s `checkingLinks`).
        var missedLinkTarget = false
    }

    /// A record of a reply to replay: the producer's cursor after it, and its payload parsed
    /// ahead (`ParsedPayload`).
    struct ReplayItem: Sendable {
        var cursor: LogCursor
        var record: LogRecord
        var parsed: ParsedPayload
    }

    /// A record replayed inside the batch's transaction, or the reason it is not.
    enum BatchStep {
        case synced, skipped
        /// The record needs what a shared transaction cannot give (the network, a parked
        /// document, a second change of a document this transaction already changed): the
        /// batch ends before it.
        case stop
        /// The record links to a document the site lacks (`checkingLinks`): the batch ends
        /// before it, as for `stop`, and the pull goes on checking links.
        case lacksLinkTarget
    }

    /// A record of the run threw inside the shared transaction (which therefore wrote
    /// nothing): `index` is its place in the run.
    struct BatchAbort: Error {
        var index: Int
        /// The record was refused for a link target the site lacks (`SiteError.linkValidation`).
        var missedLinkTarget: Bool
    }

    /// Replays the longest possible prefix of `records[start...]` as one queued transaction,
    /// whose last entry carries the watermark of the last record taken (and how many were
    /// synced). A record that needs the single-record path (`replay`) ends the run before it;
    /// so does one that fails: its transaction is dropped and the records before it are
    /// replayed again without it, so a failure never takes a neighbour down with it and is
    /// recorded by `replay` on its own. Returns an empty result when `records[start]` itself
    /// must go through `replay`.
    ///
    /// `checkingLinks`: before a record is inserted or saved, its link targets are looked up,
    /// and one the site lacks (to be fetched from the producer) ends the run before it. Without
    /// it the insert's own link check refuses such a record, which costs the run's records
    /// before it a second replay; a catch-up whose masters are subscribed never lacks one, so
    /// the pull starts without the check and turns it on at the first miss
    /// (`BatchResult.missedLinkTarget`). Either way the record goes through `replay`.
    func replayBatch(_ records: ArraySlice<ReplayItem>, configuration: ProducerConfiguration,
                     mappings: [String: FieldMapping], checkingLinks: Bool = true) throws -> BatchResult {
        let parked = try parkedKeys(producer: configuration.name)
        var limit = records.endIndex
        var missed = false
        while limit > records.startIndex {
            do {
                var result = try replayBatch(records[records.startIndex..<limit], configuration: configuration, mappings: mappings,
                                             parked: parked, checkingLinks: checkingLinks)
                result.missedLinkTarget = result.missedLinkTarget || missed
                return result
            } catch let abort as BatchAbort {
                limit = abort.index
                missed = missed || abort.missedLinkTarget
            }
        }
        return BatchResult(missedLinkTarget: missed)
    }

    private func replayBatch(_ records: ArraySlice<ReplayItem>, configuration: ProducerConfiguration,
                             mappings: [String: FieldMapping], parked: Set<ParkKey>, checkingLinks: Bool) throws -> BatchResult {
        let producerID = configuration.siteID
        // The store takes each batch while the next one replays (`DeferredApply`); the pull
        // settles it before anything reads the site directly.
        let ((outcomes, lacked), acknowledgement) = try site.writeQueued(as: configuration.user, deferringStore: true) { tx -> ([ReplayOutcome], Bool) in
            var outcomes: [ReplayOutcome] = []
            var synced: UInt64 = 0
            for index in records.indices {
                let (cursor, record) = (records[index].cursor, records[index].record)
                let step: BatchStep
                do {
                    step = try replayInTransaction(record, parsed: records[index].parsed, configuration: configuration, mappings: mappings,
                                                   parked: parked, checkingLinks: checkingLinks, tx: tx)
                } catch {
                    throw BatchAbort(index: index, missedLinkTarget: (error as? SiteError)?.code == .linkValidation)
                }
                if step == .stop { break }
                if step == .lacksLinkTarget { return (outcomes, true) }
                if step == .synced { synced += 1 }
                outcomes.append(step == .synced ? .synced : .skipped)
                tx.setStreamMark(StreamMark(producer: producerID, sequence: record.sequence, cursor: cursor, outcome: .synced, count: synced))
            }
            return (outcomes, false)
        }
        return BatchResult(outcomes: outcomes, acknowledgement: acknowledgement, missedLinkTarget: lacked)
    }

    /// Replays `record` into `tx`, as `apply` would on its own, when that needs nothing but
    /// the transaction; `.stop` otherwise (before changing anything). Throws when the replay
    /// fails (the caller drops the transaction).
    func replayInTransaction(_ record: LogRecord, parsed: ParsedPayload, configuration: ProducerConfiguration, mappings: [String: FieldMapping],
                             parked: Set<ParkKey>, checkingLinks: Bool = true, tx: SiteTransaction) throws -> BatchStep {
        guard let row = configuration.row(for: record.doctype) else { return .skipped }
        if parked.contains(ParkKey(doctype: record.doctype, docname: record.docname)) { return .stop }
        // Grants and revokes carry rules of their own (`apply`).
        if record.updateType == .create || record.updateType == .delete, AccessMark(annotations: record.annotations) != nil { return .stop }
        var mapping: FieldMapping?
        if let name = row.mapping {
            guard let loaded = mappings[name] else { return .stop }
            mapping = loaded
        }
        let producerID = configuration.siteID
        let doctype = mapping?.localDoctype ?? record.doctype
        if let applied = try tx.replicaSequence(producer: producerID, doctype: doctype, remoteName: record.docname), applied >= record.sequence {
            return .skipped
        }
        if let origin = record.origin, origin.site != producerID {
            if origin.site == site.identity.id { return .skipped }
            if let applied = try tx.replicaSequence(producer: origin.site, doctype: doctype, remoteName: record.docname), applied >= origin.sequence {
                return .skipped
            }
        }
        let origin = record.origin ?? Origin(site: producerID, sequence: record.sequence)
        let replica = ReplicaMark(producer: producerID, sequence: record.sequence, remoteName: record.docname)
        func localName() throws -> String? {
            if row.useSameName { return tx.exists(doctype, record.docname) ? record.docname : nil }
            return tx.replicatedName(doctype, site: configuration.name, docname: record.docname)
        }
        switch record.updateType {
        case .create:
            guard let received = try parsed.document(of: record) else { return .stop }
            let (document, links) = try mapping?.map(received, schema: site.schema) ?? (received, [])
            guard links.isEmpty else { return .stop }
            if checkingLinks && lacksLinkTargets(document, tx: tx) { return .lacksLinkTarget }
            if row.useSameName, tx.hasReplicaMark(doctype: doctype, name: record.docname) { return .stop }
            let stored = try tx.insert(Self.named(document, row: row, remoteName: record.docname, configuration: configuration),
                                       keepingName: row.useSameName)
            tx.markReplica(doctype: doctype, name: stored.name!, replica, origin: origin)
        case .update, .cancel:
            // A document this site lacks is fetched whole by `apply`.
            guard let name = try localName(), !tx.hasReplicaMark(doctype: doctype, name: name),
                  let local = try tx.get(doctype, name) else { return .stop }
            let diff = try parsed.diff(of: record)
            let (change, links) = try mapping?.map(diff, schema: site.schema) ?? (diff, [])
            guard links.isEmpty else { return .stop }
            var document = try change.apply(to: local)
            if checkingLinks && lacksLinkTargets(document, tx: tx) { return .lacksLinkTarget }
            document.modified = local.modified
            try tx.save(document)
            tx.markReplica(doctype: doctype, name: name, replica, origin: origin)
        case .delete:
            guard let name = try localName() else { return .synced }  // nothing to delete, as `apply`
            if tx.hasReplicaMark(doctype: doctype, name: name) { return .stop }
            try tx.delete(doctype, name)
            tx.markReplica(doctype: doctype, name: name, replica, origin: origin)
        }
        return .synced
    }

    /// Whether `document` links to a document of a known DocType that this transaction cannot
    /// see: fetching it needs the network, so the record goes through `apply`.
    func lacksLinkTargets(_ document: Document, tx: SiteTransaction) -> Bool {
        site.lacksLinkTarget(document, in: tx)
    }

    /// The Document Type Mappings the rows of `configuration` name, loaded once per reply;
    /// one that fails to load is left out (its records go through `apply`, which reports why).
    func loadMappings(_ configuration: ProducerConfiguration) -> [String: FieldMapping] {
        var mappings: [String: FieldMapping] = [:]
        for name in Set(configuration.rows.compactMap(\.mapping)) {
            mappings[name] = try? FieldMapping(site: site, name: name)
        }
        return mappings
    }
}

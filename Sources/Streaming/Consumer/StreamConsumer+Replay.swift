import DocumentModel
import EventLog
import Site
import SiteStreamJSON
import SnapshotStore

extension StreamConsumer {
    /// What became of one record.
    public enum ReplayOutcome: String, Sendable {
        case synced, skipped, failed
    }

    /// What replaying one record will do, worked out before the write (fetching dependencies
    /// needs the network, which a transaction must not wait for).
    enum Plan {
        /// Insert the document (producer's name kept or not per the row).
        case insert(Document, replicaSequence: UInt64)
        /// Save the stored document `local` with `diff` folded in.
        case update(localName: String, DocumentDiff)
        /// Replace the stored document `local` with the producer's current state (a grant).
        case replace(localName: String, Document, replicaSequence: UInt64)
        case delete(localName: String)
        /// Nothing to do (a Delete of a document this site does not have).
        case nothing
    }

    /// Replays one verified record as its own transaction; a failure becomes an `Event Sync
    /// Log` document in a transaction of its own, and parks the document: its later records
    /// from the same producer are recorded as `Waiting` behind it instead of being applied
    /// (`StreamConsumer+Parking.swift`). Every outcome moves the watermark to `cursorAfter`.
    /// The write is queued, not waited for: the caller waits for the returned acknowledgement
    /// (once per reply) before it counts the record as done. `waiting` tells a record kept
    /// behind its parked document from a failure of its own.
    func replay(_ record: LogRecord, cursorAfter: LogCursor, configuration: ProducerConfiguration,
                client: any ProducerClient) async throws -> (ReplayOutcome, WriteAcknowledgement?, waiting: Bool) {
        guard let row = configuration.row(for: record.doctype) else { return (.skipped, nil, false) }
        let producerID = configuration.siteID
        let mark = StreamMark(producer: producerID, sequence: record.sequence, cursor: cursorAfter, outcome: .synced)
        var failedMark = mark
        failedMark.outcome = .failed
        let key = ParkKey(doctype: record.doctype, docname: record.docname)
        if try isParked(key, configuration: configuration) {
            return (.failed, try recordWaiting(record, row: row, configuration: configuration, mark: failedMark), true)
        }
        do {
            let (outcome, acknowledgement) = try await apply(record, row: row, configuration: configuration, client: client, mark: mark)
            return (outcome, acknowledgement, false)
        } catch let failure as ApplyFailure {
            // A record about a document the producer has deleted since is obsolete (its
            // Delete follows): its links may be gone or no longer reachable. Skip it rather
            // than record a failure nobody can act on.
            if record.updateType != .delete, try await isGoneOnProducer(record, client: client) {
                logger.info("skipped a record of a document deleted on the producer since",
                            metadata: ["producer": "\(configuration.name)", "doctype": "\(record.doctype)", "docname": "\(record.docname)"])
                return (.skipped, nil, false)
            }
            logger.warning("replay failed; the document is parked", metadata: [
                "producer": "\(configuration.name)", "doctype": "\(record.doctype)",
                "docname": "\(record.docname)", "sequence": "\(record.sequence)", "error": "\(failure.underlying)"])
            let acknowledgement = try recordFailure(record, row: row, localName: failure.localName, configuration: configuration,
                                                    mark: failedMark, error: failure.underlying)
            return (.failed, acknowledgement, false)
        }
    }

    /// A replay that failed for a reason about the document (not the transport).
    struct ApplyFailure: Error {
        var underlying: any Error
        var localName: String?
    }

    /// Applies one record as one queued transaction: dependencies, then the insert, save or
    /// delete, with replica marks; `mark` (nil during a resync, whose records are behind the
    /// watermark already) moves the watermark in the same write, and `alsoInSameWrite` adds
    /// what else must commit with it (a sync-log status change). Returns `.skipped` when the
    /// document already reflects the record. Throws `StreamError(.transport)` when the
    /// producer cannot be reached, `ApplyFailure` for everything about the document.
    func apply(_ record: LogRecord, row: ProducerConfiguration.Row, configuration: ProducerConfiguration,
               client: any ProducerClient, mark: StreamMark?,
               alsoInSameWrite: (SiteTransaction) throws -> Void = { _ in }) async throws -> (ReplayOutcome, WriteAcknowledgement?) {
        let producerID = configuration.siteID
        var localName: String?
        do {
            // With a mapping the record becomes a document of another, local DocType.
            let mapping = try row.mapping.map { try FieldMapping(site: site, name: $0) }
            let doctype = mapping?.localDoctype ?? record.doctype
            // A grant carries the document's state as of `as_of`; a revoke applies unless the
            // copy is newer than it (docs/streaming.md, "Access that changes").
            let access = record.updateType == .create || record.updateType == .delete ? AccessMark(annotations: record.annotations) : nil
            if case .revoke? = access, row.onRevoke == .keep { return (.skipped, nil) }
            let effective = access.map { max($0.asOf, record.sequence) } ?? record.sequence
            func alreadyApplied(_ applied: UInt64?) -> Bool {
                guard let applied else { return false }
                if case .revoke? = access { return applied > effective }
                return applied >= effective
            }
            if alreadyApplied(try site.replicaSequence(producer: producerID, doctype: doctype, remoteName: record.docname)) {
                return (.skipped, nil)
            }
            // A change of a third site that reached this one by another path already (the
            // replica sequence under its origin covers it), or this site's own change come
            // back: applied once, so skipped here (docs/streaming.md, "Echo and chains").
            if let origin = record.origin, origin.site != producerID {
                if origin.site == site.identity.id { return (.skipped, nil) }
                if let applied = try site.replicaSequence(producer: origin.site, doctype: doctype, remoteName: record.docname),
                   applied >= origin.sequence {
                    return (.skipped, nil)
                }
            }
            let origin = record.origin ?? Origin(site: producerID, sequence: record.sequence)
            var (plan, links) = try await makePlan(record, row: row, mapping: mapping, access: access, configuration: configuration, client: client)
            let linked = try await resolve(links, configuration: configuration, client: client)
            plan = plan.settingLinks(linked.names)
            let (dependencies, asOf) = try await fetchDependencies(of: plan, doctype: doctype, configuration: configuration, client: client,
                                                                   excluding: Set(linked.inserts.map { DocumentKey(doctype: $0.doctype, name: $0.name ?? "") }))
            let (_, acknowledgement) = try site.writeQueued(as: configuration.user) { tx in
                // Checked again on the writer: nothing can have applied it since, but if
                // something did, writing nothing is the safe answer.
                if alreadyApplied(try tx.replicaSequence(producer: producerID, doctype: doctype, remoteName: record.docname)) {
                    try alsoInSameWrite(tx)
                    return
                }
                if let mark { tx.setStreamMark(mark) }
                // Documents a Document mapping found missing: created through their mapping.
                for document in linked.inserts where !tx.exists(document.doctype, document.name ?? "") {
                    try tx.insert(document, keepingName: true)
                }
                let dependencyOrigin = Origin(site: producerID, sequence: asOf)
                tx.promiseDocuments(dependencies.map { DocumentKey(doctype: $0.doctype, name: $0.name ?? "") })
                for var dependency in dependencies where !tx.exists(dependency.doctype, dependency.name ?? "") {
                    // Always under the producer's name; a subscribed DocType that is otherwise
                    // renamed also gets its remote fields, so its later updates find it.
                    if let options = configuration.row(for: dependency.doctype), !options.useSameName {
                        dependency["remote_docname"] = dependency.name.map(JSON.string)
                        dependency["remote_site_name"] = .string(configuration.name)
                    }
                    let stored = try tx.insert(dependency, keepingName: true)
                    tx.markReplica(doctype: stored.doctype, name: stored.name!,
                                   ReplicaMark(producer: producerID, sequence: asOf, remoteName: stored.name!), origin: dependencyOrigin)
                }
                switch plan {
                case .insert(let document, let sequence):
                    let stored = try tx.insert(Self.named(document, row: row, remoteName: record.docname, configuration: configuration),
                                               keepingName: row.useSameName)
                    localName = stored.name
                    let replayedOrigin = sequence == record.sequence ? origin : Origin(site: producerID, sequence: sequence)
                    tx.markReplica(doctype: doctype, name: stored.name!,
                                   ReplicaMark(producer: producerID, sequence: sequence, remoteName: record.docname), origin: replayedOrigin)
                case .update(let name, let diff):
                    localName = name
                    guard let local = try tx.get(doctype, name) else {
                        throw StreamError(.notFound, "\(doctype) \(name) disappeared before the update could be applied",
                                          doctype: doctype, docname: name)
                    }
                    var document: Document
                    do { document = try diff.apply(to: local) } catch {
                        throw StreamError(.invalidRequest, "the update does not fit the local \(doctype) \(name): \(error)",
                                          doctype: doctype, docname: name)
                    }
                    document.modified = local.modified
                    try tx.save(document)
                    tx.markReplica(doctype: doctype, name: name,
                                   ReplicaMark(producer: producerID, sequence: record.sequence, remoteName: record.docname), origin: origin)
                case .replace(let name, let document, let sequence):
                    localName = name
                    guard let local = try tx.get(doctype, name) else {
                        throw StreamError(.notFound, "\(doctype) \(name) disappeared before the grant could be applied", doctype: doctype, docname: name)
                    }
                    try Self.replace(local, with: document, in: tx)
                    tx.markReplica(doctype: doctype, name: name,
                                   ReplicaMark(producer: producerID, sequence: sequence, remoteName: record.docname),
                                   origin: Origin(site: producerID, sequence: sequence))
                case .delete(let name):
                    localName = name
                    try tx.delete(doctype, name)
                    tx.markReplica(doctype: doctype, name: name,
                                   ReplicaMark(producer: producerID, sequence: effective, remoteName: record.docname), origin: origin)
                case .nothing:
                    break
                }
                try alsoInSameWrite(tx)
            }
            return (.synced, acknowledgement)
        } catch let failure as TransportFailure {
            throw StreamError(.transport, failure.description)
        } catch {
            throw ApplyFailure(underlying: error, localName: localName)
        }
    }

    /// `document` ready to insert under the row's naming: the producer's name kept
    /// (`use_same_name`), or left to this site's rule with `remote_docname` and
    /// `remote_site_name` saying whose copy it is.
    static func named(_ document: Document, row: ProducerConfiguration.Row, remoteName: String,
                      configuration: ProducerConfiguration) -> Document {
        var document = document
        if row.useSameName {
            document["remote_docname"] = nil
            document["remote_site_name"] = nil
        } else {
            document.name = nil
            document["remote_docname"] = .string(remoteName)
            document["remote_site_name"] = .string(configuration.name)
        }
        return document
    }

    /// Whether the producer no longer has the record's document.
    func isGoneOnProducer(_ record: LogRecord, client: any ProducerClient) async throws -> Bool {
        do {
            let reply = try await fetchDocuments(DocumentsRequest(consumer: site.identity.name,
                                                                  keys: [.init(doctype: record.doctype, name: record.docname)]), client: client)
            return reply.documents.isEmpty
        } catch let failure as TransportFailure {
            throw StreamError(.transport, failure.description)
        } catch {
            return false
        }
    }

    /// The local name of the producer's document `remoteName`, if this site has it.
    func localName(of doctype: String, remoteName: String, row: ProducerConfiguration.Row, configuration: ProducerConfiguration) throws -> String? {
        if row.useSameName {
            return site.exists(doctype, remoteName) ? remoteName : nil
        }
        return site.replicatedName(doctype, site: configuration.name, docname: remoteName)
    }

    func makePlan(_ record: LogRecord, row: ProducerConfiguration.Row, mapping: FieldMapping?, access: AccessMark?,
                  configuration: ProducerConfiguration, client: any ProducerClient) async throws -> (Plan, [MappedLink]) {
        let local = try localName(of: mapping?.localDoctype ?? record.doctype, remoteName: record.docname, row: row, configuration: configuration)
        let schema = site.schema
        func mapped(_ document: Document) throws -> (Document, [MappedLink]) {
            try mapping?.map(document, schema: schema) ?? (document, [])
        }
        switch record.updateType {
        case .create:
            guard let document = Document(json: try JSON(parsing: record.payload)) else {
                throw StreamError(.invalidRequest, "the Create payload is not a document", doctype: record.doctype, docname: record.docname)
            }
            let (result, links) = try mapped(document)
            if case .grant(let asOf)? = access {
                let sequence = max(asOf, record.sequence)
                if let local { return (.replace(localName: local, result, replicaSequence: sequence), links) }
                return (.insert(result, replicaSequence: sequence), links)
            }
            return (.insert(result, replicaSequence: record.sequence), links)
        case .update, .cancel:
            let diff = try DocumentDiff(json: try JSON(parsing: record.payload))
            if let local {
                let (change, links) = try mapping?.map(diff, schema: schema) ?? (diff, [])
                return (.update(localName: local, change), links)
            }
            // This site never had the document (it predates the subscription, or its Create
            // failed): take the producer's current version instead of the change.
            let reply = try await fetchDocuments(DocumentsRequest(consumer: site.identity.name,
                                                                    keys: [.init(doctype: record.doctype, name: record.docname)]),
                                                 client: client)
            guard let current = reply.documents.first else { return (.nothing, []) }
            let (result, links) = try mapped(current)
            return (.insert(result, replicaSequence: max(reply.asOf, record.sequence)), links)
        case .delete:
            guard let local else { return (.nothing, []) }
            return (.delete(localName: local), [])
        }
    }

    /// Saves `document` (the producer's current state, mapped) over the stored `local`,
    /// through the lifecycle: the docstatus change decides save, submit or cancel (a draft
    /// that was submitted and cancelled while hidden is submitted, then cancelled).
    static func replace(_ local: Document, with document: Document, in tx: SiteTransaction) throws {
        var next = document
        next.name = local.name
        next.modified = local.modified
        for key in ["remote_docname", "remote_site_name"] where local.object[key] != nil { next[key] = local.object[key] }
        let target = next.docstatus
        if local.docstatus == 2 {
            guard target == 2 else {
                throw StreamError(.invalidRequest, "\(local.doctype) \(local.name ?? "") is cancelled here; the producer's state (docstatus \(target)) cannot replace it",
                                  doctype: local.doctype, docname: local.name)
            }
            return
        }
        if target == 2 {
            if local.docstatus == 0 {
                next.docstatus = 1
                try tx.save(next)
            }
            try tx.cancel(local.doctype, local.name ?? "")
            return
        }
        try tx.save(next)
    }
}

extension StreamConsumer.Plan {
    /// The plan with the link fields a Document mapping resolved set to the local names.
    func settingLinks(_ names: [String: String]) -> Self {
        guard !names.isEmpty else { return self }
        switch self {
        case .insert(var document, let sequence):
            for (field, name) in names { document[field] = .string(name) }
            return .insert(document, replicaSequence: sequence)
        case .replace(let local, var document, let sequence):
            for (field, name) in names { document[field] = .string(name) }
            return .replace(localName: local, document, replicaSequence: sequence)
        case .update(let local, var diff):
            for (field, name) in names { diff.changed[field] = .string(name) }
            return .update(localName: local, diff)
        case .delete, .nothing:
            return self
        }
    }
}

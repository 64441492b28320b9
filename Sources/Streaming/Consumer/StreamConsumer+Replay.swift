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
        case delete(localName: String)
        /// Nothing to do (a Delete of a document this site does not have).
        case nothing
    }

    /// Replays one verified record as its own transaction; a failure becomes an `Event Sync
    /// Log` document in a transaction of its own. Both move the watermark to `cursorAfter`.
    /// The write is queued, not waited for: the caller waits for the returned acknowledgement
    /// (once per reply) before it counts the record as done.
    func replay(_ record: LogRecord, cursorAfter: LogCursor, configuration: ProducerConfiguration,
                client: any ProducerClient) async throws -> (ReplayOutcome, WriteAcknowledgement?) {
        guard let row = configuration.row(for: record.doctype) else { return (.skipped, nil) }
        let producerID = configuration.siteID
        // With a mapping the record becomes a document of another, local DocType.
        let mapping: FieldMapping?
        do { mapping = try row.mapping.map { try FieldMapping(site: site, name: $0) } } catch {
            var failed = StreamMark(producer: producerID, sequence: record.sequence, cursor: cursorAfter, outcome: .failed)
            failed.outcome = .failed
            return (.failed, try recordFailure(record, row: row, localName: nil, configuration: configuration, mark: failed, error: error))
        }
        let doctype = mapping?.localDoctype ?? record.doctype
        if let applied = try site.replicaSequence(producer: producerID, doctype: doctype, remoteName: record.docname),
           applied >= record.sequence {
            return (.skipped, nil)
        }
        let origin = record.origin ?? Origin(site: producerID, sequence: record.sequence)
        let mark = StreamMark(producer: producerID, sequence: record.sequence, cursor: cursorAfter, outcome: .synced)
        var localName: String?
        do {
            let plan = try await makePlan(record, row: row, mapping: mapping, configuration: configuration, client: client)
            let (dependencies, asOf) = try await fetchDependencies(of: plan, doctype: doctype, configuration: configuration, client: client)
            let (_, acknowledgement) = try site.writeQueued(as: configuration.user) { tx in
                // Checked again on the writer: nothing can have applied it since, but if
                // something did, writing nothing is the safe answer.
                if let applied = try tx.replicaSequence(producer: producerID, doctype: doctype, remoteName: record.docname),
                   applied >= record.sequence {
                    return
                }
                tx.setStreamMark(mark)
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
                case .insert(var document, let sequence):
                    if row.useSameName {
                        document["remote_docname"] = nil
                        document["remote_site_name"] = nil
                    } else {
                        document.name = nil
                        document["remote_docname"] = .string(record.docname)
                        document["remote_site_name"] = .string(configuration.name)
                    }
                    let stored = try tx.insert(document, keepingName: row.useSameName)
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
                case .delete(let name):
                    localName = name
                    try tx.delete(doctype, name)
                    tx.markReplica(doctype: doctype, name: name,
                                   ReplicaMark(producer: producerID, sequence: record.sequence, remoteName: record.docname), origin: origin)
                case .nothing:
                    break
                }
            }
            return (.synced, acknowledgement)
        } catch let failure as TransportFailure {
            throw StreamError(.transport, failure.description)
        } catch {
            // A record about a document the producer has deleted since is obsolete (its
            // Delete follows): its links may be gone or no longer reachable. Skip it rather
            // than record a failure nobody can act on.
            if record.updateType != .delete, try await isGoneOnProducer(record, client: client) {
                logger.info("skipped a record of a document deleted on the producer since",
                            metadata: ["producer": "\(configuration.name)", "doctype": "\(record.doctype)", "docname": "\(record.docname)"])
                return (.skipped, nil)
            }
            logger.warning("replay failed", metadata: ["producer": "\(configuration.name)", "doctype": "\(record.doctype)",
                                                        "docname": "\(record.docname)", "sequence": "\(record.sequence)", "error": "\(error)"])
            var failedMark = mark
            failedMark.outcome = .failed
            let acknowledgement = try recordFailure(record, row: row, localName: localName, configuration: configuration,
                                                    mark: failedMark, error: error)
            return (.failed, acknowledgement)
        }
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
        return try site.replicatedDocument(doctype, site: configuration.name, docname: remoteName)?.name
    }

    func makePlan(_ record: LogRecord, row: ProducerConfiguration.Row, mapping: FieldMapping?, configuration: ProducerConfiguration,
                  client: any ProducerClient) async throws -> Plan {
        let local = try localName(of: mapping?.localDoctype ?? record.doctype, remoteName: record.docname, row: row, configuration: configuration)
        let schema = site.schema
        switch record.updateType {
        case .create:
            guard let document = Document(json: try JSON(parsing: record.payload)) else {
                throw StreamError(.invalidRequest, "the Create payload is not a document", doctype: record.doctype, docname: record.docname)
            }
            return .insert(mapping?.map(document, schema: schema) ?? document, replicaSequence: record.sequence)
        case .update, .cancel:
            let diff = try DocumentDiff(json: try JSON(parsing: record.payload))
            if let local { return .update(localName: local, mapping?.map(diff, schema: schema) ?? diff) }
            // This site never had the document (it predates the subscription, or its Create
            // failed): take the producer's current version instead of the change.
            let reply = try await fetchDocuments(DocumentsRequest(consumer: site.identity.name,
                                                                    keys: [.init(doctype: record.doctype, name: record.docname)]),
                                                 client: client)
            guard let current = reply.documents.first else { return .nothing }
            return .insert(mapping?.map(current, schema: schema) ?? current, replicaSequence: max(reply.asOf, record.sequence))
        case .delete:
            guard let local else { return .nothing }
            return .delete(localName: local)
        }
    }

    /// Writes the `Event Sync Log` document of a failed replay, carrying the watermark past it.
    func recordFailure(_ record: LogRecord, row: ProducerConfiguration.Row, localName: String?, configuration: ProducerConfiguration,
                       mark: StreamMark, error: any Error) throws -> WriteAcknowledgement {
        let data = (try? JSON(parsing: record.payload)).map { String(decoding: $0.serialized(), as: UTF8.self) }
            ?? String(decoding: record.payload, as: UTF8.self)
        var fields: JSONObject = [
            "update_type": .string(record.updateType.description),
            "docname": .string(localName ?? record.docname),
            "status": "Failed",
            "event_producer": .string(configuration.name),
            "producer_doc": .string(record.docname),
            "use_same_name": row.useSameName ? 1 : 0,
            "data": .string(data),
            "error": .string(String(describing: error)),
        ]
        if site.schema[record.doctype] != nil { fields["ref_doctype"] = .string(record.doctype) }
        if let mapping = row.mapping, site.exists(SystemDocTypes.documentTypeMapping, mapping) { fields["mapping"] = .string(mapping) }
        return try site.writeQueued(as: configuration.user) { tx in
            tx.setStreamMark(mark)
            try tx.insert(Document(doctype: SystemDocTypes.eventSyncLog, fields))
        }.1
    }
}

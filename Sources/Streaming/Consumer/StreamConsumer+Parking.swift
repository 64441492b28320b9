import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON

/// A producer's document as the producer names it: what a failed replay parks.
struct ParkKey: Hashable, Sendable {
    var doctype: String
    var docname: String
}

/// How often and how soon a parked document is retried on its own (at the start of a pull,
/// once its next retry is due): the first retry `firstDelay` after the failure, each later one
/// twice as long after the previous, at most `maxAttempts` retries; after that the document
/// waits for an explicit `resync`.
public struct RetryPolicy: Sendable, Equatable {
    public var firstDelay: TimeInterval
    public var maxAttempts: Int

    public init(firstDelay: TimeInterval = 5, maxAttempts: Int = 5) {
        self.firstDelay = firstDelay
        self.maxAttempts = maxAttempts
    }

    /// When the next automatic retry is due after `attempts` retries have failed (0: after
    /// the first failure), or nil once they are used up.
    func nextRetry(after attempts: Int, from now: Date) -> Date? {
        guard attempts < maxAttempts else { return nil }
        return now.addingTimeInterval(firstDelay * Double(1 << min(attempts, 30)))
    }
}

/// One `Event Sync Log` document as the consumer's API lists it.
///
/// A replay that fails is `Failed` (with the error); the later records of the same producer
/// document are `Waiting` behind it, in producer order; a parked entry that was applied later
/// (by an automatic retry or `resync`) becomes `Synced`. Successful replays in the normal
/// stream are only counted (`StreamWatermark.synced`), never given a document.
public struct SyncLogEntry: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case synced = "Synced", failed = "Failed", waiting = "Waiting"
    }

    /// The Event Sync Log document's name (the id `resync(producer:ids:client:)` takes).
    public var id: String
    public var status: Status
    /// The Event Producer's name.
    public var producer: String
    /// Create, Update, Cancel or Delete.
    public var updateType: String
    /// The producer's DocType and name for the document, and the local name when known.
    public var doctype: String
    public var remoteName: String
    public var localName: String
    /// The producer's sequence number of the record (0 for entries written before parking).
    public var sequence: UInt64
    /// The record's payload as JSON text, and the last error with its cause.
    public var data: String
    public var error: String?
    /// Retries made so far, and when the next automatic one is due (nil: none is planned).
    public var attempts: Int
    public var nextRetry: Date?

    init?(_ document: Document) {
        guard let id = document.name,
              let status = document["status"]?.stringValue.flatMap(Status.init(rawValue:)) else { return nil }
        let park = document[Self.parkKey]?.objectValue ?? [:]
        self.id = id
        self.status = status
        producer = document["event_producer"]?.stringValue ?? ""
        updateType = document["update_type"]?.stringValue ?? ""
        doctype = park["doctype"]?.stringValue ?? document["ref_doctype"]?.stringValue ?? ""
        remoteName = document["producer_doc"]?.stringValue ?? ""
        localName = document["docname"]?.stringValue ?? remoteName
        sequence = UInt64(bitPattern: park["seq"]?.intValue ?? 0)
        data = document["data"]?.stringValue ?? ""
        error = document["error"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        attempts = Int(park["attempts"]?.intValue ?? 0)
        nextRetry = park["next_retry"].flatMap { $0.doubleValue ?? $0.intValue.map(Double.init) }.map(Date.init(timeIntervalSince1970:))
    }

    /// The document key holding what parking needs beyond Frappe's fields: the record's
    /// sequence, producer DocType, update type and origin, and the retry state.
    static let parkKey = "__park"

    var key: ParkKey { ParkKey(doctype: doctype, docname: remoteName) }

    /// The producer's record this entry stands for, rebuilt to be replayed.
    func record(from document: Document) throws -> LogRecord {
        let park = document[Self.parkKey]?.objectValue ?? [:]
        let type = park["type"]?.intValue.flatMap { UpdateType(rawValue: UInt8(truncatingIfNeeded: $0)) }
            ?? [UpdateType.create, .update, .cancel, .delete].first { $0.description == updateType }
        guard let type else {
            throw StreamError(.invalidRequest, "Event Sync Log \(id) has no update type it can be replayed with", doctype: doctype, docname: remoteName)
        }
        var origin: Origin?
        if let site = park["origin_site"]?.stringValue, let seq = park["origin_seq"]?.intValue {
            origin = Origin(site: site, sequence: UInt64(bitPattern: seq))
        }
        return LogRecord(sequence: sequence, timestamp: 0, updateType: type, doctype: doctype, docname: remoteName,
                         origin: origin, annotations: [], payload: Array(data.utf8), wasCompressed: false)
    }
}

extension StreamConsumer {
    /// The consumer's `Event Sync Log`, oldest producer record first: all of it, or the
    /// entries with `status`, of every producer or of `producer` (name or site id).
    public func syncLog(status: SyncLogEntry.Status? = nil, producer nameOrID: String? = nil) throws -> [SyncLogEntry] {
        let producerName = try nameOrID.map { try producer($0).name }
        return try site.list(SystemDocTypes.eventSyncLog, limit: Int.max) { document in
            (status == nil || document["status"]?.stringValue == status!.rawValue)
                && (producerName == nil || document["event_producer"]?.stringValue == producerName)
        }
        .compactMap(SyncLogEntry.init)
        .sorted { ($0.producer, $0.sequence, $0.id) < ($1.producer, $1.sequence, $1.id) }
    }

    /// Whether the producer's document `key` is parked behind a failed replay.
    func isParked(_ key: ParkKey, configuration: ProducerConfiguration) throws -> Bool {
        try parkedKeys(producer: configuration.name).contains(key)
    }

    /// The documents parked for `producer` (its name). The first call reads every unsynced
    /// Event Sync Log document (bounded by the failures, never by the successes); later calls
    /// use the index kept in step with each park and release.
    func parkedKeys(producer: String) throws -> Set<ParkKey> {
        if let index = parkedIndex.withLock({ $0 }) { return index[producer] ?? [] }
        var loaded: [String: Set<ParkKey>] = [:]
        let unsynced = try site.list(SystemDocTypes.eventSyncLog, limit: Int.max) {
            $0["status"]?.stringValue != SyncLogEntry.Status.synced.rawValue
        }
        for entry in unsynced.compactMap(SyncLogEntry.init) {
            loaded[entry.producer, default: []].insert(entry.key)
        }
        parkedIndex.withLock { index in
            if index == nil { index = loaded }
        }
        return parkedIndex.withLock { $0?[producer] ?? [] }
    }

    func setParked(_ key: ParkKey, producer: String, _ parked: Bool) {
        parkedIndex.withLock { index in
            guard index != nil else { return }  // not loaded yet: the next load reads the store
            if parked { index![producer, default: []].insert(key) } else { index![producer]?.remove(key) }
        }
    }

    /// The unsynced Event Sync Log documents of the parked `key`, in producer order.
    func parkedDocuments(_ key: ParkKey, configuration: ProducerConfiguration) throws -> [(SyncLogEntry, Document)] {
        try parkedGroups(configuration: configuration) { $0 == key }[key] ?? []
    }

    /// The unsynced Event Sync Log documents of the producer's parked documents (those
    /// `include` accepts), grouped by document, each group in producer order: one scan.
    func parkedGroups(configuration: ProducerConfiguration,
                      including include: (ParkKey) -> Bool = { _ in true }) throws -> [ParkKey: [(SyncLogEntry, Document)]] {
        var groups: [ParkKey: [(SyncLogEntry, Document)]] = [:]
        let documents = try site.list(SystemDocTypes.eventSyncLog, limit: Int.max) { document in
            document["event_producer"]?.stringValue == configuration.name
                && document["status"]?.stringValue != SyncLogEntry.Status.synced.rawValue
        }
        for document in documents {
            guard let entry = SyncLogEntry(document), include(entry.key) else { continue }
            groups[entry.key, default: []].append((entry, document))
        }
        for key in groups.keys {
            groups[key]!.sort { ($0.0.sequence, $0.0.id) < ($1.0.sequence, $1.0.id) }
        }
        return groups
    }

    /// The fields of an Event Sync Log document for `record`.
    func syncLogFields(_ record: LogRecord, row: ProducerConfiguration.Row, localName: String?, configuration: ProducerConfiguration,
                       status: SyncLogEntry.Status, error: String, nextRetry: Date?) -> JSONObject {
        let data = (try? JSON(parsing: record.payload)).map { String(decoding: $0.serialized(), as: UTF8.self) }
            ?? String(decoding: record.payload, as: UTF8.self)
        var park: JSONObject = ["seq": .int(Int64(bitPattern: record.sequence)), "doctype": .string(record.doctype),
                                "type": .int(Int64(record.updateType.rawValue)), "attempts": 0]
        if let origin = record.origin {
            park["origin_site"] = .string(origin.site)
            park["origin_seq"] = .int(Int64(bitPattern: origin.sequence))
        }
        if let nextRetry { park["next_retry"] = .double(nextRetry.timeIntervalSince1970) }
        var fields: JSONObject = [
            "update_type": .string(record.updateType.description),
            "docname": .string(localName ?? record.docname),
            "status": .string(status.rawValue),
            "event_producer": .string(configuration.name),
            "producer_doc": .string(record.docname),
            "use_same_name": row.useSameName ? 1 : 0,
            "data": .string(data),
            "error": .string(error),
            SyncLogEntry.parkKey: .object(park),
        ]
        if site.schema[record.doctype] != nil { fields["ref_doctype"] = .string(record.doctype) }
        if let mapping = row.mapping, site.exists(SystemDocTypes.documentTypeMapping, mapping) { fields["mapping"] = .string(mapping) }
        return fields
    }

    /// Writes the `Failed` Event Sync Log document of a failed replay, carrying the watermark
    /// past it (`mark`; nil for a backfilled document, which is not in the stream), and parks
    /// the document: its later records wait behind this one.
    func recordFailure(_ record: LogRecord, row: ProducerConfiguration.Row, localName: String?, configuration: ProducerConfiguration,
                       mark: StreamMark?, error: any Error) throws -> WriteAcknowledgement {
        let fields = syncLogFields(record, row: row, localName: localName, configuration: configuration, status: .failed,
                                   error: String(describing: error), nextRetry: retryPolicy.nextRetry(after: 0, from: now()))
        let acknowledgement = try site.writeQueued(as: configuration.user) { tx in
            if let mark { tx.setStreamMark(mark) }
            try tx.insert(Document(doctype: SystemDocTypes.eventSyncLog, fields))
        }.1
        _ = try parkedKeys(producer: configuration.name)  // load before changing, so the change is not lost
        setParked(ParkKey(doctype: record.doctype, docname: record.docname), producer: configuration.name, true)
        return acknowledgement
    }

    /// Writes a `Waiting` Event Sync Log document for a record of a parked document, carrying
    /// the watermark past it: the record is kept, in order, to be applied when the document is
    /// released, and nothing else of the stream waits for it.
    func recordWaiting(_ record: LogRecord, row: ProducerConfiguration.Row, configuration: ProducerConfiguration,
                       mark: StreamMark?) throws -> WriteAcknowledgement {
        let fields = syncLogFields(record, row: row, localName: nil, configuration: configuration, status: .waiting,
                                   error: "waiting behind an earlier failed record of \(record.doctype) \(record.docname) from \(configuration.name)",
                                   nextRetry: nil)
        return try site.writeQueued(as: configuration.user) { tx in
            if let mark { tx.setStreamMark(mark) }
            try tx.insert(Document(doctype: SystemDocTypes.eventSyncLog, fields))
        }.1
    }
}

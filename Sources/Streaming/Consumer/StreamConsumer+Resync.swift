import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON

extension StreamConsumer {
    /// What a resync (explicit, or the automatic retries at the start of a pull) did.
    public struct ResyncReport: Sendable, Equatable {
        /// Parked documents tried, and those whose every waiting record was applied (released).
        public var documents = 0
        public var released = 0
        /// Records applied (or found applied already) and moved to `Synced`.
        public var synced = 0
        /// Event Sync Log ids of the records that failed again, with the error.
        public var failures: [String: String] = [:]

        public init() {}

        public mutating func add(_ other: ResyncReport) {
            documents += other.documents
            released += other.released
            synced += other.synced
            failures.merge(other.failures) { _, b in b }
        }
    }

    /// Replays the parked documents the Event Sync Log entries `ids` belong to (any entry of
    /// a parked document names all of it): each document's failed and waiting records in
    /// producer order, fetching missing dependencies again, stopping at a document's first
    /// record that still fails (it stays parked, with the new error and one more attempt).
    /// An id of an entry already `Synced` is accepted and does nothing. Throws `.notFound`
    /// for an id that is not an Event Sync Log of this producer, `.conflict` while a pull
    /// from the producer runs, and `.transport` when the producer cannot be reached (what
    /// was applied before that stays applied).
    @discardableResult
    public func resync(producer nameOrID: String, ids: [String], client: any ProducerClient) async throws -> ResyncReport {
        let configuration = try producer(nameOrID)
        var keys: [ParkKey] = []
        for id in ids {
            guard let document = try site.get(SystemDocTypes.eventSyncLog, id), let entry = SyncLogEntry(document),
                  entry.producer == configuration.name else {
                throw StreamError(.notFound, "no Event Sync Log \(id) of producer \(configuration.name) on \(site.identity.name)")
            }
            if entry.status != .synced, !keys.contains(entry.key) { keys.append(entry.key) }
        }
        return try await withPullClaim(configuration) {
            try await resync(keys, configuration: configuration, client: client)
        }
    }

    /// Replays every parked document of the producer, whatever their automatic retries say
    /// (the CLI's `sync-log resync --failed`); see `resync(producer:ids:client:)`.
    @discardableResult
    public func resyncFailed(producer nameOrID: String, client: any ProducerClient) async throws -> ResyncReport {
        let configuration = try producer(nameOrID)
        return try await withPullClaim(configuration) {
            let keys = try parkedKeys(producer: configuration.name).sorted { ($0.doctype, $0.docname) < ($1.doctype, $1.docname) }
            return try await resync(keys, configuration: configuration, client: client)
        }
    }

    /// Retries the parked documents of the producer whose next automatic retry is due
    /// (`RetryPolicy`); `pull` calls it first, under its claim on the producer.
    func retryDue(configuration: ProducerConfiguration, client: any ProducerClient) async throws -> ResyncReport {
        let keys = try parkedKeys(producer: configuration.name)
        guard !keys.isEmpty else { return ResyncReport() }
        let time = now()
        let groups = try parkedGroups(configuration: configuration)
        var due: [ParkKey] = []
        for key in keys.sorted(by: { ($0.doctype, $0.docname) < ($1.doctype, $1.docname) }) {
            guard let head = groups[key]?.first?.0 else {
                setParked(key, producer: configuration.name, false)
                continue
            }
            if let next = head.nextRetry, next <= time { due.append(key) }
        }
        return try await resync(due, configuration: configuration, client: client)
    }

    func withPullClaim<T>(_ configuration: ProducerConfiguration, _ body: () async throws -> T) async throws -> T {
        let claimed = pulling.withLock { $0.insert(configuration.siteID).inserted }
        guard claimed else {
            throw StreamError(.conflict, "a pull from \(configuration.name) is running on \(site.identity.name); resync when it is done")
        }
        defer { _ = pulling.withLock { $0.remove(configuration.siteID) } }
        return try await body()
    }

    func resync(_ keys: [ParkKey], configuration: ProducerConfiguration, client: any ProducerClient) async throws -> ResyncReport {
        var report = ResyncReport()
        for key in keys {
            report.documents += 1
            report.add(try await release(key, configuration: configuration, client: client))
        }
        metrics.replayed(producer: configuration.name, outcome: "resynced", count: report.synced)
        metrics.replayed(producer: configuration.name, outcome: "failed", count: report.failures.count)
        return report
    }

    /// Applies the parked document's records in order, each in one write with its Event Sync
    /// Log document moving to `Synced`; the first that fails stays `Failed` (one more attempt,
    /// the next retry per the policy) and the document stays parked.
    func release(_ key: ParkKey, configuration: ProducerConfiguration, client: any ProducerClient) async throws -> ResyncReport {
        var report = ResyncReport()
        for (entry, document) in try parkedDocuments(key, configuration: configuration) {
            do {
                let record = try entry.record(from: document)
                guard let row = configuration.row(for: record.doctype) else {
                    throw StreamError(.invalidRequest, "\(record.doctype) is no longer subscribed from \(configuration.name)", doctype: record.doctype)
                }
                let (_, acknowledgement) = try await apply(record, row: row, configuration: configuration, client: client, mark: nil) { tx in
                    try Self.markSynced(entry.id, in: tx)
                }
                if let acknowledgement {
                    try await acknowledgement.wait()
                } else {
                    try await site.write(as: configuration.user) { tx in try Self.markSynced(entry.id, in: tx) }
                }
                report.synced += 1
            } catch let failure as ApplyFailure {
                let record = try? entry.record(from: document)
                if let record, record.updateType != .delete, try await isGoneOnProducer(record, client: client) {
                    // Obsolete: the producer deleted the document since; its Delete is among
                    // the waiting records or still to come.
                    try await site.write(as: configuration.user) { tx in try Self.markSynced(entry.id, in: tx) }
                    report.synced += 1
                    continue
                }
                try await recordRetryFailure(entry, error: failure.underlying, configuration: configuration)
                report.failures[entry.id] = String(describing: failure.underlying)
                logger.warning("parked document still fails", metadata: [
                    "producer": "\(configuration.name)", "doctype": "\(key.doctype)", "docname": "\(key.docname)",
                    "sequence": "\(entry.sequence)", "attempts": "\(entry.attempts + 1)", "error": "\(failure.underlying)"])
                return report
            } catch let error as StreamError where error.code == .invalidRequest {
                try await recordRetryFailure(entry, error: error, configuration: configuration)
                report.failures[entry.id] = error.message
                return report
            }
        }
        setParked(key, producer: configuration.name, false)
        report.released += 1
        logger.info("parked document released", metadata: ["producer": "\(configuration.name)", "doctype": "\(key.doctype)", "docname": "\(key.docname)"])
        return report
    }

    static func markSynced(_ id: String, in tx: SiteTransaction) throws {
        guard var document = try tx.get(SystemDocTypes.eventSyncLog, id) else { return }
        document["status"] = .string(SyncLogEntry.Status.synced.rawValue)
        if var park = document[SyncLogEntry.parkKey]?.objectValue {
            park["next_retry"] = nil
            document[SyncLogEntry.parkKey] = .object(park)
        }
        try replace(document, in: tx)
    }

    /// Stores `document` in place of the Event Sync Log of the same name. A save keeps only
    /// the DocType's declared fields, so the `__park` retry state needs the document written
    /// anew (same name, in the same transaction).
    static func replace(_ document: Document, in tx: SiteTransaction) throws {
        var fresh = document
        for key in ["creation", "modified", "modified_by", "owner"] { fresh[key] = nil }
        try tx.delete(SystemDocTypes.eventSyncLog, document.name ?? "")
        try tx.insert(fresh, keepingName: true)
    }

    /// Records a failed retry on the entry: status Failed, the new error, one more attempt, and
    /// the next automatic retry (none once the policy's attempts are used up).
    func recordRetryFailure(_ entry: SyncLogEntry, error: any Error, configuration: ProducerConfiguration) async throws {
        let attempts = entry.attempts + 1
        let next = retryPolicy.nextRetry(after: attempts, from: now())
        try await site.write(as: configuration.user) { tx in
            guard var document = try tx.get(SystemDocTypes.eventSyncLog, entry.id) else { return }
            document["status"] = .string(SyncLogEntry.Status.failed.rawValue)
            document["error"] = .string(String(describing: error))
            var park = document[SyncLogEntry.parkKey]?.objectValue ?? [:]
            park["attempts"] = .int(Int64(attempts))
            park["next_retry"] = next.map { JSON.double($0.timeIntervalSince1970) }
            document[SyncLogEntry.parkKey] = .object(park)
            try Self.replace(document, in: tx)
        }
    }
}

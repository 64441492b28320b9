import DocumentModel
import Hummingbird
import SiteStreamJSON
import Streaming

/// The consumer side of a served site, for its operator (Administrator only), so the command
/// line works the same whether or not a server holds the site:
/// - `GET /api/stream/subscriptions[?lag=1]` — every `Event Producer` this site subscribes to
///   with approval, watermark, parked and failed counts (`ProducerStatus.json`); with `lag=1`,
///   each producer is asked for the lag per DocType (`producer status`)
/// - `POST /api/stream/pull[?producer=NAME]` — pull from every producer (or one) now, until
///   caught up, through the served site's pull loops (a pull already running is joined, not
///   doubled) → `{"message": [{"producer", "received", "synced", "skipped", "failed", …}]}`
/// - `POST /api/stream/subscriptions/backfill` `{"producer", "doctypes"}` — `producer backfill`
/// - `GET /api/stream/sync-log[?status=&producer=]` — the Event Sync Log (`SyncLogEntry.json`)
/// - `POST /api/stream/resync` `{"ids": [...]}` or `{"failed": true}` — `sync-log resync`
/// Calls that need the producer's claim (resync, backfill) wait for a running pull to end.
extension SiteServer {
    func addSubscriptionRoutes(to router: Router<SiteRequestContext>, endpoints: StreamEndpoints) {
        let consumer = endpoints.consumer

        router.get("/api/stream/subscriptions") { request, context in
            try Self.requireAdministrator(context, "see this site's subscriptions")
            let withLag = try Self.queryValues(request)("lag") == "1"
            let statuses = try await Self.streaming { try await ConsumerOperations.statuses(consumer, lag: withLag) }
            return JSONReply.message(.array(statuses.map(\.json)))
        }

        router.post("/api/stream/pull") { request, context in
            try Self.requireAdministrator(context, "start pulls")
            let only = try Self.queryValues(request)("producer").flatMap { $0.isEmpty ? nil : $0 }
            let reports = try await Self.streaming { try await endpoints.pullNow(only) }
            return JSONReply.message(.array(reports.map { name, report in
                ["producer": .string(name), "batches": .int(Int64(report.batches)), "received": .int(Int64(report.received)),
                 "synced": .int(Int64(report.synced)), "skipped": .int(Int64(report.skipped)), "failed": .int(Int64(report.failed)),
                 "waiting": .int(Int64(report.waiting)), "cursor": report.cursor.map { .string($0.description) } ?? .null]
            }))
        }
    }

    func addSyncLogRoutes(to router: Router<SiteRequestContext>, endpoints: StreamEndpoints) {
        let consumer = endpoints.consumer
        let limits = configuration.limits

        router.get("/api/stream/sync-log") { request, context in
            try Self.requireAdministrator(context, "read the Event Sync Log")
            let given = try Self.queryValues(request)
            func value(_ key: String) -> String? { given(key).flatMap { $0.isEmpty ? nil : $0 } }
            var status: SyncLogEntry.Status?
            if let text = value("status") {
                guard let parsed = SyncLogEntry.Status(rawValue: text.capitalized) else {
                    throw BackendError.malformed(message: "status must be Failed, Waiting or Synced, got '\(text)'")
                }
                status = parsed
            }
            let entries = try await Self.streaming { try consumer.syncLog(status: status, producer: value("producer")) }
            return JSONReply.message(.array(entries.map(\.json)))
        }

        router.post("/api/stream/resync") { request, context in
            try Self.requireAdministrator(context, "resync the Event Sync Log")
            let body = try await RequestInput.collectBody(request, limits: limits)
            guard let object = (try? JSON(parsing: body))?.objectValue else {
                throw BackendError.malformed(message: "a resync takes a JSON object {\"ids\": [...]} or {\"failed\": true}")
            }
            let ids = (object["ids"]?.arrayValue ?? []).compactMap(\.stringValue)
            let failed = object["failed"]?.boolValue ?? false
            guard ids.isEmpty == failed else { throw BackendError.malformed(message: "give ids or failed: true (not both)") }
            let reports = try await Self.streaming { try await ConsumerOperations.resync(consumer, ids: ids, failed: failed) }
            return JSONReply.message(.array(reports.map { $0.1.json(producer: $0.0) }))
        }

        router.post("/api/stream/subscriptions/backfill") { request, context in
            try Self.requireAdministrator(context, "start a backfill")
            let body = try await RequestInput.collectBody(request, limits: limits)
            guard let object = (try? JSON(parsing: body))?.objectValue, let producer = object["producer"]?.stringValue, !producer.isEmpty else {
                throw BackendError.malformed(message: "a backfill takes a JSON object {\"producer\": NAME, \"doctypes\": [...]}")
            }
            let doctypes = (object["doctypes"]?.arrayValue ?? []).compactMap(\.stringValue)
            let report = try await Self.streaming {
                try await ConsumerOperations.backfill(consumer, producer: producer, doctypes: doctypes.isEmpty ? nil : doctypes)
            }
            return JSONReply.message(report.json)
        }
    }

    static func requireAdministrator(_ context: SiteRequestContext, _ what: String) throws {
        guard try context.requireUser().isAdministrator else {
            throw BackendError.permission(message: "only Administrator may \(what)")
        }
    }
}

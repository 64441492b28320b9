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
extension SiteServer {
    func addSubscriptionRoutes(to router: Router<SiteRequestContext>, endpoints: StreamEndpoints) {
        let consumer = endpoints.consumer

        router.get("/api/stream/subscriptions") { request, context in
            try Self.requireAdministrator(context, "see this site's subscriptions")
            let query = try request.uri.query.map { try FormEncoding.decode(Substring($0)) } ?? []
            let withLag = query.last { $0.0 == "lag" }?.1 == "1"
            let statuses = try await Self.streaming {
                var result: [StreamConsumer.ProducerStatus] = []
                for configuration in try consumer.producers() {
                    if withLag, let document = try consumer.site.get(SystemDocTypes.eventProducer, configuration.name),
                       let client = HTTPProducerClient(eventProducer: document.object) {
                        result.append(try await consumer.status(producer: configuration.name, client: client))
                    } else {
                        result.append(try consumer.status(producer: configuration.name))
                    }
                }
                return result
            }
            return JSONReply.message(.array(statuses.map(\.json)))
        }

        router.post("/api/stream/pull") { request, context in
            try Self.requireAdministrator(context, "start pulls")
            let query = try request.uri.query.map { try FormEncoding.decode(Substring($0)) } ?? []
            let only: String? = query.last { $0.0 == "producer" }.flatMap { $0.1.isEmpty ? nil : $0.1 }
            let reports = try await Self.streaming { try await endpoints.pullNow(only) }
            return JSONReply.message(.array(reports.map { name, report in
                ["producer": .string(name), "batches": .int(Int64(report.batches)), "received": .int(Int64(report.received)),
                 "synced": .int(Int64(report.synced)), "skipped": .int(Int64(report.skipped)), "failed": .int(Int64(report.failed)),
                 "waiting": .int(Int64(report.waiting)), "cursor": report.cursor.map { .string($0.description) } ?? .null]
            }))
        }
    }

    static func requireAdministrator(_ context: SiteRequestContext, _ what: String) throws {
        guard try context.requireUser() == .administrator else {
            throw BackendError.permission(message: "only Administrator may \(what)")
        }
    }
}

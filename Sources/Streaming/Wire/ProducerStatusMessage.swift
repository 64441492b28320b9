import DocumentModel
import EventLog
import Site
import SiteStreamJSON

/// A consumer's view of one subscription as JSON: what `producer list|status --json` prints,
/// and what a served site answers to `GET /api/stream/subscriptions`, so the command line can
/// show a served site's subscriptions exactly as it shows them when it opens the site itself.
extension StreamConsumer.ProducerStatus {
    public var json: JSON {
        [
            "producer": .string(producer.name), "site_id": .string(producer.siteID), "url": .string(producer.url),
            "user": .string(producer.user),
            "doctypes": .array(producer.rows.map { row in
                ["doctype": .string(row.doctype), "status": .string(row.status.rawValue), "use_same_name": .bool(row.useSameName),
                 "backfill": .bool(row.backfill), "condition": row.condition.map(JSON.string) ?? .null,
                 "mapping": row.mapping.map(JSON.string) ?? .null, "on_revoke": .string(row.onRevoke.rawValue),
                 "unsubscribed": .bool(row.unsubscribed)]
            }),
            "watermark": watermark.map { ["sequence": .int(Int64($0.sequence)), "cursor": .string($0.cursor.description),
                                          "synced": .int(Int64($0.synced)), "failed": .int(Int64($0.failed))] } ?? .null,
            "parked_documents": .int(Int64(parkedDocuments)),
            "parked": Self.counts(parkedByDocType), "failed": Self.counts(failedByDocType),
            "lag": lag?.json ?? .null, "lag_error": lagError.map(JSON.string) ?? .null,
        ]
    }

    static func counts(_ byDocType: [String: Int]) -> JSON {
        .object(JSONObject(byDocType.sorted { $0.key < $1.key }.map { ($0.key, JSON.int(Int64($0.value))) }))
    }

    /// Reads what `json` wrote; a field missing or of the wrong type is named in the error.
    public init(json: JSON) throws {
        let message = "producer status"
        guard let object = json.objectValue else { throw StreamError(.invalidRequest, "\(message): expected a JSON object") }
        let r = WireReader(object, message: message)
        let siteID = try r.string("site_id")
        let rows = try r.objects("doctypes").map { row in
            ProducerConfiguration.Row(
                doctype: try row.string("doctype"),
                status: DocTypeRegistration.Status(rawValue: try row.string("status")) ?? .pending,
                useSameName: row.object["use_same_name"]?.boolValue ?? false, condition: try row.optionalString("condition"),
                mapping: try row.optionalString("mapping"), unsubscribed: row.object["unsubscribed"]?.boolValue ?? false,
                onRevoke: Subscription.OnRevoke(rawValue: try row.optionalString("on_revoke") ?? "") ?? .keep,
                backfill: row.object["backfill"]?.boolValue ?? false)
        }
        self.init(producer: ProducerConfiguration(name: try r.string("producer"), siteID: siteID, url: try r.optionalString("url") ?? "",
                                                  user: try r.optionalString("user") ?? SystemDocTypes.administrator, rows: rows))
        if let mark = object["watermark"]?.objectValue {
            let w = WireReader(mark, message: "\(message) watermark")
            guard let cursor = LogCursor(string: try w.string("cursor")) else {
                throw StreamError(.invalidRequest, "\(message): watermark cursor is not SEGMENT:OFFSET")
            }
            watermark = StreamWatermark(producer: siteID, sequence: try w.uint("sequence"), cursor: cursor,
                                        synced: try w.uint("synced"), failed: try w.uint("failed"))
        }
        parkedDocuments = object["parked_documents"]?.intValue.map(Int.init) ?? 0
        parkedByDocType = Self.counts(object["parked"])
        failedByDocType = Self.counts(object["failed"])
        if let lag = object["lag"], !lag.isNull { self.lag = try ConsumerLag(decoding: lag.serialized()) }
        lagError = try r.optionalString("lag_error")
    }

    static func counts(_ json: JSON?) -> [String: Int] {
        var result: [String: Int] = [:]
        for (key, value) in json?.objectValue ?? [:] { result[key] = value.intValue.map(Int.init) ?? 0 }
        return result
    }
}

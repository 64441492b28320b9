import Foundation
import SiteStreamJSON

// The consumer's reports as JSON: what the command line prints with `--json`, and what a served
// site answers for the same command (SiteServer's `SubscriptionRoutes`), so both print alike.

extension SyncLogEntry {
    public var json: JSON {
        [
            "id": .string(id), "status": .string(status.rawValue), "producer": .string(producer),
            "update_type": .string(updateType), "ref_doctype": .string(doctype), "remote_name": .string(remoteName),
            "local_name": .string(localName), "sequence": .int(Int64(sequence)), "error": error.map(JSON.string) ?? .null,
            "attempts": .int(Int64(attempts)), "next_retry": nextRetry.map { .string(ISO8601DateFormatter().string(from: $0)) } ?? .null,
            "data": (try? JSON(parsing: Array(data.utf8))) ?? .string(data),
        ]
    }
}

extension StreamConsumer.ResyncReport {
    /// `producer` names whose parked documents these were.
    public func json(producer: String) -> JSON {
        [
            "producer": .string(producer), "documents": .int(Int64(documents)), "released": .int(Int64(released)),
            "synced": .int(Int64(synced)),
            "failures": .object(JSONObject(failures.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) })),
        ]
    }
}

extension StreamConsumer.BackfillReport {
    public var json: JSON {
        [
            "completed": .array(completed.map(JSON.string)), "waiting": .array(waiting.map(JSON.string)),
            "received": .int(Int64(received)), "synced": .int(Int64(synced)), "skipped": .int(Int64(skipped)),
            "failed": .int(Int64(failed)), "removed": .int(Int64(removed)),
            "watermark_reset": watermarkReset.map { .string($0.description) } ?? .null,
        ]
    }
}

import SiteStreamJSON

// Offline bundle reports as JSON: what `export`/`import --json` print, and what a served site
// answers when the command line asks it to export or import (SiteServer's `BundleRoutes`).

extension StreamProducer.ExportReport {
    public var json: JSON {
        let m = manifest
        return [
            "path": .string(path), "producer": .string(m.producerName), "consumer": .string(m.consumerName),
            "from": .string(m.from.description), "from_sequence": .int(Int64(m.fromSequence)),
            "to": .string(m.to.description), "to_sequence": .int(Int64(m.toSequence)),
            "entries": .int(Int64(m.entries)), "files": .int(Int64(m.records.count)),
            "documents": .int(Int64(m.documents?.entries ?? 0)), "bytes": .int(Int64(bundleBytes)),
        ]
    }
}

extension StreamConsumer.ImportReport {
    /// `path` is what was imported.
    public func json(path: String) -> JSON {
        var o: JSONObject = [
            "path": .string(path), "kind": .string(kind.rawValue), "producer": .string(producer),
            "verified": .int(Int64(verified)), "received": .int(Int64(pull.received)), "synced": .int(Int64(pull.synced)),
            "skipped": .int(Int64(pull.skipped)), "failed": .int(Int64(pull.failed)),
            "watermark_before": .string(before.cursor.description),
            "watermark": after.map { .string($0.cursor.description) } ?? .null,
        ]
        if let manifest {
            o["from"] = .string(manifest.from.description)
            o["to"] = .string(manifest.to.description)
        }
        return .object(o)
    }
}

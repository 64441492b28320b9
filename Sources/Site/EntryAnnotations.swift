import SiteStreamJSON

/// What a site's log entry carries besides the document or diff, as a small JSON object in the
/// record's opaque `annotations` bytes. The log itself never reads them; folding does.
///
/// - `modified`, `modified_by`: the standard columns an Update's diff leaves out, so folding
///   the log rebuilds documents byte for byte.
/// - `series`: naming-series counters this change advanced (`{"ACC-SINV-2026-": 42}`), so the
///   counters are state folded from the log like the documents, and never hand out a name
///   twice after a crash.
struct EntryAnnotations: Equatable {
    var modified: String?
    var modifiedBy: String?
    var series: [String: Int] = [:]
    /// Replication marks of a consumer's entries (ReplicationMarks.swift).
    var replica: ReplicaMark?
    var stream: StreamMark?

    var isEmpty: Bool { modified == nil && modifiedBy == nil && series.isEmpty && replica == nil && stream == nil }

    func encoded() -> [UInt8] {
        guard !isEmpty else { return [] }
        var o = JSONObject()
        if let modified { o["modified"] = .string(modified) }
        if let modifiedBy { o["modified_by"] = .string(modifiedBy) }
        if !series.isEmpty {
            var s = JSONObject()
            for key in series.keys.sorted() { s[key] = .int(Int64(series[key]!)) }
            o["series"] = .object(s)
        }
        if let replica { o["replica"] = replica.json }
        if let stream { o["stream"] = stream.json }
        return JSON.object(o).serialized()
    }

    init() {}

    init(decoding bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        let json = try JSON(parsing: bytes)
        modified = json["modified"]?.stringValue
        modifiedBy = json["modified_by"]?.stringValue
        if let s = json["series"]?.objectValue {
            for (k, v) in s { if let n = v.intValue { series[k] = Int(n) } }
        }
        replica = ReplicaMark(json: json["replica"])
        stream = StreamMark(json: json["stream"])
    }
}

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

    /// Compact JSON with the members in the order above and `series` sorted by prefix: the
    /// text `JSON.object(...).serialized()` gives, written straight into bytes. Every local
    /// write encodes one of these per entry, so building a `JSONObject` for it showed in
    /// profiles (1.3 % of an invoice insert's CPU).
    func encoded() -> [UInt8] {
        guard !isEmpty else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(96)
        out.append(UInt8(ascii: "{"))
        if let modified {
            Self.appendKey("modified", to: &out)
            JSON.appendString(modified, to: &out)
        }
        if let modifiedBy {
            Self.appendKey("modified_by", to: &out)
            JSON.appendString(modifiedBy, to: &out)
        }
        if !series.isEmpty {
            Self.appendKey("series", to: &out)
            out.append(UInt8(ascii: "{"))
            for (n, key) in series.keys.sorted().enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                JSON.appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: String(series[key]!).utf8)
            }
            out.append(UInt8(ascii: "}"))
        }
        Self.appendMarks(replica: replica, stream: stream, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Appends `"key":` to an object's text, after a comma unless it holds only its `{`.
    private static func appendKey(_ key: StaticString, to out: inout [UInt8]) {
        if out.count > 1 { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// Appends the replication marks, the last members, in their order.
    private static func appendMarks(replica: ReplicaMark?, stream: StreamMark?, to out: inout [UInt8]) {
        if let replica {
            appendKey("replica", to: &out)
            replica.appendJSON(to: &out)
        }
        if let stream {
            appendKey("stream", to: &out)
            stream.json.serialize(into: &out)
        }
    }

    init() {}

    /// `encoded` annotations with replication marks added: the bytes
    /// `EntryAnnotations(decoding: encoded)` with `replica` and `stream` set would encode to.
    /// Those two are the last members, so when `encoded` has neither they are appended to its
    /// text, without parsing it; otherwise it is decoded and encoded again.
    static func adding(replica: ReplicaMark?, stream: StreamMark?, to encoded: [UInt8]) throws -> [UInt8] {
        guard replica != nil || stream != nil else { return encoded }
        guard encoded.isEmpty || (encoded.last == UInt8(ascii: "}") && !mentionsMarks(encoded)) else {
            var annotations = try EntryAnnotations(decoding: encoded)
            if let replica { annotations.replica = replica }
            if let stream { annotations.stream = stream }
            return annotations.encoded()
        }
        var out = encoded.isEmpty ? [UInt8(ascii: "{")] : Array(encoded.dropLast())
        out.reserveCapacity(out.count + 192)
        appendMarks(replica: replica, stream: stream, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Whether the bytes contain a `"replica"` or `"stream"` string anywhere (a member of
    /// that name, or such a value: either way `adding` takes the slow, exact path).
    private static func mentionsMarks(_ bytes: [UInt8]) -> Bool {
        contains(bytes, "\"replica\"") || contains(bytes, "\"stream\"")
    }

    private static func contains(_ bytes: [UInt8], _ needle: StaticString) -> Bool {
        let n = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard bytes.count >= n.count else { return false }
        return bytes.withUnsafeBufferPointer { b in
            candidates: for i in 0...(b.count - n.count) {
                for j in 0..<n.count where b[i + j] != n[j] { continue candidates }
                return true
            }
            return false
        }
    }

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

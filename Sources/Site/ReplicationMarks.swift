import EventLog
import SiteStreamJSON

/// What a consumer site's log entry says about the replication it belongs to, kept in the
/// entry's annotations (`EntryAnnotations`) so the watermark and the per-document replica
/// sequence are state folded from the log, written in the same append as the change they
/// cover (DESIGN-NOTES, "a watermark write per entry").

/// On the entry of a replicated document: which producer it came from, the producer's
/// sequence number the document now reflects, and the producer's name for it.
///
/// Annotation key `replica`: `{"producer": "<site id>", "seq": 42, "remote": "<docname>"}`.
public struct ReplicaMark: Sendable, Equatable {
    public var producer: String
    public var sequence: UInt64
    /// The document's name on the producer (equal to the local name with `use_same_name`).
    public var remoteName: String

    public init(producer: String, sequence: UInt64, remoteName: String) {
        self.producer = producer
        self.sequence = sequence
        self.remoteName = remoteName
    }

    var json: JSON {
        ["producer": .string(producer), "seq": .int(Int64(bitPattern: sequence)), "remote": .string(remoteName)]
    }

    /// Appends the compact text of `json` to `out`, without building it: every replicated
    /// entry carries one.
    func appendJSON(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"producer":"#.utf8)
        JSON.appendString(producer, to: &out)
        out.append(contentsOf: #","seq":"#.utf8)
        out.append(contentsOf: String(Int64(bitPattern: sequence)).utf8)
        out.append(contentsOf: #","remote":"#.utf8)
        JSON.appendString(remoteName, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    init?(json: JSON?) {
        guard let o = json?.objectValue, let p = o["producer"]?.stringValue, let s = o["seq"]?.intValue,
              let r = o["remote"]?.stringValue else { return nil }
        self.init(producer: p, sequence: UInt64(bitPattern: s), remoteName: r)
    }
}

/// On the last entry of a transaction that replays (or records the failure of) one producer
/// record, or that starts a subscription: the consumer's watermark for that producer.
///
/// Annotation key `stream`: `{"producer": "<site id>", "seq": 42, "cursor": "1:4096",
/// "outcome": "synced" | "failed" | "start", "n": 250, "notify_sha256": "<hex>"}`
/// (`notify_sha256` only when a subscription starts or re-registers; `n`, the records the
/// mark covers, only when a transaction replayed more than one).
public struct StreamMark: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// A record was replayed.
        case synced
        /// A record's replay failed and was recorded in an Event Sync Log document.
        case failed
        /// A subscription (re)started at `cursor`; counts are kept.
        case start
    }

    public var producer: String
    public var sequence: UInt64
    /// The producer's cursor after the record: where the next pull starts.
    public var cursor: LogCursor
    public var outcome: Outcome
    /// SHA-256 (hex) of the notify-only token the producer pings this consumer with.
    public var notifyTokenHash: String?
    /// How many records the transaction carrying the mark replayed (`synced`) or recorded as
    /// failed; one transaction may replay a run of records, `sequence` being the last.
    public var count: UInt64

    public init(producer: String, sequence: UInt64, cursor: LogCursor, outcome: Outcome, notifyTokenHash: String? = nil, count: UInt64 = 1) {
        self.producer = producer
        self.sequence = sequence
        self.cursor = cursor
        self.outcome = outcome
        self.notifyTokenHash = notifyTokenHash
        self.count = count
    }

    var json: JSON {
        var o: JSONObject = ["producer": .string(producer), "seq": .int(Int64(bitPattern: sequence)),
                             "cursor": .string(cursor.description), "outcome": .string(outcome.rawValue)]
        if let notifyTokenHash { o["notify_sha256"] = .string(notifyTokenHash) }
        if count != 1 { o["n"] = .int(Int64(bitPattern: count)) }
        return .object(o)
    }

    init?(json: JSON?) {
        guard let o = json?.objectValue, let p = o["producer"]?.stringValue, let s = o["seq"]?.intValue,
              let c = o["cursor"]?.stringValue.flatMap(LogCursor.init(string:)),
              let outcome = o["outcome"]?.stringValue.flatMap(Outcome.init(rawValue:)) else { return nil }
        self.init(producer: p, sequence: UInt64(bitPattern: s), cursor: c, outcome: outcome,
                  notifyTokenHash: o["notify_sha256"]?.stringValue, count: UInt64(bitPattern: o["n"]?.intValue ?? 1))
    }
}

/// A consumer's position in one producer's log, folded from `StreamMark`s.
public struct StreamWatermark: Sendable, Equatable {
    public var producer: String
    /// The producer sequence of the last record replayed or recorded as failed (0: none yet).
    public var sequence: UInt64
    /// Where the next pull starts.
    public var cursor: LogCursor
    /// Records replayed successfully, and records whose replay failed, since the site began.
    public var synced: UInt64
    public var failed: UInt64
    public var notifyTokenHash: String?

    public init(producer: String, sequence: UInt64, cursor: LogCursor, synced: UInt64 = 0, failed: UInt64 = 0, notifyTokenHash: String? = nil) {
        self.producer = producer
        self.sequence = sequence
        self.cursor = cursor
        self.synced = synced
        self.failed = failed
        self.notifyTokenHash = notifyTokenHash
    }

    /// This watermark with `mark` folded in (`previous` nil: the first mark for the producer).
    static func folding(_ mark: StreamMark, into previous: StreamWatermark?) -> StreamWatermark {
        var w = previous ?? StreamWatermark(producer: mark.producer, sequence: 0, cursor: mark.cursor)
        w.cursor = mark.cursor
        switch mark.outcome {
        case .synced: w.sequence = mark.sequence; w.synced += mark.count
        case .failed: w.sequence = mark.sequence; w.failed += mark.count
        case .start: w.sequence = mark.sequence
        }
        if let hash = mark.notifyTokenHash { w.notifyTokenHash = hash }
        return w
    }

    var json: JSON {
        var o: JSONObject = ["producer": .string(producer), "seq": .int(Int64(bitPattern: sequence)),
                             "cursor": .string(cursor.description),
                             "synced": .int(Int64(bitPattern: synced)), "failed": .int(Int64(bitPattern: failed))]
        if let notifyTokenHash { o["notify_sha256"] = .string(notifyTokenHash) }
        return .object(o)
    }

    init?(json: JSON) {
        guard let o = json.objectValue, let p = o["producer"]?.stringValue, let s = o["seq"]?.intValue,
              let c = o["cursor"]?.stringValue.flatMap(LogCursor.init(string:)) else { return nil }
        self.init(producer: p, sequence: UInt64(bitPattern: s), cursor: c,
                  synced: UInt64(bitPattern: o["synced"]?.intValue ?? 0), failed: UInt64(bitPattern: o["failed"]?.intValue ?? 0),
                  notifyTokenHash: o["notify_sha256"]?.stringValue)
    }
}

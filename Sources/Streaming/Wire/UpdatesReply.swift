import EventLog
import SiteStreamJSON

/// One record of an updates reply: the producer's framed record exactly as its log stores it
/// (crc intact) and the producer's cursor just after it, which becomes the consumer's
/// watermark once the record is applied.
public struct UpdateEntry: Sendable, Equatable {
    public var cursor: LogCursor
    public var frame: [UInt8]

    public init(cursor: LogCursor, frame: [UInt8]) {
        self.cursor = cursor
        self.frame = frame
    }
}

/// The reply to `GET /api/stream/updates`: the records a consumer may see after its cursor, in
/// log order (sequence numbers increase, with gaps where records were filtered out), and the
/// cursor to continue from (which may be past filtered records). Byte layout in
/// docs/formats/streaming.md (`UpdatesReply+Encoding.swift`).
public struct UpdatesReply: Sendable, Equatable {
    /// Where the next request starts (`after=`).
    public var next: LogCursor
    /// True when the producer's log was read to its durable end: nothing more right now.
    public var caughtUp: Bool
    /// The producer's last durable sequence when the reply was made (for lag).
    public var lastSequence: UInt64
    /// The approval of each DocType the consumer registered, as it stands on the producer.
    public var statuses: [DocTypeRegistration]
    public var entries: [UpdateEntry]

    public init(next: LogCursor, caughtUp: Bool, lastSequence: UInt64, statuses: [DocTypeRegistration], entries: [UpdateEntry]) {
        self.next = next
        self.caughtUp = caughtUp
        self.lastSequence = lastSequence
        self.statuses = statuses
        self.entries = entries
    }

    /// The bytes of the frames together.
    public var frameBytes: Int { entries.reduce(0) { $0 + $1.frame.count } }

    /// The entries as INTERFACE.md's JSON form (`Accept: application/json`): `seq`, `cursor`,
    /// `update_type`, `ref_doctype`, `docname`, `data` (document for Create, diff otherwise),
    /// `creation` (the record's timestamp as Frappe's text), plus `origin` when present.
    public func jsonEntries() throws -> JSON {
        var out: [JSON] = []
        out.reserveCapacity(entries.count)
        for entry in entries {
            let record = try RecordFrame.decode(entry.frame).record
            var o: JSONObject = [
                "seq": .int(Int64(record.sequence)), "cursor": .string(entry.cursor.description),
                "update_type": .string(record.updateType.description), "ref_doctype": .string(record.doctype),
                "docname": .string(record.docname), "data": try JSON(parsing: record.payload),
                "creation": .string(FrappeTime.text(microseconds: record.timestamp)),
            ]
            if let mark = AccessMark(annotations: record.annotations) {
                o["access"] = ["kind": .string(mark.isGrant ? "grant" : "revoke"), "as_of": .int(Int64(bitPattern: mark.asOf))]
            }
            if let origin = record.origin {
                o["origin"] = ["site": .string(origin.site), "seq": .int(Int64(origin.sequence))]
            }
            out.append(.object(o))
        }
        return ["next": .string(next.description), "caught_up": .bool(caughtUp),
                "last_sequence": .int(Int64(lastSequence)), "entries": .array(out)]
    }
}

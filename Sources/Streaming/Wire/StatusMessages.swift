import EventLog
import SiteStreamJSON

/// How far one consumer is behind the producer, per DocType, as the producer counts it:
/// the reply of `GET /api/stream/status?consumer=NAME&after=CURSOR` and each consumer's part of
/// the producer's own status. docs/formats/streaming.md, "Status".
///
/// ```json
/// {"consumer": "branch-1", "after": "1:4096", "last_sequence": 120, "first_sequence": 1,
///  "position_gone": false, "complete": true, "last_pull": 1800000000.5,
///  "doctypes": [{"ref_doctype": "Customer", "status": "Approved", "entries": 3, "bytes": 1234,
///                "oldest_age_seconds": 12.5}]}
/// ```
public struct ConsumerLag: Sendable, Equatable {
    public struct DocTypeLag: Sendable, Equatable {
        public var doctype: String
        public var status: DocTypeRegistration.Status
        /// Records after the position this consumer may see, and the bytes of their frames.
        public var entries: Int
        public var bytes: Int
        /// How old the oldest of them is (seconds), nil when there are none.
        public var oldestAgeSeconds: Double?

        public init(doctype: String, status: DocTypeRegistration.Status, entries: Int = 0, bytes: Int = 0, oldestAgeSeconds: Double? = nil) {
            self.doctype = doctype
            self.status = status
            self.entries = entries
            self.bytes = bytes
            self.oldestAgeSeconds = oldestAgeSeconds
        }
    }

    public var consumer: String
    /// The position counted from (nil: the start of the log).
    public var after: LogCursor?
    public var firstSequence: UInt64
    public var lastSequence: UInt64
    /// The position lies in segments retention removed: the counts cover only what is left, and
    /// the consumer must backfill.
    public var positionGone: Bool
    /// False when counting stopped at the scan budget: the counts are lower bounds.
    public var complete: Bool
    /// When the consumer last asked for updates (Unix seconds), if the producer knows.
    public var lastPull: Double?
    public var doctypes: [DocTypeLag]

    public init(consumer: String, after: LogCursor?, firstSequence: UInt64, lastSequence: UInt64, positionGone: Bool,
                complete: Bool, lastPull: Double?, doctypes: [DocTypeLag]) {
        self.consumer = consumer
        self.after = after
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.positionGone = positionGone
        self.complete = complete
        self.lastPull = lastPull
        self.doctypes = doctypes
    }

    public var json: JSON {
        .object([
            "consumer": .string(consumer), "after": after.map { .string($0.description) } ?? .null,
            "first_sequence": .int(Int64(firstSequence)), "last_sequence": .int(Int64(lastSequence)),
            "position_gone": .bool(positionGone), "complete": .bool(complete),
            "last_pull": lastPull.map(JSON.double) ?? .null,
            "doctypes": .array(doctypes.map { d in
                .object(["ref_doctype": .string(d.doctype), "status": .string(d.status.rawValue), "entries": .int(Int64(d.entries)),
                         "bytes": .int(Int64(d.bytes)), "oldest_age_seconds": d.oldestAgeSeconds.map(JSON.double) ?? .null])
            }),
        ])
    }

    public func encoded() -> [UInt8] { json.serialized() }

    public init(decoding bytes: [UInt8]) throws {
        let r = try WireReader(bytes, message: "status reply")
        consumer = try r.string("consumer")
        after = try r.optionalString("after").flatMap { text in
            guard let cursor = LogCursor(string: text) else {
                throw StreamError(.invalidRequest, "status reply: 'after' must be a cursor SEGMENT:OFFSET, got '\(text)'")
            }
            return cursor
        }
        firstSequence = try r.uint("first_sequence")
        lastSequence = try r.uint("last_sequence")
        positionGone = r.object["position_gone"]?.boolValue ?? false
        complete = r.object["complete"]?.boolValue ?? true
        lastPull = r.object["last_pull"]?.doubleValue
        doctypes = try r.objects("doctypes").map { d in
            let text = try d.string("status")
            guard let status = DocTypeRegistration.Status(rawValue: text) else {
                throw StreamError(.invalidRequest, "\(d.message): 'status' must be Pending, Approved or Rejected, got '\(text)'")
            }
            return DocTypeLag(doctype: try d.string("ref_doctype"), status: status, entries: Int(try d.uint("entries")),
                              bytes: Int(try d.uint("bytes")), oldestAgeSeconds: d.object["oldest_age_seconds"]?.doubleValue)
        }
    }
}

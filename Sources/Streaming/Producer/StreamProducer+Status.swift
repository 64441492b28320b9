import EventLog
import SiteStreamJSON

extension StreamProducer {
    /// What `GET /api/stream/status` shows: the log's positions and segments, and each
    /// consumer's approvals.
    public struct Status: Sendable {
        public var siteID: String
        public var siteName: String
        public var firstSequence: UInt64
        public var lastSequence: UInt64
        public var endCursor: LogCursor
        public var segments: [LogInspection.SegmentInfo]
        public var consumers: [ConsumerRecord]

        /// The status as JSON (notify tokens left out).
        public var json: JSON {
            [
                "site_id": .string(siteID), "site_name": .string(siteName),
                "first_sequence": .int(Int64(firstSequence)), "last_sequence": .int(Int64(lastSequence)),
                "end_cursor": .string(endCursor.description),
                "segments": .array(segments.map { s in
                    ["file": .string(s.file), "base_sequence": .int(Int64(s.baseSequence)), "last_sequence": .int(Int64(s.lastSequence)),
                     "entries": .int(Int64(s.entryCount)), "bytes": .int(Int64(s.bytes)), "sealed": .bool(s.sealed)]
                }),
                "consumers": .array(consumers.map { c in
                    ["name": .string(c.name), "site_id": .string(c.siteID), "user": .string(c.user),
                     "doctypes": .array(c.doctypes.map { ["ref_doctype": .string($0.doctype), "status": .string($0.status.rawValue),
                                                          "unsubscribed": .bool(c.unsubscribed.contains($0.doctype))] })]
                }),
            ]
        }
    }

    /// The producer's status. Segment details come from `EventLog.inspect` (read-only).
    public func status() throws -> Status {
        let log = site.log
        let inspection = try EventLog.inspect(directory: log.directory)
        return Status(siteID: site.identity.id, siteName: site.identity.name, firstSequence: log.firstSequence,
                      lastSequence: log.lastSequence, endCursor: log.durableEndCursor, segments: inspection.segments,
                      consumers: try consumers())
    }
}

import EventLog
import Foundation
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
        /// Per consumer name: the entries withheld because their condition failed to evaluate.
        public var withheld: [String: [WithheldEntry]] = [:]
        /// Each consumer's lag from its last known position (same order as `consumers`).
        public var lags: [ConsumerLag] = []

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
                "consumers": .array(consumers.enumerated().map { i, c in
                    let lag = i < lags.count ? lags[i] : nil
                    let lagged = Dictionary((lag?.doctypes ?? []).map { ($0.doctype, $0) }, uniquingKeysWith: { a, _ in a })
                    return [
                        "name": .string(c.name), "site_id": .string(c.siteID), "user": .string(c.user),
                        "position": lag?.after.map { .string($0.description) } ?? .null,
                        "last_pull": lag?.lastPull.map(JSON.double) ?? .null,
                        "position_gone": .bool(lag?.positionGone ?? false), "lag_complete": .bool(lag?.complete ?? true),
                        "doctypes": .array(c.doctypes.map { row in
                            var o: JSONObject = ["ref_doctype": .string(row.doctype), "status": .string(row.status.rawValue),
                                                 "unsubscribed": .bool(c.unsubscribed.contains(row.doctype)),
                                                 "condition": row.condition.map(JSON.string) ?? .null]
                            if let d = lagged[row.doctype] {
                                o["lag_entries"] = .int(Int64(d.entries))
                                o["lag_bytes"] = .int(Int64(d.bytes))
                                o["oldest_age_seconds"] = d.oldestAgeSeconds.map(JSON.double) ?? .null
                            }
                            return .object(o)
                        }),
                        "withheld": .array((withheld[c.name] ?? []).map(\.json)),
                    ]
                }),
            ]
        }
    }

    /// The producer's status. Segment details come from `EventLog.inspect` (read-only).
    public func status(now: Date = Date()) throws -> Status {
        let log = site.log
        let inspection = try EventLog.inspect(directory: log.directory)
        let consumers = try consumers()
        return Status(siteID: site.identity.id, siteName: site.identity.name, firstSequence: log.firstSequence,
                      lastSequence: log.lastSequence, endCursor: log.durableEndCursor, segments: inspection.segments,
                      consumers: consumers, withheld: Dictionary(uniqueKeysWithValues: try consumers.map { ($0.name, try withheld(consumer: $0)) }),
                      lags: try consumers.map { try lag(of: $0, after: nil, now: now, scanBytes: 64 << 20) })
    }

    /// One entry withheld from a consumer because its condition threw: retried on every
    /// later request of the consumer until it evaluates.
    public struct WithheldEntry: Sendable, Equatable {
        public var doctype: String
        public var docname: String
        /// The sequence of the entry the failure was first met on.
        public var sequence: UInt64
        public var error: String

        public var json: JSON {
            ["ref_doctype": .string(doctype), "docname": .string(docname), "seq": .int(Int64(bitPattern: sequence)), "error": .string(error)]
        }
    }

    /// The entries withheld from `record` because its condition failed, oldest first.
    public func withheld(consumer record: ConsumerRecord) throws -> [WithheldEntry] {
        guard journals.exists(consumerID: record.siteID) else { return [] }
        return try journals.with(consumerID: record.siteID) { journal in
            journal.failing.map { WithheldEntry(doctype: $0.0.doctype, docname: $0.0.docname, sequence: $0.1.sequence, error: $0.1.error ?? "") }
        }
    }
}

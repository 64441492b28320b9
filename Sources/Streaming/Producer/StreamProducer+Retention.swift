import EventLog
import Foundation
import Site

extension StreamProducer {
    /// What one retention pass did.
    public struct RetentionReport: Sendable, Equatable {
        /// The segment files removed, oldest first.
        public var removed: [String] = []
        /// Sequences below this may be gone now; the log starts at `firstSequence`.
        public var bound: UInt64 = 0
        public var firstSequence: UInt64 = 0
        /// The approved consumers that kept segments from being removed (their site names),
        /// and whether the retention limit removed segments some of them still needed.
        public var heldBy: [String] = []
        public var overrodeConsumers = false
    }

    /// Removes the sealed log segments nobody needs any more: a segment goes once every
    /// approved consumer has read past it, or, when the site's `retention_hours` is set, once
    /// its newest record is older than that, even if a consumer still needs it (that consumer
    /// is then told `positionGone` and must backfill). A site with no approved consumer keeps
    /// its log unless the retention limit says otherwise; so does a site with an approved
    /// consumer that never pulled. The active segment is never removed, nor anything the
    /// snapshot store has not durably folded (it is checkpointed first), so the site can
    /// always be reopened.
    @discardableResult
    public func applyRetention(now: Date = Date()) throws -> RetentionReport {
        let log = site.log
        let segments = log.segmentStatuses
        var report = RetentionReport(bound: 0, firstSequence: log.firstSequence)
        guard segments.count > 1 else { return report }

        // What the approved consumers still need: the segment each one reads from.
        let known = positions.all()
        var consumerBound: UInt64? = nil
        for consumer in try consumers() where !consumer.approved.isEmpty {
            let needs = known[consumer.siteID]?.applied.segment ?? 0
            if needs < (consumerBound ?? .max) {
                consumerBound = needs
                report.heldBy = [consumer.name]
            } else if needs == consumerBound {
                report.heldBy.append(consumer.name)
            }
        }
        var bound = consumerBound ?? 0

        // What the retention limit lets go regardless: sealed segments whose newest record is older.
        let hours = site.identity.settings.retentionHours
        if hours > 0 {
            let limit = Int64((now.timeIntervalSince1970 - Double(hours) * 3600) * 1_000_000)
            for (i, segment) in segments.enumerated() where i + 1 < segments.count && segment.sealed {
                guard segment.lastSequence >= segment.baseSequence,
                      let newest = try? log.record(at: segment.lastSequence), newest.timestamp < limit else { break }
                let next = segments[i + 1].baseSequence
                if next > bound {
                    report.overrodeConsumers = consumerBound != nil && next > consumerBound!
                    bound = next
                }
            }
        }

        // Never past what the store has folded durably: reopening levels the store from the log.
        let applied = site.store.lastAppliedSequence
        bound = min(bound, applied + 1)
        report.bound = bound
        guard bound > segments[0].baseSequence else { return report }
        try site.store.checkpoint()
        report.removed = try log.removeSegments(below: bound)
        report.firstSequence = log.firstSequence
        if !report.removed.isEmpty {
            logger.info("retention removed segments", metadata: ["segments": "\(report.removed)", "below": "\(bound)",
                                                                "overrode_consumers": "\(report.overrodeConsumers)"])
        }
        return report
    }

    /// Notes where a consumer asked to read from (see `ConsumerPositions`).
    func notePull(_ record: ConsumerRecord, after: LogCursor) {
        positions.note(record.siteID, cursor: after)
    }

    /// Whether `cursor` lies in segments retention removed.
    func isGone(_ cursor: LogCursor?) -> Bool {
        guard let cursor, let first = site.log.segmentStatuses.first else { return false }
        return cursor.segment < first.baseSequence
    }

    /// The error a consumer whose position retention removed is given: on the wire as
    /// `410 Gone`, and in its `producer status`.
    func positionGone(_ record: ConsumerRecord, after: LogCursor?, error: EventLogError? = nil) -> StreamError {
        let start = site.log.firstSequence
        return StreamError(
            .positionGone,
            "consumer \(record.name) asked for records after \(after?.description ?? "the start"), but \(site.identity.name)'s retention removed the log segments holding them (the log now starts at sequence \(start)): those records are gone. Backfill to catch up: sitestream producer backfill --site CONSUMER_DIR --producer \(site.identity.name)",
            consumer: record.name)
    }
}

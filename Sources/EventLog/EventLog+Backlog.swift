import Foundation

extension EventLog {
    /// How far `cursor` is behind the durable end: the entries after it, their bytes as stored,
    /// and the timestamp (µs since the epoch) of the first of them — what a consumer reading
    /// from `cursor` still has to read. Costs one small read and no scan.
    public struct Backlog: Sendable, Equatable {
        public var entries: UInt64
        public var bytes: UInt64
        /// Nil when nothing is behind.
        public var oldestTimestamp: Int64?
    }

    /// The backlog after `cursor` (nil: from the first entry kept). Throws the read's error for
    /// a cursor that is not a record boundary of this log.
    public func backlog(after cursor: LogCursor?) throws -> Backlog {
        let batch = try read(after: cursor, maxEntries: 1, maxBytes: 1)
        guard let first = batch.firstSequence, let record = try batch.records().first else {
            return Backlog(entries: 0, bytes: 0, oldestTimestamp: nil)
        }
        let start = cursor ?? startCursor
        let bytes: UInt64 = lock.withLock {
            let end = durableCursor
            var total: UInt64 = 0
            for segment in segments where segment.base >= start.segment && segment.base <= end.segment {
                let stop = segment.base == end.segment ? end.offset : segment.writtenEnd
                let from = segment.base == start.segment ? start.offset : UInt64(SegmentHeader.size)
                if stop > from { total += stop - from }
            }
            return total
        }
        let last = lastSequence
        return Backlog(entries: last >= first ? last - first + 1 : 0, bytes: bytes, oldestTimestamp: record.timestamp)
    }
}

extension EventLog {
    /// Removes sealed segments holding only sequence numbers below `sequence` (never the active
    /// segment, never one holding `sequence` or later). Returns the removed segment file names.
    /// Readers holding a removed segment open finish their read; later cursors into it fail with
    /// `.cursorSegmentGone`.
    @discardableResult
    public func removeSegments(below sequence: UInt64) throws -> [String] {
        let removed: [Segment] = lock.withLock {
            var count = 0
            while count + 1 < segments.count, segments[count].sealed, segments[count + 1].base <= sequence { count += 1 }
            let removed = Array(segments[..<count])
            segments.removeFirst(count)
            return removed
        }
        guard !removed.isEmpty else { return [] }
        for segment in removed {
            try FileSystem.remove(directory + "/" + SegmentName.index(segment.base))
            try FileSystem.remove(directory + "/" + segment.name)
        }
        try FileSystem.syncDirectory(directory)
        logger.info("removed segments", metadata: ["segments": "\(removed.map(\.name))", "below": "\(sequence)"])
        return removed.map(\.name)
    }

    /// One segment as the open log sees it.
    public struct SegmentStatus: Sendable, Equatable {
        public var file: String
        public var baseSequence: UInt64
        /// `baseSequence - 1` when the segment is empty.
        public var lastSequence: UInt64
        public var bytes: UInt64
        public var sealed: Bool
        public var damage: LogProblem?
    }

    /// The open log's segments, oldest first (for status pages).
    public var segmentStatuses: [SegmentStatus] {
        lock.withLock {
            segments.map { SegmentStatus(file: $0.name, baseSequence: $0.base, lastSequence: $0.lastSequence, bytes: $0.writtenEnd, sealed: $0.sealed, damage: $0.damage) }
        }
    }
}

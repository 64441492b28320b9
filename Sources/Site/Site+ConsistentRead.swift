import SnapshotStore

extension Site {
    /// Runs `body` while no write can commit, and returns what it read with the log sequence
    /// the store reflects at that moment: every change through `asOf` is in what `body` saw,
    /// none after it. A backfill page is read this way, so its documents and its `asOf` agree
    /// exactly (a replica sequence taken from it neither skips nor repeats a change).
    ///
    /// Writers wait while `body` runs: keep it to a bounded page of reads.
    public func readConsistently<T: Sendable>(_ body: () throws -> T) throws -> (value: T, asOf: UInt64) {
        try writer.withLock { (state: inout WriterState) throws -> (value: T, asOf: UInt64) in
            settleDeferredApply(&state)
            return (try body(), store.lastAppliedSequence)
        }
    }
}

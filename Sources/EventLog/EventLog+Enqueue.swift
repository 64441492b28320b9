import Foundation

extension EventLog {
    /// Queues `entries` for appending and returns at once; `completion` is called on the log's
    /// writer or sync thread when they are acknowledged per the durability setting (or failed).
    ///
    /// Requests are written in the order they are queued, so a caller that serialises its own
    /// calls (the site's single writer) knows the sequence numbers before the write happens:
    /// they follow the last sequence of its previous call. This lets that writer hold its lock
    /// only while queueing, and wait for durability outside it, so concurrent writers share
    /// one `fdatasync` (group commit).
    public func enqueueAppend(
        _ entries: [EntryDraft],
        completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void
    ) throws {
        let frames = try frame(entries)
        enqueue(AppendRequest(frames: frames, count: entries.count, completion: completion))
    }
}

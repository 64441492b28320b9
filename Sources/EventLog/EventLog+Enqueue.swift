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
    ///
    /// With `lead`, a caller that finds the writer idle and nothing queued writes its entries
    /// on its own thread before returning (saving the hand-off to the writer thread and back;
    /// `completion` may then run before this returns). The order of requests is the same.
    public func enqueueAppend(
        _ entries: [EntryDraft],
        lead: Bool = false,
        completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void
    ) throws {
        let frames = try frame(entries)
        enqueue(AppendRequest(frames: frames, count: entries.count, completion: completion), lead: lead)
    }
}

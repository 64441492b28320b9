import Foundation

extension EventLog {
    /// Appends `entries` as consecutive sequence numbers, in order, with no gaps.
    ///
    /// Concurrent callers are coalesced by the writer thread into one write (and, with durability
    /// `always`, one `fdatasync`). On return the entries are acknowledged per the durability
    /// setting: with `.always` they are durable and a crash after return never loses them.
    /// The calling task is suspended, not blocked, while the write and sync happen.
    ///
    /// Throws `.invalidEntry` for an entry that cannot be stored (nothing of the call is written),
    /// `.closed` after `close()`, and the I/O error after a failed write or sync (the log then
    /// refuses appends until reopened).
    public func append(_ entries: [EntryDraft]) async throws -> AppendResult {
        let frames = try frame(entries)
        return try await withCheckedThrowingContinuation { continuation in
            enqueue(AppendRequest(frames: frames, count: entries.count) { continuation.resume(with: $0) })
        }
    }

    /// Appends one entry; see `append(_:)`.
    public func append(_ entry: EntryDraft) async throws -> AppendResult {
        try await append([entry])
    }

    /// The same as `append(_:)`, blocking the calling thread until acknowledged. For a dedicated
    /// writer thread; do not call it from Swift concurrency's cooperative threads.
    public func appendSynchronously(_ entries: [EntryDraft]) throws -> AppendResult {
        let frames = try frame(entries)
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        enqueue(AppendRequest(frames: frames, count: entries.count) { result in
            box.set(result)
            done.signal()
        }, lead: true)
        done.wait()
        return try box.get()
    }

    /// The most bytes one append call (one group) may frame. A group is never split across
    /// segments, so this bounds how far a segment can outgrow `segmentSize` (offsets stay u32).
    public static let maxGroupBytes = 1 << 30

    /// Frames `entries` (sequence numbers and crcs left for the writer) on the caller's thread,
    /// as one group: every record but the last says more of its group follow.
    func frame(_ entries: [EntryDraft]) throws -> [UInt8] {
        guard !entries.isEmpty else { throw EventLogError(.invalidEntry, "nothing to append: the list of entries is empty") }
        return try frame(entries, stampedAt: wallClockMicroseconds())
    }

    /// `frame(_:)` with `now` as the time of entries that carry none.
    func frame(_ entries: [EntryDraft], stampedAt now: Int64) throws -> [UInt8] {
        var frames: [UInt8] = []
        frames.reserveCapacity(entries.reduce(0) { $0 + RecordFrame.headerSize + 48 + $1.payload.count + $1.annotations.count })
        let last = entries.count - 1
        for (i, entry) in entries.enumerated() {
            if entry.timestamp == nil {
                var stamped = entry
                stamped.timestamp = now
                try RecordFrame.encodeUnsealed(stamped, compressionThreshold: configuration.compressionThreshold, moreInGroup: i < last, into: &frames)
            } else {
                try RecordFrame.encodeUnsealed(entry, compressionThreshold: configuration.compressionThreshold, moreInGroup: i < last, into: &frames)
            }
        }
        guard frames.count <= Self.maxGroupBytes else {
            throw EventLogError(.invalidEntry, "an append of \(entries.count) entries frames to \(frames.count) bytes, more than the \(Self.maxGroupBytes) bytes one append may hold; split it")
        }
        return frames
    }
}

/// Carries a result from the writer thread to a blocked caller; the semaphore orders the accesses.
private final class ResultBox: @unchecked Sendable {
    private var result: Result<AppendResult, any Error>?
    func set(_ result: Result<AppendResult, any Error>) { self.result = result }
    func get() throws -> AppendResult { try result!.get() }
}

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
        enqueueAppend(try framed(entries), lead: lead, completion: completion)
    }

    /// Frames `entries` for a later `enqueueAppend(_:lead:completion:)`: checks and encodes
    /// them (deflating large payloads) without touching the log's state, so a caller can do
    /// this costly part before taking the lock that orders its appends. Throws `.invalidEntry`
    /// as `append` does.
    public func framed(_ entries: [EntryDraft]) throws -> FramedEntries {
        FramedEntries(content: .frames(try frame(entries)), count: entries.count)
    }

    /// Like `framed(_:)`, but the encoding (and the deflating of large payloads) is left to
    /// whoever writes the entries, usually the log's writer thread: a caller whose own thread
    /// is the bottleneck (a consumer replaying a backlog) hands that work to the other core.
    ///
    /// Everything that could make the encoding refuse an entry is checked here, on the raw
    /// sizes (deflating only ever makes a record smaller), so the entries are refused now or
    /// never, exactly as `framed(_:)` refuses them. Entries without a timestamp get the time of
    /// this call, as they would from `framed(_:)`.
    public func framedLater(_ entries: [EntryDraft]) throws -> FramedEntries {
        guard !entries.isEmpty else { throw EventLogError(.invalidEntry, "nothing to append: the list of entries is empty") }
        var bound = 0
        for entry in entries {
            let length = try RecordFrame.lengthBound(entry)
            // A record only the deflated payload would fit: frame now, to refuse or keep it
            // exactly as `framed(_:)` would.
            guard length <= RecordFrame.maxFrameLength else { return try framed(entries) }
            bound += length
        }
        guard bound <= Self.maxGroupBytes else { return try framed(entries) }
        return FramedEntries(content: .drafts(entries, stampedAt: wallClockMicroseconds()), count: entries.count)
    }

    /// Queues entries framed by `framed(_:)`; otherwise the same as `enqueueAppend(_:lead:completion:)`.
    public func enqueueAppend(
        _ framed: FramedEntries,
        lead: Bool = false,
        completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void
    ) {
        enqueue(AppendRequest(framed, completion: completion), lead: lead)
    }
}

extension EventLog {
    /// Queues framed entries like `enqueueAppend(_:lead:completion:)` with `lead`, but when
    /// this caller gets to lead, the write is not done here: it is returned, for the caller to
    /// `perform()` once it has released the lock that orders its appends. The order of the log
    /// is fixed here, at the call; later requests queue behind this one until it is performed,
    /// so it must be performed exactly once, and soon.
    public func enqueueAppendLeadingLater(
        _ framed: FramedEntries,
        completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void
    ) -> LeadWrite? {
        enqueue(AppendRequest(framed, completion: completion), lead: true, deferLead: true)
            .map { LeadWrite(log: self, request: $0) }
    }
}

/// An append this caller leads: `perform()` writes it on the calling thread (see
/// `EventLog.enqueueAppendLeadingLater`).
public struct LeadWrite: Sendable {
    let log: EventLog
    let request: AppendRequest

    public func perform() {
        log.writeLed(request)
    }
}

/// Log entries ready to be the records of one append: encoded, their sequence numbers and
/// checksums still to be filled in by the log's writer (`EventLog.framed(_:)`), or checked and
/// left for the writer to encode (`EventLog.framedLater(_:)`).
public struct FramedEntries: Sendable {
    enum Content: Sendable {
        case frames([UInt8])
        /// Entries that cannot be refused any more, and the time for those without one.
        case drafts([EntryDraft], stampedAt: Int64)
    }

    let content: Content
    /// How many entries (records) they are.
    public let count: Int
}

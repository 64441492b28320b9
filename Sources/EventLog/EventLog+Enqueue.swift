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
        FramedEntries(bytes: try frame(entries), count: entries.count)
    }

    /// Queues entries framed by `framed(_:)`; otherwise the same as `enqueueAppend(_:lead:completion:)`.
    public func enqueueAppend(
        _ framed: FramedEntries,
        lead: Bool = false,
        completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void
    ) {
        enqueue(AppendRequest(frames: framed.bytes, count: framed.count, completion: completion), lead: lead)
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
        enqueue(AppendRequest(frames: framed.bytes, count: framed.count, completion: completion), lead: true, deferLead: true)
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

/// Log entries encoded as the records of one append, their sequence numbers and checksums
/// still to be filled in by the log's writer (`EventLog.framed(_:)`).
public struct FramedEntries: Sendable {
    let bytes: [UInt8]
    /// How many entries (records) they are.
    public let count: Int
}

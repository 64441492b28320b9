/// A record together with the cursor just after it (the watermark once it is applied).
public struct CursoredRecord: Sendable, Equatable {
    public var record: LogRecord
    public var cursor: LogCursor
}

extension EventLog {
    /// Every durable record after `cursor` (nil: from the first kept), then each new one as it
    /// becomes durable, until the log closes or the iterating task is cancelled. Records are read
    /// in batches of at most `maxEntries` / `maxBytes` and only when the consumer asks for more,
    /// so memory stays bounded however far behind the consumer is. Errors (a bad cursor, damage)
    /// end the sequence by throwing.
    ///
    ///     for try await entry in log.records(after: watermark) { apply(entry.record); watermark = entry.cursor }
    public func records(after cursor: LogCursor?, maxEntries: Int = 1000, maxBytes: Int = 1 << 20) -> AsyncThrowingStream<CursoredRecord, any Error> {
        let follower = Follower(cursor: cursor)
        return AsyncThrowingStream(unfolding: { [self] in
            while true {
                if let next = follower.take() { return next }
                if Task.isCancelled { return nil }
                let durable = lastSequence
                let batch = try read(after: follower.cursor, maxEntries: maxEntries, maxBytes: maxBytes)
                if batch.count == 0 {
                    if isClosed { return nil }
                    _ = await waitForDurable(after: durable)
                    continue
                }
                let records = try batch.records()
                follower.fill(zip(records, batch.cursors).map { CursoredRecord(record: $0, cursor: $1) }, next: batch.next)
            }
        })
    }
}

/// The reading position of one `records(after:)` sequence. The stream calls its producer closure
/// for one element at a time, never concurrently, so the unsynchronised state is safe.
private final class Follower: @unchecked Sendable {
    var cursor: LogCursor?
    private var pending: [CursoredRecord] = []
    private var index = 0

    init(cursor: LogCursor?) { self.cursor = cursor }

    func take() -> CursoredRecord? {
        guard index < pending.count else { return nil }
        defer { index += 1 }
        return pending[index]
    }

    func fill(_ records: [CursoredRecord], next: LogCursor) {
        pending = records
        index = 0
        cursor = next
    }
}

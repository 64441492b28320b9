import EventLog

/// The replies a pull fetches ahead of its replay (`StreamConsumer.pull`), in order, each
/// starting where the one before it ends, at most `depth` of them.
///
/// Why more than one: a reply of 20-row invoices is about fifty records, replayed in a few
/// milliseconds, while fetching, verifying and parsing the next one takes about as long on a
/// busy machine; with one reply ahead the replay waited for the fetch a twelfth of its time.
struct ReplyPrefetch {
    typealias Fetched = (reply: UpdatesReply, records: [LogRecord], parsed: [ParsedPayload])

    let depth: Int
    let fetch: @Sendable (LogCursor) async throws -> Fetched
    /// Each task fetches the reply after the previous task's (nil: that one ended the stream).
    private var tasks: [Task<(after: LogCursor, fetched: Fetched)?, any Error>] = []

    init(depth: Int, fetch: @escaping @Sendable (LogCursor) async throws -> Fetched) {
        self.depth = depth
        self.fetch = fetch
    }

    /// The reply starting at `cursor`: the first one fetched ahead when it starts there (its
    /// errors surface here, after everything before it was replayed), else fetched now, the
    /// ones fetched ahead being dropped.
    mutating func reply(at cursor: LogCursor) async throws -> Fetched {
        if !tasks.isEmpty {
            let first = tasks.removeFirst()
            if let ahead = try await first.value, ahead.after == cursor { return ahead.fetched }
            cancel()
        }
        return try await fetch(cursor)
    }

    /// Starts fetching the replies after `reply` (which started at `start`), up to `depth`.
    mutating func fill(after reply: UpdatesReply, startedAt start: LogCursor) {
        guard !reply.caughtUp, reply.next != start else { return }
        let fetch = fetch, next = reply.next
        while tasks.count < depth {
            let previous = tasks.last
            tasks.append(Task {
                var from = next
                if let previous {
                    guard let before = try await previous.value, !before.fetched.reply.caughtUp,
                          before.fetched.reply.next != before.after else { return nil }
                    from = before.fetched.reply.next
                }
                return (from, try await fetch(from))
            })
        }
    }

    /// Drops every reply fetched ahead.
    mutating func cancel() {
        for task in tasks { task.cancel() }
        tasks = []
    }
}

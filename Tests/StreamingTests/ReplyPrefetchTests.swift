import EventLog
import Synchronization
import Testing

@testable import Streaming

/// `ReplyPrefetch` against a fake producer whose replies are ten "offsets" long.
@Suite("Replies fetched ahead of the replay")
struct ReplyPrefetchTests {
    /// A producer of `count` replies: reply k starts at offset 10k and ends at 10(k+1); the
    /// last one is caught up. Records every `after` it was asked for.
    final class FakeProducer: Sendable {
        let count: Int
        let asked = Mutex<[UInt64]>([])
        init(count: Int) { self.count = count }

        func fetch(_ after: LogCursor) -> ReplyPrefetch.Fetched {
            asked.withLock { $0.append(after.offset) }
            let next = after.offset + 10
            let reply = UpdatesReply(next: LogCursor(segment: 1, offset: next), caughtUp: next >= UInt64(count) * 10,
                                     lastSequence: 0, statuses: [], entries: [])
            return (reply, [], [])
        }
    }

    /// Polls until `condition` holds (bounded generously; never depends on speed).
    func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<2000 where !condition() { try await Task.sleep(nanoseconds: 5_000_000) }
    }

    @Test("replies come in order, at most two ahead, and nothing is asked past the caught-up one")
    func orderDepthAndEnd() async throws {
        let producer = FakeProducer(count: 5)
        var prefetch = ReplyPrefetch(depth: 2) { producer.fetch($0) }
        var cursor = LogCursor(segment: 1, offset: 0)
        var starts: [UInt64] = []
        while true {
            let fetched = try await prefetch.reply(at: cursor)
            prefetch.fill(after: fetched.reply, startedAt: cursor)
            starts.append(cursor.offset)
            if starts.count == 1 {
                // Two replies ahead are asked for (without the replay asking again), no third.
                try await eventually { producer.asked.withLock { $0.count } == 3 }
                #expect(producer.asked.withLock { $0 } == [0, 10, 20])
            }
            if fetched.reply.caughtUp { break }
            cursor = fetched.reply.next
        }
        #expect(starts == [0, 10, 20, 30, 40])
        try await Task.sleep(nanoseconds: 20_000_000)
        #expect(producer.asked.withLock { $0 } == [0, 10, 20, 30, 40])
    }

    @Test("a reply asked from elsewhere than where the fetched ones start drops them and is fetched anew")
    func movedCursor() async throws {
        let producer = FakeProducer(count: 10)
        var prefetch = ReplyPrefetch(depth: 2) { producer.fetch($0) }
        let start = LogCursor(segment: 1, offset: 0)
        let first = try await prefetch.reply(at: start)
        prefetch.fill(after: first.reply, startedAt: start)
        // The pull moved on to offset 50 (a backfill ran): not where the replies ahead start.
        let moved = try await prefetch.reply(at: LogCursor(segment: 1, offset: 50))
        #expect(moved.reply.next.offset == 60)
        prefetch.cancel()
    }
}

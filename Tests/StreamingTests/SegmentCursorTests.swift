import EventLog
import Site
import Streaming
import Testing

/// The cursor the producer sends after each record must be exactly where reading resumes, also
/// where replies and log batches cross segment boundaries (small segments make many of them).
@Suite("Cursors across segments")
struct SegmentCursorTests {
    @Test("every entry's cursor resumes at the next visible entry", arguments: [1, 3, 64])
    func cursorsResumeExactly(maxEntries: Int) async throws {
        let pair = try await StreamPair(producerSegmentBytes: 4096)
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        for i in 0..<60 {
            try await pair.producerSite.write { tx in
                try tx.insert(Docs.customer("C\(i)"))
                if i % 4 == 0 { try tx.insert(Docs.itemGroup("G\(i)")) }  // filtered out
            }
        }
        let segments = try EventLog.inspect(directory: SiteLayout(root: pair.producerDirectory.url).logDirectory.path).segments.count
        #expect(segments > 5)
        let start = try #require(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id)).cursor
        // All visible entries, read in replies of maxEntries.
        var all: [(UInt64, LogCursor)] = []
        var cursor = start
        while true {
            let reply = try pair.producer.updates(consumer: "branch-1", caller: "Administrator", after: cursor, maxEntries: maxEntries, maxBytes: 1 << 20)
            let (_, records) = try UpdatesReply.decodeVerified(reply.encoded())
            all += zip(records.map(\.sequence), reply.entries.map(\.cursor)).map { ($0, $1) }
            cursor = reply.next
            if reply.caughtUp { break }
        }
        #expect(all.count == 60)
        // Resuming after each entry's cursor gives exactly the next entry.
        for i in 0..<(all.count - 1) {
            let reply = try pair.producer.updates(consumer: "branch-1", caller: "Administrator", after: all[i].1, maxEntries: 1, maxBytes: 1 << 20)
            let (_, records) = try UpdatesReply.decodeVerified(reply.encoded())
            #expect(records.first?.sequence == all[i + 1].0, "after entry \(i) (cursor \(all[i].1))")
            #expect(reply.entries.first?.cursor == all[i + 1].1)
        }
        let report = try await pair.pull(maxEntries: maxEntries)
        #expect(report.synced == 60)
        #expect(pair.consumerSite.count("Customer") == 60)
    }
}

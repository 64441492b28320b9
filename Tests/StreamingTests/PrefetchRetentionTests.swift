import DocumentModel
import EventLog
import Foundation
import Site
import Streaming
import Testing

/// A consumer asks for its next two replies while it replays the last (`StreamConsumer.pull`,
/// `ReplyPrefetch`), so the producer must not take either of its last two requests' positions
/// as applied.
@Suite("Retention and a consumer that reads replies ahead")
struct PrefetchRetentionTests {
    @Test("retention keeps what the consumer's request before its last one started from")
    func keepsWhatThePrefetchSkippedAhead() async throws {
        try await expectRetentionKeepsAll(requestsAhead: 1)
    }

    @Test("retention keeps what the consumer's request two before its last one started from")
    func keepsWhatTwoPrefetchesSkippedAhead() async throws {
        try await expectRetentionKeepsAll(requestsAhead: 2)
    }

    /// The consumer asks for its first reply and `requestsAhead` more while it replays the
    /// first, applies nothing, and stops; retention then removes nothing it needs.
    func expectRetentionKeepsAll(requestsAhead: Int) async throws {
        let pair = try await StreamPair(producerSegmentBytes: 4096)
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        let count = 30 * (requestsAhead + 1)
        for i in 0..<count { try await pair.producerSite.write { tx in _ = try tx.insert(Docs.customer("R\(i)")) } }
        let name = pair.consumerSite.identity.name
        let first = try UpdatesReply.decodeVerified(try await pair.client.updates(consumer: name, after: nil, maxEntries: 30, maxBytes: 1 << 20)).reply
        var next = first.next
        for _ in 0..<requestsAhead {
            next = try UpdatesReply.decodeVerified(try await pair.client.updates(consumer: name, after: next, maxEntries: 30, maxBytes: 1 << 20)).reply.next
        }
        #expect(first.next.segment > pair.producerSite.log.segmentStatuses.first!.baseSequence, "the first reply spans segments")
        let report = try pair.producer.applyRetention()
        #expect(report.removed.isEmpty)
        // The consumer, which applied nothing, still gets everything.
        #expect(try await pair.pull().synced == count)
    }
}

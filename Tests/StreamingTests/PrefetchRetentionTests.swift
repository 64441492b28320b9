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
        let pair = try await StreamPair(producerSegmentBytes: 4096)
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        for i in 0..<60 { try await pair.producerSite.write { tx in _ = try tx.insert(Docs.customer("R\(i)")) } }
        let name = pair.consumerSite.identity.name
        let first = try UpdatesReply.decodeVerified(try await pair.client.updates(consumer: name, after: nil, maxEntries: 30, maxBytes: 1 << 20)).reply
        // Asked before the first reply was applied (and then the consumer stops).
        _ = try await pair.client.updates(consumer: name, after: first.next, maxEntries: 30, maxBytes: 1 << 20)
        #expect(first.next.segment > pair.producerSite.log.segmentStatuses.first!.baseSequence, "the first reply spans segments")
        let report = try pair.producer.applyRetention()
        #expect(report.removed.isEmpty)
        // The consumer, which applied nothing, still gets everything.
        #expect(try await pair.pull().synced == 60)
    }

    @Test("retention keeps what the consumer's request two before its last one started from")
    func keepsWhatTwoPrefetchesSkippedAhead() async throws {
        let pair = try await StreamPair(producerSegmentBytes: 4096)
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        for i in 0..<90 { try await pair.producerSite.write { tx in _ = try tx.insert(Docs.customer("R\(i)")) } }
        let name = pair.consumerSite.identity.name
        let first = try UpdatesReply.decodeVerified(try await pair.client.updates(consumer: name, after: nil, maxEntries: 30, maxBytes: 1 << 20)).reply
        // Both asked while the first reply is being replayed (and then the consumer stops).
        let second = try UpdatesReply.decodeVerified(try await pair.client.updates(consumer: name, after: first.next, maxEntries: 30, maxBytes: 1 << 20)).reply
        _ = try await pair.client.updates(consumer: name, after: second.next, maxEntries: 30, maxBytes: 1 << 20)
        #expect(first.next.segment > pair.producerSite.log.segmentStatuses.first!.baseSequence, "the first reply spans segments")
        let report = try pair.producer.applyRetention()
        #expect(report.removed.isEmpty)
        #expect(try await pair.pull().synced == 90)
    }
}

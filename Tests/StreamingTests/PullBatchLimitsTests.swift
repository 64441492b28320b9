import Foundation
import EventLog
import Streaming
import Synchronization
import Testing

/// A pull that does not size its replies asks for `PullBatchLimits`: large documents come in
/// several bounded replies, so the consumer never holds a big backlog's parsed documents at once.
struct PullBatchLimitsTests {
    /// Records what each updates request asked for.
    final class RecordingClient: ProducerClient {
        let inner: LocalProducerClient
        let asked = Mutex<[(entries: Int, bytes: Int)]>([])
        init(inner: LocalProducerClient) { self.inner = inner }
        func register(_ request: RegisterRequest) async throws -> RegisterReply { try await inner.register(request) }
        func updates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> [UInt8] {
            asked.withLock { $0.append((maxEntries, maxBytes)) }
            return try await inner.updates(consumer: consumer, after: after, maxEntries: maxEntries, maxBytes: maxBytes)
        }
        func documents(_ request: DocumentsRequest) async throws -> DocumentsReply { try await inner.documents(request) }
    }

    @Test("by default a pull asks for replies of at most PullBatchLimits.maxBytes, and a backlog of large documents arrives whole over several")
    func defaultRepliesAreBounded() async throws {
        #expect(PullBatchLimits.maxBytes <= 1 << 20, "replies stay small enough for a consumer to hold three")
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        // Customers of ~24 KB each, six replies' worth before compression: the log deflates large
        // payloads in their frames, and hex digits from an LCG halve, leaving three.
        var state: UInt64 = 0x5EED
        let details = String((0..<24_000).map { _ -> Character in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Character(String(state >> 60, radix: 16))
        })
        let count = 6 * PullBatchLimits.maxBytes / details.utf8.count + 1
        try await pair.producerSite.write { tx in
            for i in 0..<count {
                var customer = Docs.customer(String(format: "Big %03d", i))
                customer["customer_details"] = .string(details + "\(i)")
                try tx.insert(customer)
            }
        }
        let client = RecordingClient(inner: pair.client)
        let report = try await pair.consumer.pull(producer: pair.producerSite.identity.name, client: client)
        #expect(report.synced == count)
        #expect(report.batches >= 3, "replies were bounded by bytes, not sent whole")
        let asked = client.asked.withLock { $0 }
        #expect(!asked.isEmpty)
        #expect(asked.allSatisfy { $0.entries == PullBatchLimits.maxEntries && $0.bytes == PullBatchLimits.maxBytes }, "asked: \(asked)")
        #expect(pair.consumerSite.count("Customer") == count)
        let last = try #require(try pair.consumerSite.get("Customer", String(format: "Big %03d", count - 1)))
        #expect(last["customer_details"]?.stringValue == details + "\(count - 1)")
    }
}

import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming
import Synchronization
import Testing

/// A client whose `updates` calls fail while `failing` says so, after `succeedFirst` good ones.
final class InterruptedClient: ProducerClient, Sendable {
    struct Outage: Error {}
    let inner: LocalProducerClient
    let calls = Atomic<Int>(0)
    let failFrom: Int
    let failing = Atomic<Bool>(true)

    init(inner: LocalProducerClient, succeedFirst: Int) {
        self.inner = inner
        failFrom = succeedFirst
    }

    func register(_ request: RegisterRequest) async throws -> RegisterReply { try await inner.register(request) }

    func updates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> [UInt8] {
        let n = calls.add(1, ordering: .sequentiallyConsistent).newValue
        if n > failFrom, failing.load(ordering: .sequentiallyConsistent) { throw Outage() }
        return try await inner.updates(consumer: consumer, after: after, maxEntries: maxEntries, maxBytes: maxBytes)
    }

    func documents(_ request: DocumentsRequest) async throws -> DocumentsReply {
        if failing.load(ordering: .sequentiallyConsistent), calls.load(ordering: .sequentiallyConsistent) >= failFrom { throw Outage() }
        return try await inner.documents(request)
    }
}

@Suite("Transport failures")
struct TransportFailureTests {
    @Test("a transport failure mid-pull keeps what was applied, applies nothing more; the next pull loses and duplicates nothing")
    func interruptedPull() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in
            for i in 0..<100 { try tx.insert(Docs.customer("C\(i)")) }
        }
        let client = InterruptedClient(inner: pair.client, succeedFirst: 3)
        await #expect(throws: InterruptedClient.Outage.self) {
            try await pair.consumer.pull(producer: "head-office", client: client, maxEntries: 10)
        }
        #expect(pair.consumerSite.count("Customer") == 30)
        let watermark = try #require(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id))
        #expect(watermark.synced == 30 && watermark.failed == 0)
        #expect(pair.consumerSite.count("Event Sync Log") == 0)

        // A restart in between, then the producer is back.
        try pair.reopenConsumer()
        client.failing.store(false, ordering: .sequentiallyConsistent)
        let report = try await pair.consumer.pull(producer: "head-office", client: client, maxEntries: 10)
        #expect(report.synced == 70)
        #expect(pair.consumerSite.count("Customer") == 100)
        let creates = try pair.consumerSite.log.read(after: nil, maxEntries: 100_000, maxBytes: 64 << 20).records()
            .filter { $0.doctype == "Customer" }
        #expect(creates.count == 100)
        #expect(Set(creates.map(\.docname)).count == 100)
        #expect(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id)?.synced == 100)
    }

    @Test("a transport failure while retrying a parked document leaves it parked and unchanged")
    func transportFailureDuringRetry() async throws {
        let rule = CustomerRule(), clock = TestClock()
        let pair = try await strictPair(rule, clock: clock)
        defer { pair.close() }
        // The Create links to a group the consumer lacks, so replaying it needs a documents call.
        var blocked = Docs.customer("Parked", group: "Retail")
        blocked["customer_details"] = "blocked"
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customerGroup("Retail"))
            try tx.insert(blocked)
        }
        try await pair.pull()
        let before = try pair.consumer.syncLog()
        #expect(before.count == 1 && before.first?.status == .failed)
        rule.lift()
        let client = InterruptedClient(inner: pair.client, succeedFirst: 0)
        let error = await #expect(throws: StreamError.self) {
            try await pair.consumer.resyncFailed(producer: "head-office", client: client)
        }
        #expect(error?.code == .transport)
        #expect(try pair.consumer.syncLog() == before)  // no attempt counted, nothing applied
        #expect(!pair.consumerSite.exists("Customer", "Parked"))
        client.failing.store(false, ordering: .sequentiallyConsistent)
        let report = try await pair.consumer.resyncFailed(producer: "head-office", client: client)
        #expect(report.released == 1)
        #expect(pair.consumerSite.exists("Customer", "Parked"))
    }

    @Test("the pull loop backs off after failed pulls, doubling up to the poll interval; a success resets it, and waits really wait")
    func pullLoopBackoff() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        let client = InterruptedClient(inner: pair.client, succeedFirst: 0)
        var configuration = PullLoop.Configuration()
        configuration.retryDelay = .seconds(1)
        configuration.pollInterval = .seconds(20)
        let sleeps = Mutex<[Duration]>([])
        let loop = PullLoop(consumer: pair.consumer, producer: "head-office", client: client, configuration: configuration,
                            sleep: { duration in
                                let count = sleeps.withLock { $0.append(duration); return $0.count }
                                // The producer comes back after 7 failures and goes away again after one good pull.
                                if count == 7 { client.failing.store(false, ordering: .sequentiallyConsistent) }
                                if count == 8 { client.failing.store(true, ordering: .sequentiallyConsistent) }
                                if count >= 9 { try await Task.sleep(for: .seconds(86_400)) }
                            })
        let task = Task { await loop.run() }
        defer { task.cancel() }
        for _ in 0..<6000 where sleeps.withLock({ $0.count }) < 9 { try await Task.sleep(for: .milliseconds(10)) }
        // Give a runaway loop (one that stops waiting) the chance to show itself.
        try await Task.sleep(for: .milliseconds(200))
        #expect(sleeps.withLock { $0 } == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(20), .seconds(20),
                                           .seconds(20), .seconds(1)])
        #expect(await loop.lastError != nil)
    }
}

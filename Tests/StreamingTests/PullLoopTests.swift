import EventLog
import Site
import Streaming
import Synchronization
import Testing

/// A client that runs `hook` after the first updates reply is made (before the consumer sees it).
final class HookedClient: ProducerClient {
    let inner: LocalProducerClient
    let calls = Mutex(0)
    let hook: @Sendable () async throws -> Void

    init(inner: LocalProducerClient, hook: @escaping @Sendable () async throws -> Void) {
        self.inner = inner
        self.hook = hook
    }

    func register(_ request: RegisterRequest) async throws -> RegisterReply { try await inner.register(request) }
    func documents(_ request: DocumentsRequest) async throws -> DocumentsReply { try await inner.documents(request) }
    func updates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> [UInt8] {
        let bytes = try await inner.updates(consumer: consumer, after: after, maxEntries: maxEntries, maxBytes: maxBytes)
        let n = calls.withLock { c in c += 1; return c }
        if n == 1 { try await hook() }
        return bytes
    }
}

@Suite("Pull loop")
struct PullLoopTests {
    @Test("a ping during a pull makes it go round again; without one it stops when caught up")
    func pingDuringPull() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("First")) }
        let loopBox = Mutex<PullLoop?>(nil)
        let producerSite = pair.producerSite
        let client = HookedClient(inner: pair.client) {
            // News arrives while the first reply is in flight, and the producer pings.
            _ = try await producerSite.write { tx in try tx.insert(Docs.customer("Second")) }
            await loopBox.withLock { $0 }!.notify()
        }
        let loop = PullLoop(consumer: pair.consumer, producer: "head-office", client: client)
        loopBox.withLock { $0 = loop }
        let report = try await loop.pullOnce()
        #expect(report.synced == 2)
        #expect(pair.consumerSite.exists("Customer", "Second"))

        // Control: the same situation without the ping leaves the late change for the next pull.
        let quiet = HookedClient(inner: pair.client) {
            _ = try await producerSite.write { tx in try tx.insert(Docs.customer("Third")) }
        }
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Fourth")) }
        let second = try await PullLoop(consumer: pair.consumer, producer: "head-office", client: quiet).pullOnce()
        #expect(second.synced == 1)
        #expect(!pair.consumerSite.exists("Customer", "Third"))
    }

    @Test("the run loop waits the poll interval between pulls, and a ping cuts the wait short")
    func pollIntervalAndPing() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        let sleeps = Mutex<[Duration]>([])
        var configuration = PullLoop.Configuration()
        configuration.pollInterval = .seconds(3600)
        // The injected sleep records the interval and never returns on its own: only pings wake the loop.
        let loop = PullLoop(consumer: pair.consumer, producer: "head-office", client: pair.client, configuration: configuration,
                            sleep: { duration in
                                sleeps.withLock { $0.append(duration) }
                                try await Task.sleep(for: .seconds(86_400))
                            })
        let running = Task { await loop.run() }
        defer { running.cancel() }
        #expect(await waitFor { sleeps.withLock { $0.count } >= 1 })
        #expect(sleeps.withLock { $0 } == [.seconds(3600)])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Pinged")) }
        await loop.notify()
        #expect(await waitFor { pair.consumerSite.exists("Customer", "Pinged") })
        #expect(await waitFor { sleeps.withLock { $0.count } >= 2 })
    }

    /// Polls `condition` every 10 ms for up to 60 s (a generous bound, not a timing assertion).
    func waitFor(_ condition: @Sendable () -> Bool) async -> Bool {
        for _ in 0..<6000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

@Suite("Producer pings")
struct PingNotifierTests {
    @Test("new durable entries ping every consumer with an approved DocType, and the ping makes it pull")
    func pingsDriveThePullLoop() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        var configuration = PullLoop.Configuration()
        configuration.pollInterval = .seconds(3600)
        let loop = PullLoop(consumer: pair.consumer, producer: "head-office", client: pair.client, configuration: configuration,
                            sleep: { _ in try await Task.sleep(for: .seconds(86_400)) })
        let pinged = Mutex<[String]>([])
        let notifier = PingNotifier(producer: pair.producer) { consumer in
            pinged.withLock { $0.append(consumer.name) }
            #expect(consumer.notifyToken != nil)
            await loop.notify()
        }
        let start = pair.producerSite.log.lastSequence
        let pulling = Task { await loop.run() }
        let pinging = Task { await notifier.run(after: start) }
        defer {
            pulling.cancel()
            pinging.cancel()
        }
        // The loop's first pull finds nothing; after it the loop waits an hour unless pinged.
        for _ in 0..<6000 where await loop.lastReport == nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await loop.lastReport != nil)
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Pinged")) }
        #expect(await PullLoopTests().waitFor { pair.consumerSite.exists("Customer", "Pinged") })
        #expect(pinged.withLock { $0.first } == "branch-1")
    }
}

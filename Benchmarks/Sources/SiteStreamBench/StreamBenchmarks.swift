import DocumentModel
import Foundation
import Logging
import Site
import SiteStreamJSON
import Streaming

/// Event streaming without HTTP: an empty consumer catching up a producer's backlog of
/// Customers (~0.6 KB, one Link fetched once as a dependency) through `LocalProducerClient`
/// (every message goes through its wire bytes), replies of 1000 entries / 4 MB, both sites
/// with durability `interval`. The HTTP figure `stream.catchup` (over loopback) belongs to the
/// server; the ratio of the two is the transport's cost.
public struct StreamBenchmarks: BenchmarkGroup {
    public let name = "stream"

    public init() {}

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        let backlog = context.size(full: 50_000, quick: 10_000, smoke: 500)
        var rates: [Double] = []
        for run in 0..<context.runs {
            let directory = try context.freshDirectory("stream-catchup-\(run)")
            rates.append(try Self.blocking { try await Self.catchUp(backlog: backlog, in: directory) })
            try? FileManager.default.removeItem(at: directory)
        }
        report(Figure(id: "stream.catchup.inprocess", unit: "entries/s", samples: rates,
                      note: "\(backlog)-entry Customer backlog, in-process client (wire bytes, no HTTP), 1000-entry replies, durability interval"))
    }

    static func catchUp(backlog: Int, in directory: URL) async throws -> Double {
        var logger = Logger(label: "bench.stream")
        logger.logLevel = .error
        func site(_ name: String) async throws -> Site {
            let layout = SiteLayout(root: directory.appendingPathComponent(name))
            try await Site.create(at: layout, name: name, url: nil, logger: logger)
            return try Site.open(at: layout, controllers: ControllerRegistry(), logger: logger)
        }
        let producerSite = try await site("producer")
        let consumerSite = try await site("consumer")
        defer {
            try? producerSite.close()
            try? consumerSite.close()
        }
        let producer = StreamProducer(site: producerSite, logger: logger)
        let consumer = StreamConsumer(site: consumerSite, logger: logger)
        let client = LocalProducerClient(producer: producer)
        try await consumer.subscribe(Subscription(producerURL: "local", apiKey: "k", apiSecret: "s", doctypes: [.init("Customer")]),
                                     client: client)
        try await producer.approve(consumer: "consumer", doctypes: ["Customer"])
        try await producerSite.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Retail"])) }
        for start in stride(from: 0, to: backlog, by: 500) {
            try await producerSite.write { tx in
                for i in start..<min(start + 500, backlog) {
                    try tx.insert(Document(doctype: "Customer", [
                        "customer_name": .string("Customer \(i)"), "customer_type": "Company", "customer_group": "Retail",
                        "email_id": .string("c\(i)@example.com"), "customer_details": .string(String(repeating: "d", count: 300)),
                    ]))
                }
            }
        }
        // With durability interval a write is acknowledged before it is durable, and readers see
        // only durable entries: wait for the last one, or the pull may stop short of it.
        let written = producerSite.log.lastWrittenSequence
        if written > 0 { _ = await producerSite.log.waitForDurable(after: written - 1) }
        let started = monotonicNanoseconds()
        let pulled = try await consumer.pull(producer: "producer", client: client, maxEntries: 1000, maxBytes: 4 << 20)
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        guard pulled.synced == backlog else { throw BenchError("stream: the catch-up replayed \(pulled.synced) of \(backlog) entries") }
        return Double(pulled.synced) / seconds
    }

    /// Runs async work from the harness's synchronous `run` (which runs on a thread of its own).
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<T, any Error>?
        Task {
            do { result = .success(try await body()) } catch { result = .failure(error) }
            semaphore.signal()
        }
        semaphore.wait()
        return try result!.get()
    }
}

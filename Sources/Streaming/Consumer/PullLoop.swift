import Logging

/// Keeps one consumer in step with one producer: one pull at a time, pulls until caught up,
/// a ping during a pull makes it pull again when it finishes, and between pulls it waits for
/// a ping or the poll interval, whichever comes first.
///
/// Time is injected (`sleep`), so tests drive the loop without waiting on a clock.
///
/// ```swift
/// let loop = PullLoop(consumer: consumer, producer: "head-office", client: client)
/// Task { await loop.run() }          // background pulls
/// await loop.notify()                // from POST /api/stream/notify
/// ```
public actor PullLoop {
    public struct Configuration: Sendable {
        /// How long to wait between pulls when no ping comes.
        public var pollInterval: Duration = .seconds(30)
        /// After a failed pull, wait this long before the next try (doubling up to the poll
        /// interval).
        public var retryDelay: Duration = .seconds(1)
        public var maxEntries = 1000
        public var maxBytes = 4 << 20

        public init() {}
    }

    public let producer: String
    let consumer: StreamConsumer
    let client: any ProducerClient
    let configuration: Configuration
    let sleep: @Sendable (Duration) async throws -> Void
    let logger: Logger

    private var running: Task<StreamConsumer.PullReport, any Error>?
    private var again = false
    private var wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    /// The last pull's outcome, for status pages.
    public private(set) var lastReport: StreamConsumer.PullReport?
    public private(set) var lastError: String?

    public init(consumer: StreamConsumer, producer: String, client: any ProducerClient, configuration: Configuration = Configuration(),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                logger: Logger = Logger(label: "sitestream.streaming.pull")) {
        self.consumer = consumer
        self.producer = producer
        self.client = client
        self.configuration = configuration
        self.sleep = sleep
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Pulls until caught up. If a pull is already running, this one joins it (and makes it
    /// go round once more, since the caller has reason to think there is news).
    @discardableResult
    public func pullOnce() async throws -> StreamConsumer.PullReport {
        if let running {
            again = true
            return try await running.value
        }
        let task = Task { try await self.pullUntilQuiet() }
        running = task
        defer { running = nil }
        do {
            let report = try await task.value
            lastReport = report
            lastError = nil
            return report
        } catch {
            lastError = String(describing: error)
            throw error
        }
    }

    private func pullUntilQuiet() async throws -> StreamConsumer.PullReport {
        var total = StreamConsumer.PullReport()
        repeat {
            again = false
            total.add(try await consumer.pull(producer: producer, client: client,
                                              maxEntries: configuration.maxEntries, maxBytes: configuration.maxBytes))
        } while again
        return total
    }

    /// The producer's ping: there is news. During a pull, the pull goes round again when it
    /// is done; otherwise the waiting `run` loop pulls at once.
    public func notify() {
        if running != nil { again = true }
        wake.yield()
    }

    /// Pulls, then waits for a ping or the poll interval, until the task is cancelled. A
    /// failed pull is logged and retried after `retryDelay`, doubling up to the poll interval.
    public func run() async {
        var delay = configuration.retryDelay
        while !Task.isCancelled {
            var wait = configuration.pollInterval
            do {
                try await pullOnce()
                delay = configuration.retryDelay
            } catch {
                logger.warning("pull failed", metadata: ["producer": "\(producer)", "error": "\(error)"])
                wait = min(delay, configuration.pollInterval)
                delay = min(delay * 2, configuration.pollInterval)
            }
            await waitForPing(orAfter: wait)
        }
    }

    private func waitForPing(orAfter interval: Duration) async {
        let sleep = self.sleep
        let wakes = self.wakes
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await sleep(interval) }
            group.addTask {
                var iterator = wakes.makeAsyncIterator()
                _ = await iterator.next()
            }
            await group.next()
            group.cancelAll()
        }
    }
}

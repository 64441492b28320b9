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
        public var maxEntries = PullBatchLimits.maxEntries
        public var maxBytes = PullBatchLimits.maxBytes

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
    /// A ping that came while nobody waited: the next wait returns at once.
    private var pinged = false
    /// The wait in progress, and its number (a timer of an earlier wait must not end a later one).
    private var waiter: CheckedContinuation<Void, Never>?
    private var waitNumber = 0
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
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            pinged = true
        }
    }

    /// Pulls, then waits for a ping or the poll interval, until the task is cancelled. A
    /// failed pull (the producer unreachable, a reply that fails verification: nothing applied,
    /// nothing moved) is logged and retried after `retryDelay`, doubling up to the poll
    /// interval; a successful pull resets the delay. A ping cuts any wait short.
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

    /// Returns after `interval` (by the injected `sleep`), at a ping, or when the task is
    /// cancelled, whichever comes first. (A continuation rather than an `AsyncStream`
    /// iterator: cancelling a stream's waiting `next()` finishes the stream, after which every
    /// wait would return at once.)
    private func waitForPing(orAfter interval: Duration) async {
        if pinged {
            pinged = false
            return
        }
        waitNumber += 1
        let number = waitNumber
        let sleep = self.sleep
        let timer = Task {
            try? await sleep(interval)
            guard !Task.isCancelled else { return }
            await self.endWait(number)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if Task.isCancelled { continuation.resume() } else { waiter = continuation }
            }
        } onCancel: {
            Task { await self.endWait(number) }
        }
        timer.cancel()
    }

    private func endWait(_ number: Int) {
        guard number == waitNumber, let waiter else { return }
        self.waiter = nil
        waiter.resume()
    }
}

import Synchronization
import CoreMetrics
import EventLog
import Foundation

extension StreamProducer {
    /// What the producer reports through swift-metrics: batches and bytes served to each
    /// consumer. Lag is not pushed: `consumerLag()` computes it when asked (at a scrape).
    struct Metrics: Sendable {
        let factory: any MetricsFactory

        init(factory: (any MetricsFactory)?) {
            self.factory = factory ?? NOOPMetricsHandler.instance
        }

        func served(consumer: String, reply: UpdatesReply) {
            let dimensions = [("consumer", consumer)]
            Counter(label: "sitestream_pull_batches_served_total", dimensions: dimensions, factory: factory).increment()
            Counter(label: "sitestream_pull_bytes_served_total", dimensions: dimensions, factory: factory)
                .increment(by: Int64(reply.entries.reduce(0) { $0 + $1.frame.count }))
        }
    }

    /// How far one consumer is behind this producer's log, measured from the position it last
    /// asked to read after (its watermark: a consumer asks from what it has applied).
    public struct ConsumerLag: Sendable, Equatable {
        public var consumer: String
        /// Entries after its position (including ones it is not shown: they are read past too).
        public var entries: UInt64
        public var bytes: UInt64
        /// Age of the oldest entry it has not read past; 0 when caught up.
        public var seconds: Double
    }

    /// The lag of every consumer that pulled since this producer started (positions are kept
    /// in memory: a consumer that has not asked since a restart is not listed). A consumer
    /// whose position is no longer in the log (retention removed its segment) is left out too:
    /// its next request fails and says why.
    public func consumerLag(now: Date = Date()) -> [ConsumerLag] {
        let known = positions.withLock { $0 }
        return known.keys.sorted().compactMap { name in
            guard let backlog = try? site.log.backlog(after: known[name]!) else { return nil }
            let age = backlog.oldestTimestamp.map { max(0, now.timeIntervalSince1970 - Double($0) / 1e6) } ?? 0
            return ConsumerLag(consumer: name, entries: backlog.entries, bytes: backlog.bytes, seconds: age)
        }
    }

    /// Records the position `consumer` asked to read after (never moving it back).
    func rememberPosition(_ cursor: LogCursor, consumer: String) {
        positions.withLock { positions in
            if let known = positions[consumer], known >= cursor { return }
            positions[consumer] = cursor
        }
    }
}

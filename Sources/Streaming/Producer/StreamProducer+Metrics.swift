import CoreMetrics
import EventLog
import Foundation

extension StreamProducer {
    /// What the producer reports through swift-metrics: batches and bytes served to each
    /// consumer. Lag is not pushed: `consumerBacklogs()` computes it when asked (at a scrape).
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

    /// How far one consumer is behind this producer's log in raw log terms, measured from the
    /// position it last asked to read after (its watermark: a consumer asks from what it has
    /// applied). Cheap (one small read), so `/metrics` can compute it at every scrape;
    /// `lag(consumer:caller:)` counts only the records the consumer would be sent, by DocType.
    public struct ConsumerBacklog: Sendable, Equatable {
        public var consumer: String
        /// Entries after its position (including ones it is not shown: they are read past too).
        public var entries: UInt64
        public var bytes: UInt64
        /// Age of the oldest entry it has not read past; 0 when caught up.
        public var seconds: Double
    }

    /// The lag of every registered consumer that has pulled (positions are those retention
    /// goes by, `ConsumerPositions`). A consumer whose position is no longer in the log
    /// (retention removed its segment) is left out: its next request fails and says why.
    public func consumerBacklogs(now: Date = Date()) -> [ConsumerBacklog] {
        let known = positions.all()
        let records = (try? consumers()) ?? []
        return records.sorted { $0.name < $1.name }.compactMap { record in
            guard let position = known[record.siteID],
                  let backlog = try? site.log.backlog(after: position.cursor) else { return nil }
            let age = backlog.oldestTimestamp.map { max(0, now.timeIntervalSince1970 - Double($0) / 1e6) } ?? 0
            return ConsumerBacklog(consumer: record.name, entries: backlog.entries, bytes: backlog.bytes, seconds: age)
        }
    }
}

import CoreMetrics

extension StreamConsumer {
    /// What the consumer reports through swift-metrics: replays by outcome. Parked documents
    /// are not pushed: `parkedCounts()` counts them when asked (at a scrape).
    struct Metrics: Sendable {
        let factory: any MetricsFactory

        init(factory: (any MetricsFactory)?) {
            self.factory = factory ?? NOOPMetricsHandler.instance
        }

        /// One replayed record of `producer`; `outcome` is `synced`, `skipped` or `failed` for
        /// records pulled, `resynced` or `failed` for records retried from the sync log.
        func replayed(producer: String, outcome: String, count: Int = 1) {
            guard count > 0 else { return }
            Counter(label: "sitestream_replays_total", dimensions: [("producer", producer), ("outcome", outcome)], factory: factory)
                .increment(by: Int64(count))
        }
    }

    /// Documents parked behind a failed replay, per producer name.
    public func parkedCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for producer in try producers() { counts[producer.name] = try parkedKeys(producer: producer.name).count }
        return counts
    }
}

import CoreMetrics

/// What the log reports through swift-metrics: entries and bytes appended, and how long each
/// `fdatasync` took. Made from the factory in `EventLog.Configuration.metrics`; with none, the
/// figures go nowhere (a no-op factory), so the log never touches a global metrics system.
struct EventLogMetrics: Sendable {
    let entries: Counter
    let bytes: Counter
    let syncLatency: Timer

    init(factory: (any MetricsFactory)?) {
        let factory = factory ?? NOOPMetricsHandler.instance
        entries = Counter(label: "sitestream_log_appended_entries_total", factory: factory)
        bytes = Counter(label: "sitestream_log_appended_bytes_total", factory: factory)
        syncLatency = Timer(label: "sitestream_log_fsync_seconds", factory: factory)
    }

    /// Counts a group of requests once their records are written (not yet durable).
    func written(_ group: [AppendRequest]) {
        var count = 0, bytes = 0
        for request in group {
            count += request.count
            bytes += request.frames.count
        }
        entries.increment(by: Int64(count))
        self.bytes.increment(by: Int64(bytes))
    }

    /// Runs `sync` (an `fdatasync`) and records how long it took, whether or not it threw.
    func timedSync(_ sync: () throws -> Void) rethrows {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            syncLatency.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        try sync()
    }
}

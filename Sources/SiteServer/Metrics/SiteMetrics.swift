import CoreMetrics
import Prometheus

/// The figures of one served site, kept in a Prometheus registry of its own and served as
/// `GET /metrics` in the Prometheus text format.
///
/// The libraries below (EventLog, Streaming) speak only swift-metrics and are handed
/// `factory`; nothing is bootstrapped globally, so several servers in one process (tests,
/// the demo) each keep their own figures.
///
/// ```swift
/// let metrics = SiteMetrics()
/// let site = try Site.open(at: layout, metrics: metrics.factory, logger: logger)
/// let served = ServedSite(site: site, metrics: metrics, logger: logger)
/// ```
public final class SiteMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // fdatasync takes ~0.2 ms here but stalls for milliseconds at times: the default
        // buckets (5 ms up) would hide both.
        factory.durationHistogramBuckets[Self.fsyncSeconds] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        factory.durationHistogramBuckets[Self.requestSeconds] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        self.registry = registry
        self.factory = factory
    }

    static let fsyncSeconds = "sitestream_log_fsync_seconds"
    static let requestSeconds = "sitestream_http_request_duration_seconds"

    /// The registry in the Prometheus text exposition format (version 0.0.4).
    public func text() -> [UInt8] {
        registry.emitToBuffer()
    }
}

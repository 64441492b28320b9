import CoreMetrics
import Hummingbird

/// `GET /metrics`: the site's figures in the Prometheus text format. Authenticated like every
/// other route (Prometheus sends `Authorization: token KEY:SECRET` with
/// `authorization: {type: token, credentials: KEY:SECRET}` in its scrape config).
///
/// Figures that are states rather than events — each consumer's lag, the parked documents, the
/// store's size and index memory — are computed at the scrape and set as gauges just before
/// the registry is written out.
extension SiteServer {
    func addMetricsRoute(to router: Router<SiteRequestContext>, metrics: SiteMetrics) {
        let streaming = self.streaming
        router.get("/metrics") { _, context in
            _ = try context.requireUser()
            if let streaming { try Self.refreshGauges(metrics: metrics, streaming: streaming) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.text())))
        }
    }

    static func refreshGauges(metrics: SiteMetrics, streaming: StreamEndpoints) throws {
        let factory = metrics.factory
        for lag in streaming.producer.consumerBacklogs() {
            let dimensions = [("consumer", lag.consumer)]
            Gauge(label: "sitestream_consumer_lag_entries", dimensions: dimensions, factory: factory).record(Double(lag.entries))
            Gauge(label: "sitestream_consumer_lag_bytes", dimensions: dimensions, factory: factory).record(Double(lag.bytes))
            Gauge(label: "sitestream_consumer_lag_seconds", dimensions: dimensions, factory: factory).record(lag.seconds)
        }
        for (producer, count) in try streaming.consumer.parkedCounts() {
            Gauge(label: "sitestream_parked_documents", dimensions: [("producer", producer)], factory: factory).record(Double(count))
        }
        // The store: what its index holds in memory (it grows with the documents; the index
        // terms of unchanged ones are on disk), and how much of its data file is live (a
        // compaction starts when half of 64 MiB or more is not).
        let store = streaming.consumer.site.store
        let footprint = store.indexFootprint
        let data = store.dataFileStatistics
        Gauge(label: "sitestream_store_documents", factory: factory).record(Double(footprint.documents))
        Gauge(label: "sitestream_store_index_bytes", factory: factory).record(Double(footprint.bytes))
        Gauge(label: "sitestream_store_term_file_bytes", factory: factory).record(Double(footprint.termFileSize))
        Gauge(label: "sitestream_store_data_file_bytes", factory: factory).record(Double(data.size))
        Gauge(label: "sitestream_store_live_bytes", factory: factory).record(Double(data.liveBytes))
    }
}

import DocumentModel
import Foundation
import Logging
import Site
import SiteStreamJSON
import Streaming
import Testing

@testable import SiteServer

/// Refuses the Customer named "Refused" on the consumer, so one replay fails and parks.
private struct RefuseOneCustomer: DocumentController {
    func validate(_ document: inout Document, in transaction: SiteTransaction) throws {
        if document.name == "Refused" || document["customer_name"]?.stringValue == "Refused" {
            throw SiteError(.validation, "consumer rule: Customer Refused is not taken here", doctype: "Customer", docname: document.name)
        }
    }
}

@Suite("GET /metrics: Prometheus text from a served site")
struct MetricsTests {
    @Test("after writes and pulls over HTTP, the scrape names entries, bytes, fsyncs, lag, batches, replays, parked documents and requests")
    func scrapeAfterWritesAndPulls() async throws {
        try await ServedPair.with { pair in
            let before = try await pair.scrape(pair.producer)
            // 20 customers (one refused by the consumer), one write each.
            for i in 0..<19 {
                _ = try await pair.producer.site.write { tx in try tx.insert(Document(doctype: "Customer", ["customer_name": .string("Metric \(i)"), "customer_type": "Company", "customer_group": "Retail"])) }
            }
            _ = try await pair.producer.site.write { tx in try tx.insert(Document(doctype: "Customer", ["customer_name": "Refused", "customer_type": "Company", "customer_group": "Retail"])) }
            let first = try await pair.pull()
            #expect(first.synced == 19 && first.failed == 1)
            _ = try await pair.pull()   // asks again from its watermark: caught up

            let producer = try await pair.scrape(pair.producer)
            #expect(producer.value("sitestream_log_appended_entries_total")! - (before.value("sitestream_log_appended_entries_total") ?? 0) == 20)
            #expect(producer.value("sitestream_log_appended_bytes_total")! - (before.value("sitestream_log_appended_bytes_total") ?? 0) > 20 * 50)
            #expect(producer.value("sitestream_log_fsync_seconds_count")! >= 1)
            #expect(producer.samples.contains { $0.name == "sitestream_log_fsync_seconds_bucket" && $0.labels["le"] == "+Inf" })
            let consumer = ["consumer": "branch-metrics"]
            #expect(producer.value("sitestream_pull_batches_served_total", consumer)! >= 2)
            #expect(producer.value("sitestream_pull_bytes_served_total", consumer)! > 20 * 50)
            #expect(producer.value("sitestream_consumer_lag_entries", consumer) == 0)
            #expect(producer.value("sitestream_consumer_lag_bytes", consumer) == 0)
            #expect(producer.value("sitestream_consumer_lag_seconds", consumer) == 0)
            #expect(producer.value("sitestream_http_requests_total", ["route": "/api/stream/updates", "method": "GET", "status": "200"])! >= 2)
            // The store's gauges: its documents (the 20 Customers and what the site holds
            // besides), its index in memory, its data file and the live part of it.
            let documents = try #require(producer.value("sitestream_store_documents"))
            #expect(documents == Double(pair.producer.site.store.documentCount) && documents >= 20)
            #expect(producer.value("sitestream_store_index_bytes")! > 20 * 16)
            #expect(producer.value("sitestream_store_term_file_bytes") == 0, "a small site keeps its terms in memory")
            let dataBytes = try #require(producer.value("sitestream_store_data_file_bytes"))
            let liveBytes = try #require(producer.value("sitestream_store_live_bytes"))
            #expect(liveBytes > 20 * 50 && liveBytes <= dataBytes)

            // Three more writes the consumer has not pulled: the lag shows them.
            for i in 0..<3 {
                _ = try await pair.producer.site.write { tx in try tx.insert(Document(doctype: "Customer", ["customer_name": .string("Late \(i)"), "customer_type": "Company", "customer_group": "Retail"])) }
            }
            let behind = try await pair.scrape(pair.producer)
            #expect(behind.value("sitestream_consumer_lag_entries", consumer) == 3)
            #expect(behind.value("sitestream_consumer_lag_bytes", consumer)! > 3 * 50)
            #expect(behind.value("sitestream_consumer_lag_seconds", consumer)! >= 0)

            let replica = try await pair.scrape(pair.consumer)
            let producerLabel = ["producer": "office-metrics"]
            #expect(replica.value("sitestream_replays_total", producerLabel.merging(["outcome": "synced"]) { a, _ in a }) == 19)
            #expect(replica.value("sitestream_replays_total", producerLabel.merging(["outcome": "failed"]) { a, _ in a }) == 1)
            #expect(replica.value("sitestream_parked_documents", producerLabel) == 1)

            // A refused request is counted too, by status.
            let refused = try await RawHTTPClient(port: pair.producerPort).send("GET", "/metrics")
            #expect(refused.status == 401)
            let after = try await pair.scrape(pair.producer)
            #expect(after.value("sitestream_http_requests_total", ["status": "401"])! >= 1)
            #expect(after.value("sitestream_http_requests_total", ["route": "/metrics", "status": "200"])! >= 3)
        }
    }
}

/// A producer and a consumer site, each a `ServedSite` with its own `SiteMetrics`, served on
/// loopback; the consumer subscribed to the producer's Customers over HTTP.
struct ServedPair {
    let producer: ServedSite
    let consumer: ServedSite
    let producerPort: Int
    let consumerPort: Int
    let producerKey: APIKeyPair
    let consumerKey: APIKeyPair

    var client: HTTPProducerClient { HTTPProducerClient(url: "http://127.0.0.1:\(producerPort)", apiKey: producerKey.apiKey, apiSecret: producerKey.apiSecret) }

    func pull() async throws -> StreamConsumer.PullReport {
        try await consumer.consumer.pull(producer: "office-metrics", client: client)
    }

    /// Scrapes `/metrics` of `site` with its Administrator key and parses the text.
    func scrape(_ site: ServedSite) async throws -> PrometheusText {
        let (port, key) = site === producer ? (producerPort, producerKey) : (consumerPort, consumerKey)
        let reply = try await RawHTTPClient(port: port).send("GET", "/metrics", headers: [("Authorization", "token \(key.apiKey):\(key.apiSecret)")])
        #expect(reply.status == 200, "\(reply)")
        #expect(reply.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        return try PrometheusText(parsing: reply.text)
    }

    static func with(_ body: (ServedPair) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sitestream-metrics-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: root) }
        var logger = Logger(label: "test.metrics")
        logger.logLevel = .critical
        func open(_ name: String, controllers: ControllerRegistry) async throws -> (ServedSite, APIKeyPair) {
            let layout = SiteLayout(root: root.appendingPathComponent(name))
            var settings = SiteSettings()
            settings.durability = .always
            try await Site.create(at: layout, name: name, url: nil, settings: settings, logger: logger)
            let metrics = SiteMetrics()
            let site = try Site.open(at: layout, controllers: controllers, metrics: metrics.factory, logger: logger)
            let key = try await UserCredentialStore(site: site).createKey(for: "Administrator")
            return (ServedSite(site: site, metrics: metrics, logger: logger), key)
        }
        var strict = ControllerRegistry.erp
        strict.register(RefuseOneCustomer(), for: "Customer")
        let (producer, producerKey) = try await open("office-metrics", controllers: .erp)
        let (consumer, consumerKey) = try await open("branch-metrics", controllers: strict)
        defer {
            try? producer.site.close()
            try? consumer.site.close()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var ports: [Int] = []
            for served in [producer, consumer] {
                let (stream, sink) = AsyncStream.makeStream(of: Int.self)
                var configuration = SiteServerConfiguration()
                configuration.port = 0
                let app = served.server(configuration: configuration, backend: SiteDocumentBackend(site: served.site))
                    .application { port in sink.yield(port); sink.finish() }
                group.addTask { try await app.run() }
                var iterator = stream.makeAsyncIterator()
                guard let port = await iterator.next() else { throw RawHTTPClient.ClientError.socket("no port") }
                ports.append(port)
            }
            let pair = ServedPair(producer: producer, consumer: consumer, producerPort: ports[0], consumerPort: ports[1],
                                  producerKey: producerKey, consumerKey: consumerKey)
            do {
                try await consumer.consumer.subscribe(
                    Subscription(producerURL: "http://127.0.0.1:\(ports[0])", apiKey: producerKey.apiKey, apiSecret: producerKey.apiSecret,
                                 doctypes: [.init("Customer")]),
                    client: pair.client)
                try await producer.producer.approve(consumer: "branch-metrics", doctypes: ["Customer"])
                try await producer.site.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Retail"])) }
                try await body(pair)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }
}

/// The Prometheus text exposition format, parsed as far as a test needs: every sample line
/// `name{label="value",…} number`, comments skipped.
struct PrometheusText {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample] = []

    init(parsing text: String) throws {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            var name = Substring(""), labels: [String: String] = [:], rest = Substring("")
            if let brace = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") {
                name = line[..<brace]
                for pair in line[line.index(after: brace)..<close].split(separator: ",") {
                    guard let eq = pair.firstIndex(of: "=") else { throw ParseError(line: String(line)) }
                    labels[String(pair[..<eq])] = String(pair[pair.index(after: eq)...].dropFirst().dropLast())
                }
                rest = line[line.index(after: close)...]
            } else {
                guard let space = line.firstIndex(of: " ") else { throw ParseError(line: String(line)) }
                name = line[..<space]
                rest = line[space...]
            }
            let number = rest.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
            guard let value = Double(number) ?? (number == "+Inf" ? Double.infinity : nil) else { throw ParseError(line: String(line)) }
            samples.append(Sample(name: String(name), labels: labels, value: value))
        }
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: String
        var description: String { "not a Prometheus sample line: \(line)" }
    }

    /// The sum of the samples named `name` whose labels include `labels` (nil: none).
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }
}

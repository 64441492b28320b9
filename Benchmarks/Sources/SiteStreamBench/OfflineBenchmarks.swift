import DocumentModel
import Foundation
import Logging
import Site
import SiteStreamJSON
import Streaming

/// Offline catch-up: a consumer's backlog of Customers (~0.6 KB, one Link that travels as a
/// dependency document) exported as a bundle on the producer, then verified and imported on an
/// empty consumer through the pull path. 1,000,000 entries (`--quick`: 100,000); both sites
/// with durability `interval`. One producer serves every run; each run has its own consumer,
/// subscribed before the backlog was written, so every entry is replayed.
///
/// `offline.export` / `offline.import` in entries/s, with MB/s of bundle bytes and the
/// bundle's bytes per entry next to the raw log frame's as further figures.
public struct OfflineBenchmarks: BenchmarkGroup {
    public let name = "offline"

    public init() {}

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        let backlog = context.size(full: 1_000_000, quick: 100_000, smoke: 2_000)
        // A 1M-entry import takes minutes: one run of the full size (as catchup), `runs` of
        // smaller ones (five full-size runs made the full bench take 35 minutes).
        let runs = backlog >= 1_000_000 ? 1 : context.runs
        let directory = try context.freshDirectory("offline")
        defer { try? FileManager.default.removeItem(at: directory) }
        let results = try StreamBenchmarks.blocking { try await Self.measure(backlog: backlog, runs: runs, in: directory) }
        let note = "\(backlog)-entry Customer backlog, durability interval"
        report(Figure(id: "offline.export", unit: "entries/s", samples: results.map(\.exportRate), note: note))
        report(Figure(id: "offline.export.mb_s", unit: "MB/s", samples: results.map(\.exportMBs), note: "bundle bytes written per second"))
        report(Figure(id: "offline.import", unit: "entries/s", samples: results.map(\.importRate), note: note + "; verify + replay through the lifecycle"))
        report(Figure(id: "offline.import.cpu", unit: "entries/cpu-s", samples: results.map(\.importCPURate),
                      note: "the import's entries per second of process CPU time (user+sys, all threads): what the machine's load cannot inflate"))
        report(Figure(id: "offline.import.mb_s", unit: "MB/s", samples: results.map(\.importMBs), note: "bundle bytes imported per second"))
        report(Figure(id: "offline.bundle_bytes_per_entry", unit: "bytes", samples: results.map(\.bundlePerEntry),
                      note: "the whole bundle (records, dependency documents, manifest) ÷ entries"))
        report(Figure(id: "offline.raw_log_bytes_per_entry", unit: "bytes", samples: results.map(\.rawPerEntry),
                      note: "the same entries' frames in the producer's log"))
    }

    struct Result: Sendable {
        var exportRate: Double
        var exportMBs: Double
        var importRate: Double
        var importMBs: Double
        var importCPURate: Double
        var bundlePerEntry: Double
        var rawPerEntry: Double
    }

    static func measure(backlog: Int, runs: Int, in directory: URL) async throws -> [Result] {
        var logger = Logger(label: "bench.offline")
        logger.logLevel = .error
        var settings = SiteSettings()
        settings.durability = .interval(milliseconds: 2)
        func site(_ name: String) async throws -> Site {
            let layout = SiteLayout(root: directory.appendingPathComponent(name))
            try await Site.create(at: layout, name: name, url: nil, settings: settings, logger: logger)
            return try Site.open(at: layout, controllers: ControllerRegistry(), logger: logger)
        }
        let producerSite = try await site("producer")
        defer { try? producerSite.close() }
        let producer = StreamProducer(site: producerSite, logger: logger)
        let client = LocalProducerClient(producer: producer)
        var consumers: [Site] = []
        defer { for c in consumers { try? c.close() } }
        for run in 0..<runs {
            let consumerSite = try await site("consumer-\(run)")
            consumers.append(consumerSite)
            try await StreamConsumer(site: consumerSite, logger: logger).subscribe(
                Subscription(producerURL: "local", apiKey: "k", apiSecret: "s", doctypes: [.init("Customer")]), client: client)
            try await producer.approve(consumer: "consumer-\(run)", doctypes: ["Customer"])
        }
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
        // With durability interval a write is acknowledged before it is durable, and an export
        // reads only durable entries: wait for the last one, or the bundle may stop short of it
        // (the release build's --smoke run failed the precondition below one time in three).
        let written = producerSite.log.lastWrittenSequence
        if written > 0 { _ = await producerSite.log.waitForDurable(after: written - 1) }
        var results: [Result] = []
        for (run, consumerSite) in consumers.enumerated() {
            let path = directory.appendingPathComponent("bundle-\(run)").path
            var started = monotonicNanoseconds()
            let exported = try producer.exportBundle(consumer: "consumer-\(run)", to: path)
            let exportSeconds = Double(monotonicNanoseconds() - started) / 1e9
            precondition(exported.manifest.entries == UInt64(backlog), "exported \(exported.manifest.entries) of \(backlog)")
            started = monotonicNanoseconds()
            let cpuStarted = SiteBenchmarks.processCPUSeconds()
            let imported = try await StreamConsumer(site: consumerSite, logger: logger).importBundle(at: path)
            let importSeconds = Double(monotonicNanoseconds() - started) / 1e9
            let importCPU = SiteBenchmarks.processCPUSeconds() - cpuStarted
            precondition(imported.pull.synced == backlog, "imported \(imported.pull.synced) of \(backlog)")
            let bytes = Double(exported.bundleBytes)
            results.append(Result(exportRate: Double(backlog) / exportSeconds, exportMBs: bytes / 1e6 / exportSeconds,
                                  importRate: Double(backlog) / importSeconds, importMBs: bytes / 1e6 / importSeconds,
                                  importCPURate: Double(backlog) / importCPU,
                                  bundlePerEntry: bytes / Double(backlog), rawPerEntry: Double(exported.frameBytes) / Double(backlog)))
            try? FileManager.default.removeItem(atPath: path)
        }
        return results
    }
}

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
/// bundle's bytes per entry next to the raw log frame's as further figures; and, from the same
/// run, the references their goals are judged by (OfflineBenchmarks+Reference.swift): the
/// disk's raw write bandwidth for as many bytes (`offline.export.disk_ratio`, goal ≥ 0.5) and a
/// local fold of the same entries through a consumer site's lifecycle (`offline.import_ratio`,
/// goal ≥ 0.9).
public struct OfflineBenchmarks: BenchmarkGroup {
    public let name = "offline"

    public init() {}

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        // `SITESTREAM_OFFLINE_BACKLOG=N` sets the size whatever the mode (`--quick
        // --runs 3` with N = 1000000 measures the 1M backlog three times).
        let given = ProcessInfo.processInfo.environment["SITESTREAM_OFFLINE_BACKLOG"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        let backlog = given ?? context.size(full: 1_000_000, quick: 100_000, smoke: 2_000)
        // A 1M-entry import takes a minute: one run of the full size (as catchup), `runs` of
        // smaller ones (five full-size runs made the full bench take 35 minutes) or of a size
        // asked for.
        let runs = backlog >= 1_000_000 && given == nil ? 1 : context.runs
        let directory = try context.freshDirectory("offline")
        defer { try? FileManager.default.removeItem(at: directory) }
        // `SITESTREAM_OFFLINE_ONLY=export` measures the export and its disk references and
        // skips the import and the local fold (a minute each at 1M).
        let exportOnly = ProcessInfo.processInfo.environment["SITESTREAM_OFFLINE_ONLY"] == "export"
        let results = try StreamBenchmarks.blocking { try await Self.measure(backlog: backlog, runs: runs, exportOnly: exportOnly, in: directory) }
        let note = "\(backlog)-entry Customer backlog, durability interval"
        report(Figure(id: "offline.export", unit: "entries/s", samples: results.map(\.exportRate), note: note))
        report(Figure(id: "offline.export.mb_s", unit: "MB/s", samples: results.map(\.exportMBs), note: "bundle bytes written per second"))
        report(Figure(id: "offline.export.cpu", unit: "entries/cpu-s", samples: results.map(\.exportCPURate),
                      note: "the export's entries per second of process CPU time (user+sys, all threads)"))
        report(Figure(id: "offline.export.reader_cpu", unit: "µs/entry", samples: results.map(\.readerCPU),
                      note: "the export's reading thread (log read, crc checks, filter, pieces): CPU time per entry"))
        report(Figure(id: "offline.export.writer_cpu", unit: "µs/entry", samples: results.map(\.writerCPU),
                      note: "the export's writing thread (link scans, crc, write(2), sync): CPU time per entry; the export can go no faster than its busier thread"))
        report(Figure(id: "offline.disk.raw", unit: "MB/s", samples: results.map(\.rawMBs),
                      note: "the bundle's files (same sizes) written as plain bytes in 1 MiB writes, each fsynced, then the directory; same directory, right after the export"))
        report(Figure(id: "offline.disk.raw.writeback", unit: "MB/s", samples: results.map(\.rawWritebackMBs),
                      note: "offline.disk.raw with writeback started every 8 MiB, as BundleWriter starts it"))
        report(Figure(id: "offline.disk.raw.one_file", unit: "MB/s", samples: results.map(\.rawOneFileMBs),
                      note: "as many bytes in one file with one fsync (the reference until session 6: it spared the reference the export's per-file syncs)"))
        // The disk's raw bandwidth is the better of the two references: the same writes with
        // and without the export's writeback head start (the disk takes the first faster).
        report(Figure(id: "offline.export.disk_ratio", unit: "ratio", samples: results.map { $0.exportMBs / max($0.rawMBs, $0.rawWritebackMBs) },
                      note: "export MB/s ÷ the better of offline.disk.raw and offline.disk.raw.writeback, same run (goal ≥ 0.5)"))
        report(Figure(id: "offline.export.disk_ratio.plain", unit: "ratio", samples: results.map { $0.exportMBs / $0.rawMBs },
                      note: "export MB/s ÷ offline.disk.raw alone (the ratio sessions 6 and 7 reported)"))
        report(Figure(id: "offline.bundle_bytes_per_entry", unit: "bytes", samples: results.map(\.bundlePerEntry),
                      note: "the whole bundle (records, dependency documents, manifest) ÷ entries"))
        report(Figure(id: "offline.raw_log_bytes_per_entry", unit: "bytes", samples: results.map(\.rawPerEntry),
                      note: "the same entries' frames in the producer's log"))
        guard !exportOnly else { return }
        report(Figure(id: "offline.import", unit: "entries/s", samples: results.map(\.importRate), note: note + "; verify + replay through the lifecycle"))
        report(Figure(id: "offline.import.cpu", unit: "entries/cpu-s", samples: results.map(\.importCPURate),
                      note: "the import's entries per second of process CPU time (user+sys, all threads): what the machine's load cannot inflate"))
        report(Figure(id: "offline.local_fold", unit: "entries/s", samples: results.map(\.foldRate),
                      note: "the same Creates read from the producer's log file and inserted through a fresh consumer site's lifecycle as replicas, 256 per transaction (OfflineBenchmarks+Reference.swift)"))
        report(Figure(id: "offline.local_fold.cpu", unit: "entries/cpu-s", samples: results.map(\.foldCPURate), note: "the local fold's entries per second of process CPU time"))
        report(Figure(id: "offline.import_ratio", unit: "ratio", samples: results.map { $0.importRate / $0.foldRate },
                      note: "offline.import ÷ offline.local_fold, same run (goal ≥ 0.9)"))
        report(Figure(id: "offline.import_ratio.cpu", unit: "ratio", samples: results.map { $0.importCPURate / $0.foldCPURate },
                      note: "the same by CPU time"))
        report(Figure(id: "offline.import.mb_s", unit: "MB/s", samples: results.map(\.importMBs), note: "bundle bytes imported per second"))
    }

    struct Result: Sendable {
        var exportRate: Double
        var exportMBs: Double
        var exportCPURate: Double
        var readerCPU: Double = 0
        var writerCPU: Double = 0
        var importRate: Double
        var importMBs: Double
        var importCPURate: Double
        var bundlePerEntry: Double
        var rawPerEntry: Double
        var rawMBs: Double
        var rawOneFileMBs: Double
        var rawWritebackMBs: Double
        var foldRate: Double
        var foldCPURate: Double
    }

    /// `SITESTREAM_OFFLINE_LINK_SCANS=writer|reader` pins the export's link scans to one
    /// thread (A/B runs against the default, `balanced`).
    static var linkScans: StreamProducer.ExportLinkScans {
        switch ProcessInfo.processInfo.environment["SITESTREAM_OFFLINE_LINK_SCANS"] {
        case "writer": .writer
        case "reader": .reader
        default: .balanced
        }
    }

    /// The sizes of the bundle's files: its records files, its documents file, its manifest.
    static func fileSizes(_ exported: StreamProducer.ExportReport) -> [Int] {
        let records = exported.manifest.records.map { Int($0.bytes) }
        let documents = exported.manifest.documents.map { [Int($0.bytes)] } ?? []
        let manifest = Int(exported.bundleBytes) - (records + documents).reduce(0, +)
        return records + documents + [manifest]
    }

    static func measure(backlog: Int, runs: Int, exportOnly: Bool = false, in directory: URL) async throws -> [Result] {
        var logger = Logger(label: "bench.offline")
        logger.logLevel = .error
        let settings = BenchSiteSettings.make()
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
        var folds: [Site] = []
        defer { for c in consumers + folds { try? c.close() } }
        for run in 0..<runs {
            let consumerSite = try await site("consumer-\(run)")
            consumers.append(consumerSite)
            try await StreamConsumer(site: consumerSite, logger: logger).subscribe(
                Subscription(producerURL: "local", apiKey: "k", apiSecret: "s", doctypes: [.init("Customer")]), client: client)
            try await producer.approve(consumer: "consumer-\(run)", doctypes: ["Customer"])
            // The local fold's site: subscribed alike (the same producer configuration), with
            // the one dependency in place as the import brings it.
            let foldSite = try await site("fold-\(run)")
            folds.append(foldSite)
            try await StreamConsumer(site: foldSite, logger: logger).subscribe(
                Subscription(producerURL: "local", apiKey: "k", apiSecret: "s", doctypes: [.init("Customer")]), client: client)
            try await foldSite.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Retail"])) }
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
            let exportCPUStarted = SiteBenchmarks.processCPUSeconds()
            let exported = try producer.exportBundle(consumer: "consumer-\(run)", to: path, linkScans: Self.linkScans)
            let exportSeconds = Double(monotonicNanoseconds() - started) / 1e9
            let exportCPU = SiteBenchmarks.processCPUSeconds() - exportCPUStarted
            precondition(exported.manifest.entries == UInt64(backlog), "exported \(exported.manifest.entries) of \(backlog)")
            let raw = try Self.rawWrite(files: Self.fileSizes(exported), in: directory.path)
            let rawOneFile = try Self.rawWrite(files: [Int(exported.bundleBytes)], in: directory.path)
            let rawWriteback = try Self.rawWrite(files: Self.fileSizes(exported), in: directory.path, startingWriteback: true)
            let bytes = Double(exported.bundleBytes)
            var result = Result(exportRate: Double(backlog) / exportSeconds, exportMBs: bytes / 1e6 / exportSeconds,
                                exportCPURate: Double(backlog) / exportCPU, importRate: 0, importMBs: 0, importCPURate: 0,
                                bundlePerEntry: bytes / Double(backlog), rawPerEntry: Double(exported.frameBytes) / Double(backlog),
                                rawMBs: raw / 1e6, rawOneFileMBs: rawOneFile / 1e6, rawWritebackMBs: rawWriteback / 1e6, foldRate: 0, foldCPURate: 0)
            if !exportOnly {
                // The import and its reference take turns going first, so neither always runs on
                // the heap the other left behind.
                var fold: (rate: Double, cpuRate: Double, entries: Int)?
                if run % 2 == 1 { fold = try await Self.localFold(into: folds[run], from: producerSite, doctype: "Customer") }
                started = monotonicNanoseconds()
                let cpuStarted = SiteBenchmarks.processCPUSeconds()
                let imported = try await StreamConsumer(site: consumerSite, logger: logger).importBundle(at: path)
                let importSeconds = Double(monotonicNanoseconds() - started) / 1e9
                let importCPU = SiteBenchmarks.processCPUSeconds() - cpuStarted
                precondition(imported.pull.synced == backlog, "imported \(imported.pull.synced) of \(backlog)")
                if fold == nil { fold = try await Self.localFold(into: folds[run], from: producerSite, doctype: "Customer") }
                guard let fold, fold.entries == backlog else { throw BenchError("offline: the local fold folded \(fold?.entries ?? 0) of \(backlog)") }
                result.importRate = Double(backlog) / importSeconds
                result.importMBs = bytes / 1e6 / importSeconds
                result.importCPURate = Double(backlog) / importCPU
                result.foldRate = fold.rate
                result.foldCPURate = fold.cpuRate
            }
            result.readerCPU = exported.readerCPUSeconds * 1e6 / Double(backlog)
            result.writerCPU = exported.writerCPUSeconds * 1e6 / Double(backlog)
            results.append(result)
            try? FileManager.default.removeItem(atPath: path)
        }
        return results
    }
}

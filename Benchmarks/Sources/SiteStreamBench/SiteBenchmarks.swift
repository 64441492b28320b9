import DocumentModel
import ERPFixtures
import Foundation
import Glibc
import Logging
import Site
import SiteStreamJSON
import Synchronization

/// A whole site: documents through the full lifecycle (naming, defaults, controller hooks,
/// validation, link and unique checks, log append with group commit, store fold), rebuilding
/// the store from the log, and opening a large site.
///
/// Figures: `site.insert.customer` and `site.insert.invoice` (docs/s, durability
/// `interval:2`, 8 concurrent writer tasks through `Site.writeConcurrently`, the REST API's
/// path; a 20-row Sales Invoice inserted submitted, so its GL Entries are posted in the same
/// write), the same with one writer (`….single`) and with 8 through `Site.write`
/// (`….locked`); each with `.cpu` (CPU per document) and `.locked_cpu` (CPU per document spent
/// holding the writer lock: the serial part);
/// `site.rebuild` (log entries folded into an empty store per second; `.busiest_thread`: per
/// CPU second of the busier of its two threads, the rate two idle cores would allow) and `site.open.1m` (s) /
/// `site.open.1m.rss` (MB the open adds) for a site of 1,000,000 Customers (`--quick`: 100,000,
/// scaled linearly).
///
/// `SITESTREAM_SITE_LARGE=N` sets the large site's size (`N` Customers, figures not scaled)
/// and skips the insert figures: how the rebuild and the open grow between 100k and 1M
/// without a full-size run of the whole group. `SITESTREAM_SITE_OPEN=DIR` measures only the
/// opening of that existing site (a consumer kept from a catch-up, say): `site.open.given`
/// (s), `.rss` and `.index` (MB), with the index's footprint by part on standard error.
/// `SITESTREAM_SITE_INSERTS=invoice` (or `customer`) runs only that document's insert figures
/// and skips the large site: for A/B runs of the lifecycle. `SITESTREAM_SITE_VARIANT=main`
/// (or `locked`, `single`) runs only that variant of them: a profile of one variant is not
/// mixed with the others' (the `locked` one spends much of its CPU waiting for the lock).
/// `SITESTREAM_SITE_KEEP=DIR` keeps the large site in DIR (and reuses it when DIR holds one).
public struct SiteBenchmarks: BenchmarkGroup {
    public let name = "site"
    public init() {}

    static let writers = 8

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        var logger = Logger(label: "bench.site")
        logger.logLevel = .error

        if let given = ProcessInfo.processInfo.environment["SITESTREAM_SITE_OPEN"] {
            return try Self.openGiven(SiteLayout(root: URL(fileURLWithPath: given, isDirectory: true)), context, logger: logger, report: report)
        }
        let largeSize = ProcessInfo.processInfo.environment["SITESTREAM_SITE_LARGE"].flatMap { Int($0) }
        let customers = context.size(full: 100_000, quick: 20_000, smoke: 500)
        let invoices = context.size(full: 10_000, quick: 2_000, smoke: 100)
        var generator = ERPDocumentGenerator(seed: 20_261_129)
        let master = generator.masterData()
        let customerInputs = (0..<customers).map { _ in Document(json: generator.newCustomer())! }
        let invoiceInputs = (0..<invoices).map { _ in Document(json: generator.salesInvoice(rows: 20, submitted: true))! }

        let insertsOnly = ProcessInfo.processInfo.environment["SITESTREAM_SITE_INSERTS"]
        let insertFigures = (largeSize == nil ? [("site.insert.customer", customerInputs, "Customers"), ("site.insert.invoice", invoiceInputs, "20-row Sales Invoices, inserted submitted (+2 GL Entries each)")] : [])
            .filter { insertsOnly == nil || $0.0 == "site.insert.\(insertsOnly!)" }
        let variantOnly = ProcessInfo.processInfo.environment["SITESTREAM_SITE_VARIANT"].map { $0 == "main" ? "" : ".\($0)" }
        for (id, inputs, what) in insertFigures {
            for variant in InsertVariant.all where variantOnly == nil || variant.suffix == variantOnly {
                var rates: [Double] = []
                var cpu: [Double] = []
                var retries = 0
                var locked: [Double] = []
                let count = variant.writers == 1 ? inputs.count / 4 : inputs.count
                for run in 0..<context.runs {
                    let site = try Self.freshSite(context, "insert-\(run)", master: master, logger: logger)
                    // The first run also sums the CPU time spent holding the writer lock (two
                    // clock reads per write, so not in every run's CPU figure).
                    site.writerStatistics.measuresLockedCPU.store(run == 0, ordering: .relaxed)
                    let start = monotonicNanoseconds()
                    let cpuStart = Self.processCPUSeconds()
                    try Self.insertConcurrently(site, Array(inputs.prefix(count)), writers: variant.writers, concurrently: variant.concurrently)
                    rates.append(Double(count) / Self.seconds(since: start))
                    cpu.append((Self.processCPUSeconds() - cpuStart) * 1e6 / Double(count))
                    guard site.count(inputs[0].doctype) >= count else { throw BenchError("\(id): documents missing after the run") }
                    retries += site.writerStatistics.retries.load(ordering: .relaxed)
                    if run == 0 { locked.append(Double(site.writerStatistics.lockedCPUNanoseconds.load(ordering: .relaxed)) / 1e3 / Double(count)) }
                    try site.close()
                }
                let figure = id + variant.suffix
                let path = variant.concurrently ? "Site.writeConcurrently; \(retries) transactions (all runs) conflicted and ran again under the lock" : "Site.write (lifecycle under the writer lock)"
                report(Figure(id: figure, unit: "docs/s", samples: rates,
                              note: "\(count) \(what), \(variant.writers) writer\(variant.writers == 1 ? "" : " tasks"), durability interval:2, \(path)"))
                // CPU time per document, all threads: what the machine's load cannot inflate.
                report(Figure(id: figure + ".cpu", unit: "µs/doc", samples: cpu, note: "process CPU time (user+sys) per document"))
                // The serial part: no number of cores writes faster than one document per this.
                report(Figure(id: figure + ".locked_cpu", unit: "µs/doc", samples: locked,
                              note: "CPU time holding the site's writer lock per document (first run); bounds the rate at 1/this on any number of cores"))
            }
        }

        if insertsOnly != nil { return }
        // A large site for rebuild and open: Customers written 1000 per transaction.
        let total = largeSize ?? context.size(full: 1_000_000, quick: 100_000, smoke: 2_000)
        let scale = largeSize == nil ? 1_000_000 / Double(total) : 1
        // `SITESTREAM_SITE_KEEP=DIR`: the large site lives in DIR and is kept, so a profile of
        // the rebuild need not write it again (a DIR holding a site is used as it is).
        let kept = ProcessInfo.processInfo.environment["SITESTREAM_SITE_KEEP"].map { URL(fileURLWithPath: $0, isDirectory: true) }
        let layout: SiteLayout
        let entries: Double
        if let kept, FileManager.default.fileExists(atPath: kept.appendingPathComponent("log").path) {
            layout = SiteLayout(root: kept)
            let site = try Site.open(at: layout, logger: logger)
            entries = Double(site.log.lastSequence)
            try site.close()
        } else {
            let site = try Self.freshSite(context, "large", master: master, logger: logger, at: kept)
            var bulk = ERPDocumentGenerator(seed: 99)
            var written = 0
            while written < total {
                let batch = (0..<min(1000, total - written)).map { _ in Document(json: bulk.newCustomer())! }
                try site.writeSynchronously { tx in for document in batch { try tx.insert(document) } }
                written += batch.count
            }
            entries = Double(site.log.lastSequence)
            layout = site.layout
            try site.close()
        }

        var rebuildRates: [Double] = []
        var rebuildCPU: [Double] = []
        var rebuildBusiest: [Double] = []
        var rebuildClose: [Double] = []
        for _ in 0..<max(1, context.runs / 2) {
            try FileManager.default.removeItem(at: layout.storeDirectory)
            let start = monotonicNanoseconds()
            let cpuStart = Self.processCPUSeconds()
            let threadStart = RESTLoad.threadCPUSeconds()
            let rebuilt = try Site.open(at: layout, logger: logger)
            rebuildRates.append(entries / Self.seconds(since: start))
            // What follows until the close is the index snapshot of every document just folded
            // (names sorted): it starts in the background as the open returns.
            let opened = monotonicNanoseconds()
            let process = Self.processCPUSeconds() - cpuStart, opening = RESTLoad.threadCPUSeconds() - threadStart
            rebuildCPU.append(entries / process)
            rebuildBusiest.append(entries / max(opening, process - opening))
            guard rebuilt.count("Customer") >= total else { throw BenchError("site.rebuild: documents missing") }
            try rebuilt.close()
            rebuildClose.append(Self.seconds(since: opened))
        }
        report(Figure(id: "site.rebuild", unit: "entries/s", samples: rebuildRates,
                      note: "\(Int(entries)) log entries folded into an empty store (open with the store removed)"))
        report(Figure(id: "site.rebuild.cpu", unit: "entries/cpu-s", samples: rebuildCPU, note: "the same per second of process CPU time"))
        // The rebuild folds on one thread and applies on the opening thread: per CPU second of
        // the busier of the two, roughly the rate on two idle cores, which a loaded machine hides.
        report(Figure(id: "site.rebuild.busiest_thread", unit: "entries/cpu-s", samples: rebuildBusiest,
                      note: "the same per CPU second of the opening thread or of all others, whichever used more"))
        report(Figure(id: "site.rebuild.close", unit: "s", samples: rebuildClose,
                      note: "from the rebuilt site's open to its close: the index snapshot of all \(total) documents, names sorted"))

        var openSeconds: [Double] = []
        var openMegabytes: [Double] = []
        var indexMegabytes: [Double] = []
        for _ in 0..<context.runs {
            _ = siteBenchMallocTrim(0)
            let before = Self.residentMegabytes()
            let start = monotonicNanoseconds()
            let opened = try Site.open(at: layout, logger: logger)
            openSeconds.append(Self.seconds(since: start) * scale)
            openMegabytes.append((Self.residentMegabytes() - before) * scale)
            indexMegabytes.append(Double(opened.store.indexFootprint.bytes) / 1e6 * scale)
            guard opened.count("Customer") >= total else { throw BenchError("site.open.1m: documents missing") }
            try opened.close()
        }
        let scaled = scale != 1 ? ", measured on \(total) and scaled ×\(Int(scale))" : ""
        report(Figure(id: "site.open.1m", unit: "s", samples: openSeconds, note: "open a site of \(total) Customers\(scaled)"))
        report(Figure(id: "site.open.1m.rss", unit: "MB", samples: openMegabytes, note: "resident memory the open adds (VmRSS delta)\(scaled)"))
        report(Figure(id: "site.open.1m.index", unit: "MB", samples: indexMegabytes, note: "the store's in-memory index (SnapshotStore.indexFootprint)\(scaled)"))
        if kept == nil { try? FileManager.default.removeItem(at: layout.root) }
    }

    /// Opens an existing site `runs` times: the time, the resident memory the open adds, and
    /// the store's in-memory index (its parts printed on standard error).
    static func openGiven(_ layout: SiteLayout, _ context: BenchContext, logger: Logger, report: (Figure) -> Void) throws {
        var seconds: [Double] = [], megabytes: [Double] = [], index: [Double] = []
        for run in 0..<context.runs {
            _ = siteBenchMallocTrim(0)
            let before = Self.residentMegabytes()
            let start = monotonicNanoseconds()
            let opened = try Site.open(at: layout, logger: logger)
            seconds.append(Self.seconds(since: start))
            megabytes.append(Self.residentMegabytes() - before)
            let footprint = opened.store.indexFootprint
            index.append(Double(footprint.bytes) / 1e6)
            if run == 0 { FileHandle.standardError.write(Data((footprint.description + "\n").utf8)) }
            try opened.close()
        }
        let note = "open \(layout.root.path)"
        report(Figure(id: "site.open.given", unit: "s", samples: seconds, note: note))
        report(Figure(id: "site.open.given.rss", unit: "MB", samples: megabytes, note: "resident memory the open adds (VmRSS delta)"))
        report(Figure(id: "site.open.given.index", unit: "MB", samples: index, note: "the store's in-memory index (SnapshotStore.indexFootprint)"))
    }

    /// A new site with durability `interval:2` and the master data the inputs link to.
    static func freshSite(_ context: BenchContext, _ name: String, master: [JSON], logger: Logger, at directory: URL? = nil) throws -> Site {
        let layout = SiteLayout(root: try directory ?? context.freshDirectory("site-\(name)"))
        let chosen = BenchSiteSettings.make()
        try blocking { try await Site.create(at: layout, name: "bench", url: nil, settings: chosen, logger: logger) }
        let site = try Site.open(at: layout, logger: logger)
        try site.writeSynchronously { tx in for json in master { try tx.insert(Document(json: json)!) } }
        return site
    }

    /// How the insert figures write: through `Site.writeConcurrently` (the REST API's path) with
    /// 8 writer tasks and with one, and through `Site.write` with 8 (`….locked`), to compare.
    struct InsertVariant {
        var writers: Int
        var concurrently: Bool
        var suffix: String
        static let all = [InsertVariant(writers: SiteBenchmarks.writers, concurrently: true, suffix: ""),
                          InsertVariant(writers: SiteBenchmarks.writers, concurrently: false, suffix: ".locked"),
                          InsertVariant(writers: 1, concurrently: true, suffix: ".single")]
    }

    /// Inserts `inputs` from `writers` concurrent tasks, each through `site.writeConcurrently`
    /// (`concurrently`) or `site.write`.
    static func insertConcurrently(_ site: Site, _ inputs: [Document], writers: Int, concurrently: Bool) throws {
        let next = SharedCounter()
        try blocking {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<writers {
                    group.addTask {
                        while true {
                            let i = next.value.add(1, ordering: .relaxed).oldValue
                            guard i < inputs.count else { return }
                            let input = inputs[i]
                            if concurrently {
                                _ = try await site.writeConcurrently { tx in try tx.insert(input) }
                            } else {
                                _ = try await site.write { tx in try tx.insert(input) }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Runs async `body` to completion from the harness's plain thread.
    @discardableResult
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do { let value = try await body(); outcome.withLock { $0 = .success(value) } } catch { outcome.withLock { $0 = .failure(error) } }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }

    static func seconds(since start: UInt64) -> Double {
        Double(monotonicNanoseconds() - start) / 1e9
    }

    /// User plus system CPU time of the whole process, in seconds.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
        }
        return 0
    }
}

/// A counter the writer tasks take input positions from.
final class SharedCounter: Sendable {
    let value = Atomic<Int>(0)
}

/// glibc's `malloc_trim` (not exported by the Glibc module).
@_silgen_name("malloc_trim")
private func siteBenchMallocTrim(_ pad: Int) -> Int32

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
/// `interval:2`, 8 concurrent writer tasks through `Site.writeConcurrently`, so the lifecycle
/// runs outside the writer lock; a 20-row Sales Invoice inserted submitted, so its GL Entries
/// are posted in the same write), the same with one writer (`….single`);
/// `site.rebuild` (log entries folded into an empty store per second) and `site.open.1m` (s) /
/// `site.open.1m.rss` (MB the open adds) for a site of 1,000,000 Customers (`--quick`: 100,000,
/// scaled linearly).
public struct SiteBenchmarks: BenchmarkGroup {
    public let name = "site"
    public init() {}

    static let writers = 8

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        var logger = Logger(label: "bench.site")
        logger.logLevel = .error

        let customers = context.size(full: 100_000, quick: 20_000, smoke: 500)
        let invoices = context.size(full: 10_000, quick: 2_000, smoke: 100)
        var generator = ERPDocumentGenerator(seed: 20_261_129)
        let master = generator.masterData()
        let customerInputs = (0..<customers).map { _ in Document(json: generator.newCustomer())! }
        let invoiceInputs = (0..<invoices).map { _ in Document(json: generator.salesInvoice(rows: 20, submitted: true))! }

        for (id, inputs, what) in [("site.insert.customer", customerInputs, "Customers"), ("site.insert.invoice", invoiceInputs, "20-row Sales Invoices, inserted submitted (+2 GL Entries each)")] {
            for writers in [Self.writers, 1] {
                var rates: [Double] = []
                var cpu: [Double] = []
                var retries = 0
                for run in 0..<context.runs {
                    let site = try Self.freshSite(context, "insert-\(run)", master: master, logger: logger)
                    let count = writers == 1 ? inputs.count / 4 : inputs.count
                    let start = monotonicNanoseconds()
                    let cpuStart = Self.processCPUSeconds()
                    try Self.insertConcurrently(site, Array(inputs.prefix(count)), writers: writers)
                    rates.append(Double(count) / Self.seconds(since: start))
                    cpu.append((Self.processCPUSeconds() - cpuStart) * 1e6 / Double(count))
                    guard site.count(inputs[0].doctype) >= count else { throw BenchError("\(id): documents missing after the run") }
                    retries += site.concurrentWriteStatistics.retries.load(ordering: .relaxed)
                    try site.close()
                }
                let figure = writers == 1 ? id + ".single" : id
                report(Figure(id: figure, unit: "docs/s", samples: rates,
                              note: "\(writers == 1 ? inputs.count / 4 : inputs.count) \(what), \(writers) writer\(writers == 1 ? "" : " tasks"), durability interval:2; \(retries) transactions (all runs) conflicted and ran again under the lock"))
                // CPU time per document, all threads: what the machine's load cannot inflate.
                report(Figure(id: figure + ".cpu", unit: "µs/doc", samples: cpu, note: "process CPU time (user+sys) per document"))
            }
        }

        // A large site for rebuild and open: Customers written 1000 per transaction.
        let total = context.size(full: 1_000_000, quick: 100_000, smoke: 2_000)
        let scale = 1_000_000 / Double(total)
        let site = try Self.freshSite(context, "large", master: master, logger: logger)
        var bulk = ERPDocumentGenerator(seed: 99)
        var written = 0
        while written < total {
            let batch = (0..<min(1000, total - written)).map { _ in Document(json: bulk.newCustomer())! }
            try site.writeSynchronously { tx in for document in batch { try tx.insert(document) } }
            written += batch.count
        }
        let entries = Double(site.log.lastSequence)
        let layout = site.layout
        try site.close()

        var rebuildRates: [Double] = []
        var rebuildCPU: [Double] = []
        for _ in 0..<max(1, context.runs / 2) {
            try FileManager.default.removeItem(at: layout.storeDirectory)
            let start = monotonicNanoseconds()
            let cpuStart = Self.processCPUSeconds()
            let rebuilt = try Site.open(at: layout, logger: logger)
            rebuildRates.append(entries / Self.seconds(since: start))
            rebuildCPU.append(entries / (Self.processCPUSeconds() - cpuStart))
            guard rebuilt.count("Customer") >= total else { throw BenchError("site.rebuild: documents missing") }
            try rebuilt.close()
        }
        report(Figure(id: "site.rebuild", unit: "entries/s", samples: rebuildRates,
                      note: "\(Int(entries)) log entries folded into an empty store (open with the store removed)"))
        report(Figure(id: "site.rebuild.cpu", unit: "entries/cpu-s", samples: rebuildCPU, note: "the same per second of process CPU time"))

        var openSeconds: [Double] = []
        var openMegabytes: [Double] = []
        for _ in 0..<context.runs {
            _ = siteBenchMallocTrim(0)
            let before = Self.residentMegabytes()
            let start = monotonicNanoseconds()
            let opened = try Site.open(at: layout, logger: logger)
            openSeconds.append(Self.seconds(since: start) * scale)
            openMegabytes.append((Self.residentMegabytes() - before) * scale)
            guard opened.count("Customer") >= total else { throw BenchError("site.open.1m: documents missing") }
            try opened.close()
        }
        let scaled = context.quick ? ", measured on \(total) and scaled ×\(Int(scale))" : ""
        report(Figure(id: "site.open.1m", unit: "s", samples: openSeconds, note: "open a site of \(total) Customers\(scaled)"))
        report(Figure(id: "site.open.1m.rss", unit: "MB", samples: openMegabytes, note: "resident memory the open adds (VmRSS delta)\(scaled)"))
        try? FileManager.default.removeItem(at: layout.root)
    }

    /// A new site with durability `interval:2` and the master data the inputs link to.
    static func freshSite(_ context: BenchContext, _ name: String, master: [JSON], logger: Logger) throws -> Site {
        let layout = SiteLayout(root: try context.freshDirectory("site-\(name)"))
        var settings = SiteSettings()
        settings.durability = .interval(milliseconds: 2)
        let chosen = settings
        try blocking { try await Site.create(at: layout, name: "bench", url: nil, settings: chosen, logger: logger) }
        let site = try Site.open(at: layout, logger: logger)
        try site.writeSynchronously { tx in for json in master { try tx.insert(Document(json: json)!) } }
        return site
    }

    /// Inserts `inputs` from `writers` concurrent tasks, each through `site.write`.
    static func insertConcurrently(_ site: Site, _ inputs: [Document], writers: Int) throws {
        let next = SharedCounter()
        try blocking {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<writers {
                    group.addTask {
                        while true {
                            let i = next.value.add(1, ordering: .relaxed).oldValue
                            guard i < inputs.count else { return }
                            let input = inputs[i]
                            _ = try await site.writeConcurrently { tx in try tx.insert(input) }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Runs async `body` to completion from the harness's plain thread.
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

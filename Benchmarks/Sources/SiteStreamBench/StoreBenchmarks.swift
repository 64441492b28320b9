import Foundation
import Glibc
import Logging
import SnapshotStore
import SystemPackage

/// The snapshot store on its own: put throughput, get latency, fold (batched apply) and
/// rebuild throughput, opening a store of 1,000,000 documents (`--quick`: 100,000, the
/// figures scaled linearly to 1M): seconds, and the resident memory the open adds; index
/// snapshots of it, without and with a rewrite of its term file.
public struct StoreBenchmarks: BenchmarkGroup {
    public let name = "store"

    public init() {}

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        var logger = Logger(label: "bench.store")
        logger.logLevel = .error
        var configuration = SnapshotStore.Configuration()
        configuration.automaticCompaction = false

        // store.put: one document per apply, as a Site folds one insert at a time.
        let putCount = context.size(full: 200_000, quick: 50_000, smoke: 2_000)
        var putRates: [Double] = []
        var lastPutDirectory: URL?
        for run in 0..<context.runs {
            let directory = try context.freshDirectory("store-put-\(run)")
            let store = try SnapshotStore(directory: FilePath(directory.path), configuration: configuration, logger: logger)
            // Documents are built outside the timed region, 10,000 at a time: the figure is the store's.
            var nanoseconds: UInt64 = 0
            for chunk in stride(from: 0, to: putCount, by: 10_000) {
                let changes = (chunk..<min(chunk + 10_000, putCount)).map { [Self.customer($0)] }
                let start = monotonicNanoseconds()
                for (i, change) in changes.enumerated() {
                    try store.apply(change, throughSequence: UInt64(chunk + i + 1))
                }
                nanoseconds += monotonicNanoseconds() - start
            }
            putRates.append(Double(putCount) / (Double(nanoseconds) / 1e9))
            try store.close()
            if let previous = lastPutDirectory { try? FileManager.default.removeItem(at: previous) }
            lastPutDirectory = directory
        }
        report(Figure(id: "store.put", unit: "docs/s", samples: putRates,
                      note: "\(putCount) Customer puts, ~1 KB, 3 index terms, one put per apply, no fsync"))

        // store.get: random reads of those documents (page cache), µs per get.
        if let directory = lastPutDirectory {
            let store = try SnapshotStore(directory: FilePath(directory.path), configuration: configuration, logger: logger)
            var latencies: [Double] = []
            var state: UInt64 = 12345
            let gets = context.size(full: 500_000, quick: 100_000, smoke: 2_000)
            for _ in 0..<context.runs {
                let start = monotonicNanoseconds()
                var bytes = 0
                for _ in 0..<gets {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let i = Int((state >> 33) % UInt64(putCount))
                    bytes += try store.get(DocumentKey(doctype: "Customer", name: Self.documentName(i)))?.count ?? 0
                }
                precondition(bytes > 0)
                latencies.append(Self.seconds(since: start) * 1e6 / Double(gets))
            }
            try store.close()
            try? FileManager.default.removeItem(at: directory)
            report(Figure(id: "store.get", unit: "µs", samples: latencies, note: "random get of \(putCount) ~1 KB documents, one pread + crc"))
        }

        // store.fold, store.rebuild, store.open.1m, store.open.1m.rss
        let total = context.size(full: 1_000_000, quick: 100_000, smoke: 2_000)
        let scale = 1_000_000 / Double(total)
        let directory = try context.freshDirectory("store-open")
        var foldRates: [Double] = []
        do {
            let store = try SnapshotStore(directory: FilePath(directory.path), configuration: configuration, logger: logger)
            // One rate sample per slice of the load (`runs` slices); batches built outside the timing.
            let slice = (total + context.runs - 1) / context.runs
            for sliceStart in stride(from: 0, to: total, by: slice) {
                var nanoseconds: UInt64 = 0
                var done = 0
                for chunk in stride(from: sliceStart, to: min(sliceStart + slice, total), by: 10_000) {
                    let end = min(chunk + 10_000, sliceStart + slice, total)
                    let changes = (chunk..<end).map { Self.customer($0) }
                    let start = monotonicNanoseconds()
                    for batchStart in stride(from: 0, to: changes.count, by: 1000) {
                        let batchEnd = min(batchStart + 1000, changes.count)
                        try store.apply(Array(changes[batchStart..<batchEnd]), throughSequence: UInt64(chunk + batchEnd))
                    }
                    nanoseconds += monotonicNanoseconds() - start
                    done += changes.count
                }
                foldRates.append(Double(done) / (Double(nanoseconds) / 1e9))
            }
            try store.close()
        }
        report(Figure(id: "store.fold", unit: "entries/s", samples: foldRates, note: "applies of 1000 ~1 KB Customer puts, \(total) documents"))

        var openSeconds: [Double] = []
        var openMegabytes: [Double] = []
        for _ in 0..<context.runs {
            _ = storeBenchMallocTrim(0) // return freed heap to the OS so the RSS delta is the open's
            let before = Self.residentMegabytes()
            let start = monotonicNanoseconds()
            let store = try SnapshotStore(directory: FilePath(directory.path), configuration: configuration, logger: logger)
            openSeconds.append(Self.seconds(since: start) * scale)
            openMegabytes.append((Self.residentMegabytes() - before) * scale)
            precondition(store.documentCount == total && store.openReport.loadedIndexSnapshot)
            try store.close()
        }
        let scaled = context.quick ? ", measured on \(total) and scaled ×\(Int(scale))" : ""
        report(Figure(id: "store.open.1m", unit: "s", samples: openSeconds, note: "open a 1M-document store from its index snapshot\(scaled)"))
        report(Figure(id: "store.open.1m.rss", unit: "MB", samples: openMegabytes, note: "resident memory the open adds (VmRSS delta)\(scaled)"))

        // store.checkpoint.1m: one index snapshot of the whole store (after one document is put
        // again, so there is something to write). Most of it runs under the store's lock, where
        // readers and `apply` wait: how long a consumer's replay stands still at each automatic
        // one.
        var checkpointSeconds: [Double] = []
        do {
            let store = try SnapshotStore(directory: FilePath(directory.path), configuration: configuration, logger: logger)
            for run in 0..<context.runs {
                try store.apply([Self.customer(run)], throughSequence: UInt64(total + run + 1))
                let start = monotonicNanoseconds()
                try store.checkpoint()
                checkpointSeconds.append(Self.seconds(since: start) * scale)
            }
            try store.close()
        }
        report(Figure(id: "store.checkpoint.1m", unit: "s", samples: checkpointSeconds,
                      note: "one index snapshot of the store (encode and write under the lock, then the syncs)\(scaled)"))

        // store.checkpoint.terms.1m: an index snapshot that also moves the terms in memory to
        // the term file: a tenth of the documents put again with a new unique value each, their
        // terms merged with the term file of all the others (written outside the lock).
        var termSeconds: [Double] = []
        do {
            let store = try SnapshotStore(directory: FilePath(directory.path), configuration: configuration, logger: logger)
            for run in 0..<context.runs {
                let changes = (0..<(total / 10)).map { Self.customer($0, revision: run + 1) }
                for batchStart in stride(from: 0, to: changes.count, by: 1000) {
                    try store.apply(Array(changes[batchStart..<min(batchStart + 1000, changes.count)]), throughSequence: UInt64(total + 100 + run))
                }
                let start = monotonicNanoseconds()
                try store.checkpoint()
                termSeconds.append(Self.seconds(since: start) * scale)
            }
            try store.close()
        }
        report(Figure(id: "store.checkpoint.terms.1m", unit: "s", samples: termSeconds,
                      note: "an index snapshot after 10 % of the documents changed their terms: the term file rewritten with them\(scaled)"))

        // store.rebuild: open with the index snapshot gone (reads every record).
        var rebuildRates: [Double] = []
        for _ in 0..<max(1, context.runs / 2) {
            try FileManager.default.removeItem(at: directory.appendingPathComponent("index.ssi"))
            let start = monotonicNanoseconds()
            let store = try SnapshotStore(directory: FilePath(directory.path), configuration: configuration, logger: logger)
            rebuildRates.append(Double(total) / Self.seconds(since: start))
            precondition(store.documentCount == total && !store.openReport.loadedIndexSnapshot)
            try store.close()
        }
        report(Figure(id: "store.rebuild", unit: "entries/s", samples: rebuildRates, note: "index rebuilt from the data file, \(total) documents"))
        try? FileManager.default.removeItem(at: directory)
    }

    public static func documentName(_ i: Int) -> String {
        let digits = String(i)
        return "CUST-" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }

    static let padding = String(repeating: "x", count: 700)

    /// A ~1 KB Customer put with the terms a Site would give it.
    public static func customer(_ i: Int, revision: Int = 0) -> StoreChange {
        let name = documentName(i)
        let group = ["Commercial", "Individual", "Retail", "Government", "Non Profit"][i % 5]
        let territory = "Territory-\(i % 10)"
        let document = """
        {"doctype":"Customer","name":"\(name)","customer_name":"Customer \(i)","customer_group":"\(group)",\
        "territory":"\(territory)","email_id":"c\(i)@example.com","docstatus":0,"creation":"2026-01-01 00:00:00",\
        "modified":"2026-01-01 00:00:00","notes":"\(padding)"}
        """
        return .put(DocumentKey(doctype: "Customer", name: name), document: Array(document.utf8), terms: [
            IndexTerm(index: "field:Customer.customer_group", value: group),
            IndexTerm(index: "linkto", value: "Territory\u{0}\(territory)"),
            IndexTerm(index: "unique:Customer.email_id", value: revision == 0 ? "c\(i)@example.com" : "c\(i).r\(revision)@example.com"),
        ])
    }

    static func seconds(since start: UInt64) -> Double {
        Double(monotonicNanoseconds() - start) / 1e9
    }

    /// VmRSS from /proc/self/status, in MB.
    static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1024
        }
        return 0
    }
}

/// glibc's `malloc_trim` (not exported by the Glibc module).
@_silgen_name("malloc_trim")
private func storeBenchMallocTrim(_ pad: Int) -> Int32

import EventLog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The Event Update Log: append throughput by payload size, durability and appenders (with the raw
/// disk's write+fdatasync bandwidth at the same sync sizes, measured in the same run), sequential
/// batch reads with checksum verification, and random sequence lookups.
///
/// Appenders call `appendSynchronously` with batches of `batchSize` entries from their own
/// threads (a replayed pull or an import appends in batches; `log.append.256b.none.single` shows
/// one entry per call); payloads are incompressible and compression is off, so bytes written are
/// the bytes given. Every `write` costs ~10 µs of system time on this VM, so per-call overhead,
/// not bytes, bounds small batches.
public struct LogBenchmarks: BenchmarkGroup {
    public var name: String { "log" }
    public init() {}

    static let batchSize = 64

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        let seconds = context.size(full: 0.5, quick: 0.2, smoke: 0.1)
        let sizes: [(label: String, bytes: Int)] = [("256b", 256), ("1k", 1024), ("8k", 8192)]
        let durabilities: [(label: String, value: EventLog.Durability)] = [("none", .none), ("interval", .interval(milliseconds: 2)), ("always", .always)]
        for size in sizes {
            for durability in durabilities {
                for appenders in [1, 8] {
                    let named = Self.namedId(size: size.label, durability: durability.label, appenders: appenders)
                    let runs = named != nil || (size.label == "8k" && durability.label == "always") ? context.runs : 1
                    var entryRates: [Double] = [], byteRates: [Double] = [], ratios: [Double] = [], syncSizes: [Double] = [], rawRates: [Double] = []
                    for run in 0..<runs {
                        let directory = try context.freshDirectory("append-\(size.label)-\(durability.label)-\(appenders)-\(run)")
                        let result = try Self.measureAppend(directory: directory.path, payloadBytes: size.bytes, durability: durability.value, appenders: appenders, seconds: seconds)
                        entryRates.append(result.entriesPerSecond)
                        byteRates.append(result.bytesPerSecond / 1e6)
                        if durability.label == "always" && appenders == 8 {
                            let raw = try Self.measureRawDisk(directory: directory.path, chunkBytes: max(4096, Int(result.bytesPerSync)), seconds: seconds)
                            ratios.append(result.bytesPerSecond / raw)
                            rawRates.append(raw / 1e6)
                            syncSizes.append(result.bytesPerSync)
                        }
                        try? FileManager.default.removeItem(at: directory)
                    }
                    let base = "log.append.\(size.label).\(durability.label).a\(appenders)"
                    let note = "\(appenders) appender(s), batches of \(Self.batchSize), \(size.bytes) B payloads"
                    if let named, named.hasSuffix(durability.label) {
                        report(Figure(id: named, unit: "entries/s", samples: entryRates, note: note))
                    }
                    report(Figure(id: base, unit: "entries/s", samples: entryRates, note: note))
                    report(Figure(id: base + ".mbps", unit: "MB/s", samples: byteRates, note: note + ", bytes written"))
                    if !ratios.isEmpty {
                        let sync = syncSizes.sorted()[syncSizes.count / 2]
                        let ratioNote = "log MB/s ÷ raw write+fdatasync MB/s, \(Int(sync)) B per sync (median), same run"
                        if size.label == "8k" { report(Figure(id: "log.append.8k.always.disk_ratio", unit: "ratio", samples: ratios, note: ratioNote)) }
                        report(Figure(id: base + ".disk_ratio", unit: "ratio", samples: ratios, note: ratioNote))
                        report(Figure(id: "log.disk.raw.\(size.label)", unit: "MB/s", samples: rawRates,
                                      note: "plain pwrite+fdatasync of \(Int(sync)) B chunks, right after the log run it is compared with"))
                    }
                }
            }
        }
        // One entry per call: the cost of a call, for comparison with the batched figures.
        var singles: [Double] = []
        for run in 0..<context.runs {
            let directory = try context.freshDirectory("append-single-\(run)")
            singles.append(try Self.measureAppend(directory: directory.path, payloadBytes: 256, durability: .none, appenders: 1, seconds: seconds, batchSize: 1).entriesPerSecond)
            try? FileManager.default.removeItem(at: directory)
        }
        report(Figure(id: "log.append.256b.none.single", unit: "entries/s", samples: singles, note: "1 appender, one entry per call"))
        try measureReads(context, report: report)
        try measureLookups(context, report: report)
    }

    /// The INTERFACE.md id for a combination, if it has one.
    static func namedId(size: String, durability: String, appenders: Int) -> String? {
        switch (size, durability, appenders) {
        case ("256b", "none", 1): "log.append.256b.none"
        case ("1k", "interval", 8): "log.append.1k.interval"
        default: nil
        }
    }

    static func payload(_ bytes: Int, seed: UInt64) -> [UInt8] {
        var x = seed &* 0x9E3779B97F4A7C15 | 1
        return (0..<bytes).map { _ in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
    }

    static func drafts(count: Int, payloadBytes: Int, seed: UInt64) -> [EntryDraft] {
        (0..<count).map { i in
            EntryDraft(updateType: .update, doctype: "Sales Invoice", docname: "SINV-\(seed)-\(i)", payload: payload(payloadBytes, seed: seed &+ UInt64(i)))
        }
    }

    struct AppendResult {
        var entriesPerSecond: Double
        var bytesPerSecond: Double
        var bytesPerSync: Double
    }

    static func measureAppend(directory: String, payloadBytes: Int, durability: EventLog.Durability, appenders: Int, seconds: Double, batchSize: Int = batchSize) throws -> AppendResult {
        let configuration = EventLog.Configuration(durability: durability, compressionThreshold: nil)
        let log = try EventLog(directory: directory, configuration: configuration)
        let batches = (0..<appenders).map { drafts(count: batchSize, payloadBytes: payloadBytes, seed: UInt64($0)) }
        // Warm up: first segment, page cache, threads.
        _ = try log.appendSynchronously(batches[0])
        let startEntries = log.lastWrittenSequence
        let startStats = log.commitStatistics
        let startBytes = log.segmentStatuses.reduce(0) { $0 + $1.bytes }
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        let started = monotonicNanoseconds()
        let group = DispatchGroup()
        let failure = FailureBox()
        for a in 0..<appenders {
            group.enter()
            let batch = batches[a]
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    // At least one append each, even for a thread that starts after the deadline
                    // (short runs on a loaded machine), so no figure is an empty measurement.
                    repeat { _ = try log.appendSynchronously(batch) } while monotonicNanoseconds() < deadline
                } catch { failure.set(error) }
            }
        }
        group.wait()
        let elapsed = Double(monotonicNanoseconds() - started) / 1e9
        if let error = failure.get() { throw error }
        let entries = Double(log.lastWrittenSequence - startEntries)
        let bytes = Double(log.segmentStatuses.reduce(0) { $0 + $1.bytes } - startBytes)
        let syncs = Double(log.commitStatistics.syncs - startStats.syncs)
        try log.close()
        return AppendResult(entriesPerSecond: entries / elapsed, bytesPerSecond: bytes / elapsed, bytesPerSync: syncs > 0 ? bytes / syncs : bytes)
    }

    /// Plain `pwrite` + `fdatasync` of `chunkBytes` at a time, appending to a fresh file: bytes/s.
    static func measureRawDisk(directory: String, chunkBytes: Int, seconds: Double) throws -> Double {
        let path = directory + "/raw-disk"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogBenchError("cannot create \(path)") }
        defer { close(fd); unlink(path) }
        let chunk = payload(chunkBytes, seed: 7)
        var offset = 0
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        let started = monotonicNanoseconds()
        while monotonicNanoseconds() < deadline {
            let written = chunk.withUnsafeBytes { pwrite(fd, $0.baseAddress, chunkBytes, off_t(offset)) }
            guard written == chunkBytes, fdatasync(fd) == 0 else { throw LogBenchError("raw write to \(path) failed") }
            offset += chunkBytes
        }
        return Double(offset) / (Double(monotonicNanoseconds() - started) / 1e9)
    }

    /// Fills a log quickly (durability none, large batches) with `count` entries of `payloadBytes`.
    static func fill(directory: String, count: Int, payloadBytes: Int) throws -> EventLog {
        let log = try EventLog(directory: directory, configuration: EventLog.Configuration(durability: .none, compressionThreshold: nil))
        let batch = drafts(count: 1000, payloadBytes: payloadBytes, seed: 3)
        var done = 0
        while done < count {
            let n = min(1000, count - done)
            _ = try log.appendSynchronously(n == 1000 ? batch : Array(batch[..<n]))
            done += n
        }
        return log
    }

    func measureReads(_ context: BenchContext, report: (Figure) -> Void) throws {
        let directory = try context.freshDirectory("read")
        let count = context.size(full: 250_000, quick: 60_000, smoke: 2_000)
        let log = try Self.fill(directory: directory.path, count: count, payloadBytes: 1024)
        defer { try? log.close(); try? FileManager.default.removeItem(at: directory) }
        _ = try readEverything(log)  // into the page cache
        let rates = try measureRates(runs: context.runs) { Double(try readEverything(log)) / 1e6 }
        report(Figure(id: "log.read.verify", unit: "MB/s", samples: rates,
                      note: "\(count) × 1 KiB entries, 1 MiB batches, every crc checked, page cache"))
    }

    private func readEverything(_ log: EventLog) throws -> Int {
        var cursor: LogCursor? = nil
        var bytes = 0
        while true {
            let batch = try log.read(after: cursor, maxEntries: 100_000, maxBytes: 1 << 20)
            if batch.count == 0 { return bytes }
            bytes += batch.bytes.count
            cursor = batch.next
        }
    }

    func measureLookups(_ context: BenchContext, report: (Figure) -> Void) throws {
        let directory = try context.freshDirectory("lookup")
        let count = context.size(full: 10_000_000, quick: 1_000_000, smoke: 20_000)
        let log = try Self.fill(directory: directory.path, count: count, payloadBytes: 32)
        defer { try? log.close(); try? FileManager.default.removeItem(at: directory) }
        var x: UInt64 = 0x2545F4914F6CDD1D
        func nextSequence() -> UInt64 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return x % UInt64(count) + 1
        }
        for _ in 0..<20_000 { _ = try log.record(at: nextSequence()) }  // warm
        var p99s: [Double] = [], medians: [Double] = []
        for _ in 0..<context.runs {
            var latencies: [Double] = []
            latencies.reserveCapacity(20_000)
            for _ in 0..<20_000 {
                let seq = nextSequence()
                let start = monotonicNanoseconds()
                let record = try log.record(at: seq)
                latencies.append(Double(monotonicNanoseconds() - start) / 1000)
                guard record.sequence == seq else { throw LogBenchError("lookup of \(seq) returned \(record.sequence)") }
            }
            latencies.sort()
            p99s.append(latencies[latencies.count * 99 / 100])
            medians.append(latencies[latencies.count / 2])
        }
        let note = "\(count) entries of 32 B payload, 20,000 random lookups per run, warm"
        report(Figure(id: "log.lookup.p99", unit: "µs", samples: p99s, note: note))
        report(Figure(id: "log.lookup.median", unit: "µs", samples: medians, note: note))
    }
}

private final class FailureBox: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var error: (any Error)?
    func set(_ error: any Error) { lock.withLock { self.error = error } }
    func get() -> (any Error)? { lock.withLock { error } }
}

/// A benchmark step that failed (kept local so this group stands alone).
struct LogBenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

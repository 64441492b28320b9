import DocumentModel
import Foundation
import Glibc
import Logging
import Site
import SiteServer
import Streaming
import Synchronization

/// End-to-end catch-up over loopback HTTP, with the consumer in a process of its own.
///
/// The producer is a real served site in this process (`ServedSite`, the same runtime as
/// `sitestream serve`). The consumer is the `sitestream` binary itself: `init`, `producer add`
/// (registration over HTTP; the producer approves), then — after the producer has written a
/// backlog — `sitestream pull`, timed from spawn to exit. Its peak resident memory is the
/// consumer's own, not the harness's: its `VmHWM`, sampled from `/proc/PID/status` every 10 ms
/// while it runs (`PeakResidentMemory`). The kernel's `ru_maxrss` from `wait4` will not do: for
/// a child started by `posix_spawn` (a vfork) it counts the parent's peak too, so it reported
/// the harness's own size whenever that was larger.
///
/// Two backlogs, one after the other (`Backlog`): issue 6's mix of Customers and
/// 20-row invoices (`MixedBacklog`, figures `stream.catchup…`), then Customers alone (~0.6 KB
/// each, one Customer Group; `stream.catchup.customers…`, what `stream.catchup` measured
/// before session 5).
///
/// The reference, `stream.catchup.local_fold`: the same entries folded locally from a log
/// file. A second consumer ("local"), set up exactly as the first, is exported the backlog as
/// a bundle (the producer's log frames copied into files; not timed), and `sitestream import`
/// replays it in a process of its own, through the same consumer path (`StreamConsumer.pull`,
/// with the bundle as the producer), timed from spawn to exit like the pull. It runs right
/// after the HTTP pull; `stream.catchup.local_ratio` is the HTTP rate ÷ the local one of the
/// same run (the goal: ≥ 0.8).
///
/// Figures: `stream.catchup` (entries/s: backlog ÷ the pull's wall time, process start and
/// site open included) and `stream.catchup.peak_rss` (MB), and the same under
/// `stream.catchup.customers`. Backlogs: 1M entries, `--quick` 100k, `--smoke` 2k. Needs
/// `BenchContext.executable` (the command line sets it); without
/// it the group reports nothing.
///
/// For diagnosis: `SITESTREAM_CATCHUP_BACKLOG=N` sets the backlog's size, and
/// `SITESTREAM_CATCHUP_WRAPPER` (a command and its arguments, split at spaces; e.g.
/// `heaptrack -o /tmp/pull`) runs the consumer's `pull` under that command, for profiling
/// it; its figures then describe the wrapped run. `SITESTREAM_CATCHUP_KIND=mixed` or
/// `customers` runs that backlog alone. `SITESTREAM_CATCHUP_KEEP=DIR` keeps each run's consumer
/// site as `DIR/<backlog>-<run>`.
///
/// For comparing two builds: `SITESTREAM_CATCHUP_AB=PATH[,ROUNDS]` folds the same bundle again
/// into copies of the same empty local consumer, ROUNDS times (default 3) with this binary and
/// with the `sitestream` at PATH, alternating, and reports both (`….ab.this…`, `….ab.other…`,
/// entries per wall and per CPU second) and their ratio per round: the two binaries share the
/// machine's phases, which on a noisy virtual machine move a single run by a fifth.
public struct CatchUpBenchmarks: BenchmarkGroup {
    public let name = "catchup"
    public init() {}

    /// What the producer writes before the consumer pulls.
    enum Backlog: CaseIterable {
        /// Issue 6's backlog (`MixedBacklog`): Customers created and updated, 20-row invoices
        /// created, updated and submitted. Its figures are `stream.catchup…`.
        case mixed
        /// Customer Creates only (~0.6 KB each, one Customer Group): the backlog of the
        /// figures before session 5, kept as `stream.catchup.customers…` for comparison.
        case customers

        var prefix: String { self == .mixed ? "stream.catchup" : "stream.catchup.customers" }
        var doctypes: [String] { self == .mixed ? MixedBacklog.doctypes : ["Customer"] }
        func describe(_ entries: Int) -> String {
            switch self {
            case .mixed: "\(entries)-entry mixed backlog (Customers created and updated, 20-row Sales Invoices created, updated and submitted, and their masters)"
            case .customers: "\(entries)-entry Customer backlog"
            }
        }
    }

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        guard let executable = context.executable else { return }
        // `SITESTREAM_CATCHUP_BACKLOG=N` overrides the size (how memory grows between 100k and 1M).
        let size = ProcessInfo.processInfo.environment["SITESTREAM_CATCHUP_BACKLOG"].flatMap { Int($0) }
            ?? context.size(full: 1_000_000, quick: 100_000, smoke: 2_000)
        // `SITESTREAM_CATCHUP_KIND=mixed` (or `customers`) runs that backlog alone.
        let kind = ProcessInfo.processInfo.environment["SITESTREAM_CATCHUP_KIND"]
        for backlog in Backlog.allCases where kind == nil || kind == "\(backlog)" {
            var rates: [Double] = [], megabytes: [Double] = [], peaks: [Double] = [], cpuRates: [Double] = []
            var localRates: [Double] = [], localPeaks: [Double] = [], ratios: [Double] = []
            var ab: [(this: ChildResult, other: ChildResult)] = []
            var entries = size
            // A 1M-entry backlog takes minutes to write: one run of the full size, `runs` of smaller ones.
            let runs = size >= 1_000_000 ? 1 : context.runs
            for run in 0..<runs {
                let directory = try context.freshDirectory("catchup-\(backlog)-\(run)")
                let result = try Self.catchUp(backlog, entries: size, executable: executable, in: directory)
                entries = result.entries
                rates.append(result.rate)
                megabytes.append(result.megabytesPerSecond)
                cpuRates.append(result.cpuRate)
                peaks.append(result.peakMB)
                localRates.append(result.localRate)
                localPeaks.append(result.localPeakMB)
                ratios.append(result.rate / result.localRate)
                ab += result.ab
                if let keep = ProcessInfo.processInfo.environment["SITESTREAM_CATCHUP_KEEP"] {
                    // The HTTP consumer, kept for `SITESTREAM_SITE_OPEN` (its index by part).
                    let kept = URL(fileURLWithPath: keep).appendingPathComponent("\(backlog)-\(run)")
                    try? FileManager.default.removeItem(at: kept)
                    try FileManager.default.createDirectory(at: kept.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try FileManager.default.moveItem(at: directory.appendingPathComponent("consumer"), to: kept)
                }
                try? FileManager.default.removeItem(at: directory)
            }
            let id = backlog.prefix
            let note = "\(backlog.describe(entries)) over loopback HTTP, consumer `sitestream pull` in its own process (start and open included), durability interval"
            report(Figure(id: id, unit: "entries/s", samples: rates, note: note))
            report(Figure(id: id + ".mb_s", unit: "MB/s", samples: megabytes,
                          note: "the backlog's framed log records (as the producer's log holds them, before the reply's deflate) over the pull's wall time"))
            report(Figure(id: id + ".peak_rss", unit: "MB", samples: peaks, note: "the consumer process's peak resident memory (VmHWM, sampled every 10 ms) during that catch-up"))
            // CPU time of the consumer process (user+sys, all its threads): what the machine's load cannot inflate.
            report(Figure(id: id + ".cpu", unit: "entries/cpu-s", samples: cpuRates, note: "the same entries per CPU second of the consumer process"))
            report(Figure(id: id + ".local_fold", unit: "entries/s", samples: localRates,
                          note: "the same entries folded locally: exported from the producer's log as a bundle, replayed by `sitestream import` into a second empty consumer in its own process (start and open included), same replay path, no HTTP"))
            report(Figure(id: id + ".local_fold.peak_rss", unit: "MB", samples: localPeaks, note: "that import process's peak resident memory (VmHWM, sampled every 10 ms)"))
            report(Figure(id: id + ".local_ratio", unit: "ratio", samples: ratios,
                          note: "\(id) ÷ \(id).local_fold of the same run (goal ≥ 0.8)"))
            if !ab.isEmpty {
                let other = ProcessInfo.processInfo.environment["SITESTREAM_CATCHUP_AB"]!.split(separator: ",")[0]
                let n = Double(entries)
                report(Figure(id: id + ".ab.this", unit: "entries/s", samples: ab.map { n / $0.this.seconds }, note: "the local fold again, this binary, alternating with \(other)"))
                report(Figure(id: id + ".ab.other", unit: "entries/s", samples: ab.map { n / $0.other.seconds }, note: "the same with \(other)"))
                report(Figure(id: id + ".ab.this.cpu", unit: "entries/cpu-s", samples: ab.map { n / $0.this.cpuSeconds }, note: "this binary, per CPU second of the import process"))
                report(Figure(id: id + ".ab.other.cpu", unit: "entries/cpu-s", samples: ab.map { n / $0.other.cpuSeconds }, note: "\(other), per CPU second"))
                report(Figure(id: id + ".ab.cpu_ratio", unit: "ratio", samples: ab.map { $0.other.cpuSeconds / $0.this.cpuSeconds },
                              note: "per round: the other's CPU seconds ÷ this binary's (above 1: this binary needs less)"))
            }
        }
    }

    struct Result {
        /// The backlog's entries (what the consumer must replay).
        var entries: Int
        var rate: Double
        var megabytesPerSecond: Double
        var peakMB: Double
        var cpuRate: Double
        var localRate: Double
        var localPeakMB: Double
        /// `SITESTREAM_CATCHUP_AB`'s rounds: (this binary, the other), each an import.
        var ab: [(this: ChildResult, other: ChildResult)] = []
    }

    /// N in "…, N WORD, …" (the pull's and the import's summary lines).
    static func count(_ word: String, in output: String) -> Int? {
        output.split(whereSeparator: { $0 == "," || $0 == ":" || $0 == "\n" })
            .first { $0.trimmingCharacters(in: .whitespaces).hasSuffix(" " + word) }
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") }
    }

    static func catchUp(_ kind: Backlog, entries: Int, executable: URL, in directory: URL) throws -> Result {
        var logger = Logger(label: "bench.catchup")
        logger.logLevel = .error
        let layout = SiteLayout(root: directory.appendingPathComponent("producer"))
        let site: Site = try blocking { [logger] in
            try await Site.create(at: layout, name: "producer", url: nil, settings: BenchSiteSettings.make(), logger: logger)
            // The ERP controllers, as the consumer has: invoices get their totals and GL Entries.
            return try Site.open(at: layout, controllers: .erp, logger: logger)
        }
        defer { try? site.close() }
        let key = try blocking { try await UserCredentialStore(site: site).createKey(for: "Administrator") }
        var quiet = logger
        quiet.logLevel = .critical
        let served = ServedSite(site: site, logger: quiet)
        let server = try ServedProducer(served, logger: quiet)
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)"

        let consumer = directory.appendingPathComponent("consumer").path
        try Self.run(executable, ["init", "--site", consumer, "--name", "consumer"] + BenchSiteSettings.initArguments, what: "init")
        let subscription = kind.doctypes.flatMap { ["--doctype", $0] }
        try Self.run(executable, ["producer", "add", "--site", consumer, "--url", url, "--api-key", key.apiKey,
                                  "--api-secret", key.apiSecret] + subscription, what: "producer add")
        try blocking { _ = try await served.producer.approve(consumer: "consumer", doctypes: kind.doctypes) }
        // The local-fold reference's consumer, subscribed the same way now, so that it too replays the whole backlog.
        let localConsumer = directory.appendingPathComponent("consumer-local").path
        try Self.run(executable, ["init", "--site", localConsumer, "--name", "local"] + BenchSiteSettings.initArguments, what: "init")
        try Self.run(executable, ["producer", "add", "--site", localConsumer, "--url", url, "--api-key", key.apiKey,
                                  "--api-secret", key.apiSecret] + subscription, what: "producer add")
        try blocking { _ = try await served.producer.approve(consumer: "local", doctypes: kind.doctypes) }
        let backlog = kind == .mixed ? try blocking { try await MixedBacklog.write(entries: entries, to: site) } : try Self.writeCustomers(entries, to: site)
        // Readers see only durable entries; the backlog is whole once the last write is durable.
        try blocking {
            let written = site.log.lastWrittenSequence
            if written > 0 { _ = await site.log.waitForDurable(after: written - 1) }
        }
        let pull = try Self.run(executable, ["pull", "--site", consumer], what: "pull")
        // "producer: N received, N synced, …": every entry of the backlog must have been replayed.
        let synced = Self.count("synced", in: pull.stdout)
        guard let synced, synced >= backlog else {
            throw BenchError("catchup: the consumer replayed \(synced.map(String.init) ?? "?") of \(backlog) entries: \(pull.stdout)")
        }
        // The reference: the same entries, copied from the producer's log into a bundle (not
        // timed), folded by `sitestream import` in a process of its own, timed as the pull is.
        let bundle = directory.appendingPathComponent("local.bundle").path
        let exported = try served.producer.exportBundle(consumer: "local", to: bundle)
        guard exported.manifest.entries >= UInt64(backlog) else {
            throw BenchError("catchup: the bundle for the local fold holds \(exported.manifest.entries) of \(backlog) entries")
        }
        let ab = ProcessInfo.processInfo.environment["SITESTREAM_CATCHUP_AB"].map { $0.split(separator: ",").map(String.init) }
        let template = localConsumer + "-template"
        if ab != nil { try FileManager.default.copyItem(atPath: localConsumer, toPath: template) }
        let local = try Self.run(executable, ["import", "--site", localConsumer, bundle], what: "import")
        guard let localSynced = Self.count("synced", in: local.stdout), localSynced >= backlog else {
            throw BenchError("catchup: the local fold replayed \(Self.count("synced", in: local.stdout).map(String.init) ?? "?") of \(backlog) entries: \(local.stdout)")
        }
        let recordBytes = exported.manifest.records.reduce(0) { $0 + Double($1.bytes) }
        var result = Result(entries: backlog, rate: Double(synced) / pull.seconds, megabytesPerSecond: recordBytes / 1e6 / pull.seconds,
                            peakMB: Double(pull.peakKiB) / 1024, cpuRate: Double(synced) / pull.cpuSeconds,
                            localRate: Double(localSynced) / local.seconds, localPeakMB: Double(local.peakKiB) / 1024)
        if let ab {
            let other = URL(fileURLWithPath: ab[0])
            for _ in 0..<(ab.count > 1 ? Int(ab[1]) ?? 3 : 3) {
                func fold(_ binary: URL) throws -> ChildResult {
                    let copy = localConsumer + "-ab"
                    try? FileManager.default.removeItem(atPath: copy)
                    try FileManager.default.copyItem(atPath: template, toPath: copy)
                    defer { try? FileManager.default.removeItem(atPath: copy) }
                    let folded = try Self.run(binary, ["import", "--site", copy, bundle], what: "import")
                    guard let n = Self.count("synced", in: folded.stdout), n >= backlog else {
                        throw BenchError("catchup: \(binary.path) import replayed \(Self.count("synced", in: folded.stdout).map(String.init) ?? "?") of \(backlog) entries: \(folded.stdout)")
                    }
                    return folded
                }
                result.ab.append((try fold(executable), try fold(other)))
            }
        }
        return result
    }

    /// The Customer backlog: a Customer Group "Retail", then `count` Customers linking to
    /// it, 1000 a write. Returns `count`: the group is not subscribed (the consumer fetches it
    /// with the first Customer), so its entry is not the consumer's to replay.
    static func writeCustomers(_ count: Int, to site: Site) throws -> Int {
        try blocking {
            _ = try await site.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Retail"])) }
            for start in stride(from: 0, to: count, by: 1000) {
                try await site.write { tx in
                    for i in start..<min(start + 1000, count) {
                        try tx.insert(Document(doctype: "Customer", [
                            "customer_name": .string("Customer \(i)"), "customer_type": "Company", "customer_group": "Retail",
                            "email_id": .string("c\(i)@example.com"), "customer_details": .string(String(repeating: "d", count: 300)),
                        ]))
                    }
                }
            }
        }
        return count
    }

    struct ChildResult {
        var stdout: String
        var seconds: Double
        /// Its VmHWM, sampled (`PeakResidentMemory`).
        var peakKiB: Int
        var cpuSeconds: Double
    }

    /// Runs `executable ARGS…` (stdin and stderr /dev/null, stdout captured in a file) and
    /// waits with `wait4` for its status and resource usage. Throws unless it exits 0.
    @discardableResult
    static func run(_ executable: URL, _ arguments: [String], what: String) throws -> ChildResult {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sitestream-bench-child-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { unlink(out) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // A profiler's command line in front of the pull's (see the type's comment).
        let wrapper = what == "pull" ? (ProcessInfo.processInfo.environment["SITESTREAM_CATCHUP_WRAPPER"] ?? "").split(separator: " ").map(String.init) : []
        let argv = (wrapper + [executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let started = monotonicNanoseconds()
        let rc = posix_spawnp(&pid, wrapper.first ?? executable.path, &actions, nil, argv, environ)
        guard rc == 0 else { throw BenchError("catchup: cannot start \(executable.path) \(what): \(String(cString: strerror(rc)))") }
        let peak = PeakResidentMemory(pid: pid)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("catchup: wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        let peakKiB = peak.stop()
        let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0, spelled out (the C macros are not imported).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw BenchError("catchup: `sitestream \(what)` failed (wait status \(status)): \(stdout)")
        }
        func cpu(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return ChildResult(stdout: stdout, seconds: seconds, peakKiB: peakKiB, cpuSeconds: cpu(usage.ru_utime) + cpu(usage.ru_stime))
    }
}

/// A child process's peak resident memory, read from `/proc/PID/status` (`VmHWM`, the peak of
/// its own address space since its exec) every 10 ms on a thread of its own until `stop()`.
/// A peak within the last 10 ms before the process exits can be missed.
final class PeakResidentMemory: Sendable {
    private let peakKiB = Mutex(0)
    private let done = Atomic<Bool>(false)

    init(pid: pid_t) {
        let path = "/proc/\(pid)/status"
        Thread { [self] in
            while !done.load(ordering: .acquiring) {
                if let kib = Self.highWaterKiB(path) { peakKiB.withLock { $0 = max($0, kib) } }
                usleep(10_000)
            }
        }.start()
    }

    /// Stops sampling; the highest `VmHWM` seen, in KiB.
    func stop() -> Int {
        done.store(true, ordering: .releasing)
        return peakKiB.withLock { $0 }
    }

    /// `VmHWM` from a `/proc/PID/status` file; nil once the process has gone.
    static func highWaterKiB(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        // "VmHWM:\t  130060 kB"
        return line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
    }
}

/// A served site (REST and streaming routes) running in the background until `stop()`.
final class ServedProducer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>
    private let served: ServedSite

    init(_ served: ServedSite, logger: Logger) throws {
        self.served = served
        let ports = Mutex<Int?>(nil)
        let ready = DispatchSemaphore(value: 0)
        var configuration = SiteServerConfiguration()
        configuration.port = 0
        let backend = SiteDocumentBackend(site: served.site)
        task = Task.detached {
            try await served.run(configuration: configuration, backend: backend, handleSignals: false, httpLogger: logger) { port in
                ports.withLock { $0 = port }
                ready.signal()
            }
        }
        if ready.wait(timeout: .now() + 60) == .timedOut {
            port = 0
            stop()
            throw BenchError("catchup: the producer's server did not start within 60 s")
        }
        port = ports.withLock { $0 ?? 0 }
    }

    /// Gracefully, not by cancelling (see GracefulServer).
    func stop() {
        _ = try? blocking { [task, served] in
            await served.stop()
            try await task.value
        }
    }
}

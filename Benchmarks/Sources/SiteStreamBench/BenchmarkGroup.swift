import Foundation

/// What every benchmark group is given: how hard to try and where it may write.
public struct BenchContext: Sendable {
    /// `--quick`: fewer runs and smaller workloads (the whole harness under 3 minutes).
    public var quick: Bool
    /// Runs per figure; the median is reported.
    public var runs: Int
    /// `--emit-workload DIR`: where a group writes the exact inputs it measured, if set.
    public var workloadDirectory: URL?
    /// A scratch directory the group may fill; removed after the run.
    public var scratchDirectory: URL
    /// `--smoke` (implies `quick`): the smallest workloads that still exercise every path,
    /// for CI checking that every figure is produced. Its figures mean nothing for speed.
    public var smoke: Bool
    /// The `sitestream` binary, for groups that run a site in a process of its own (nil:
    /// those groups report nothing).
    public var executable: URL?

    public init(quick: Bool, runs: Int, workloadDirectory: URL?, scratchDirectory: URL, smoke: Bool = false, executable: URL? = nil) {
        self.quick = quick || smoke
        self.runs = runs
        self.workloadDirectory = workloadDirectory
        self.scratchDirectory = scratchDirectory
        self.smoke = smoke
        self.executable = executable
    }

    /// A workload size: `full`, or `quick` with `--quick`, or `smoke` with `--smoke`.
    public func size<T>(full: T, quick: T, smoke: T) -> T {
        self.smoke ? smoke : self.quick ? quick : full
    }

    /// A fresh, empty directory under the scratch directory for one measurement.
    public func freshDirectory(_ name: String) throws -> URL {
        let url = scratchDirectory.appendingPathComponent(name, isDirectory: true)
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A set of related figures (JSON, diff, log append, …). Each group lives in its own file,
/// named for what it measures, and is listed in `BenchmarkGroups.all`.
public protocol BenchmarkGroup: Sendable {
    /// Short name used by `--only` and in progress lines.
    var name: String { get }
    /// Measures and hands each figure to `report` as soon as it is known.
    func run(_ context: BenchContext, report: (Figure) -> Void) throws
}

/// The clock every group uses: monotonic, nanoseconds.
@inline(__always)
public func monotonicNanoseconds() -> UInt64 {
    DispatchTime.now().uptimeNanoseconds
}

/// Runs `body` `runs` times and returns the rate of each run: `work / seconds`, where `body`
/// returns the amount of work it did (bytes, documents, entries).
public func measureRates(runs: Int, _ body: () throws -> Double) rethrows -> [Double] {
    var rates: [Double] = []
    rates.reserveCapacity(runs)
    for _ in 0..<runs {
        let start = monotonicNanoseconds()
        let work = try body()
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        rates.append(work / max(seconds, 1e-9))
    }
    return rates
}

/// Per-run rates by the wall clock and by this thread's CPU clock.
public struct RateSamples {
    public var wall: [Double] = []
    public var cpu: [Double] = []
}

/// Like `measureRates`, but also rates each run by the CPU time of the calling thread
/// (`CLOCK_THREAD_CPUTIME_ID`): on a shared machine the wall clock also counts the time the
/// thread waited for a core, so the CPU figure is the one to compare across runs. `warmUp`
/// untimed calls come first (caches, allocator arenas, the JSON parser's intern tables), so
/// the first timed run does not pay what later runs do not.
public func measureRatesWithCPU(runs: Int, warmUp: Int = 1, _ body: () throws -> Double) rethrows -> RateSamples {
    for _ in 0..<warmUp { _ = try body() }
    var samples = RateSamples()
    samples.wall.reserveCapacity(runs)
    samples.cpu.reserveCapacity(runs)
    for _ in 0..<runs {
        let cpuStart = threadCPUSeconds()
        let start = monotonicNanoseconds()
        let work = try body()
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        let cpuSeconds = threadCPUSeconds() - cpuStart
        samples.wall.append(work / max(seconds, 1e-9))
        samples.cpu.append(work / max(cpuSeconds, 1e-9))
    }
    return samples
}

/// CPU time the calling thread has used, in seconds.
public func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

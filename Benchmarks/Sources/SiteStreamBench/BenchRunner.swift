import Foundation

/// Runs benchmark groups and collects their figures. The command line (`sitestream bench`) and
/// the standalone harness both call this; output formatting lives in `BenchReport`.
public struct BenchRunner {
    public struct Options: Sendable {
        public var quick = false
        /// Runs per figure; `nil` picks 3 with `--quick`, 5 otherwise.
        public var runs: Int?
        public var workloadDirectory: URL?
        /// Only the groups whose names are listed (all when empty).
        public var only: [String] = []
        /// `--smoke`: the smallest workloads, one run (see `BenchContext.smoke`).
        public var smoke = false
        /// The `sitestream` binary, for groups that spawn a consumer process.
        public var executable: URL?
        public init() {}
    }

    public var options: Options
    /// Called with each progress line (group started, figure measured).
    public var progress: (String) -> Void
    /// Called as each group finishes: groups done, groups in all.
    public var groupsDone: (Int, Int) -> Void = { _, _ in }

    public init(options: Options, progress: @escaping (String) -> Void, groupsDone: @escaping (Int, Int) -> Void = { _, _ in }) {
        self.options = options
        self.progress = progress
        self.groupsDone = groupsDone
    }

    /// The groups `options.only` selects, or an error naming the unknown ones.
    public func selectedGroups() throws -> [any BenchmarkGroup] {
        let all = BenchmarkGroups.all
        guard !options.only.isEmpty else { return all }
        let known = Set(all.map(\.name))
        let unknown = options.only.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw BenchError("unknown benchmark group(s): \(unknown.joined(separator: ", ")); known: \(all.map(\.name).joined(separator: ", "))")
        }
        return all.filter { options.only.contains($0.name) }
    }

    public func run() throws -> [Figure] {
        let groups = try selectedGroups()
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("sitestream-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        if let dir = options.workloadDirectory {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        let context = BenchContext(
            quick: options.quick,
            runs: options.runs ?? (options.smoke ? 1 : options.quick ? 3 : 5),
            workloadDirectory: options.workloadDirectory,
            scratchDirectory: scratch,
            smoke: options.smoke,
            executable: options.executable
        )
        var figures: [Figure] = []
        for (done, group) in groups.enumerated() {
            groupsDone(done, groups.count)
            progress("bench: \(group.name) …")
            let started = monotonicNanoseconds()
            let groupScratch = try context.freshDirectory(group.name)
            var groupContext = context
            groupContext.scratchDirectory = groupScratch
            try group.run(groupContext) { figure in
                figures.append(figure)
                progress("bench:   \(figure.id) = \(BenchReport.format(figure.value)) \(figure.unit)")
            }
            try? FileManager.default.removeItem(at: groupScratch)
            if let root = options.workloadDirectory {
                try Self.emitWorkload(of: group, groupContext, under: root)
            }
            progress("bench: \(group.name) done in \(String(format: "%.1f", Double(monotonicNanoseconds() - started) / 1e9)) s")
            groupsDone(done + 1, groups.count)
        }
        return figures
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

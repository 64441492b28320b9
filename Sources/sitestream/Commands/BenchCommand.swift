import ArgumentParser
import Foundation
import SiteStreamBench

/// `sitestream bench [--quick] [--json] [--emit-workload DIR]`: the benchmark harness.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the benchmark harness and print one table of medians (or JSON with --json)."
    )

    @OptionGroup var logging: LogLevelOption

    @Flag(help: "Fewer runs and smaller workloads (under 3 minutes).")
    var quick = false

    @Flag(help: "The smallest workloads and one run: checks that every figure is produced (CI), not how fast.")
    var smoke = false

    @Flag(help: "Print the figures as a JSON array for tools.")
    var json = false

    @Option(name: .customLong("emit-workload"), help: "Write every measured workload as files under DIR.")
    var emitWorkload: String?

    @Option(help: "Runs per figure (the median is reported).")
    var runs: Int?

    @Option(help: "Only these groups (comma-separated), e.g. json,diff.")
    var only: String?

    @Option(name: .customLong("touch-memory"),
            help: ArgumentHelp("Touch this much fresh memory once before measuring, so a VM's host backs it (see MemoryToucher).",
                               valueName: "GiB"))
    var touchMemory: Int = 0

    func validate() throws {
        if let runs, runs < 1 { throw ValidationError("--runs must be at least 1, got \(runs)") }
        let total = Int(ProcessInfo.processInfo.physicalMemory >> 30)
        if touchMemory < 0 || touchMemory >= total {
            throw ValidationError("--touch-memory must be between 0 and \(total - 1) GiB (this machine has \(total)), got \(touchMemory)")
        }
    }

    func run() async throws {
        var options = BenchRunner.Options()
        options.quick = quick || smoke
        options.smoke = smoke
        options.executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        options.runs = runs
        options.workloadDirectory = emitWorkload.map { URL(fileURLWithPath: $0, isDirectory: true) }
        options.only = only.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        let progress = ProgressLine()
        if touchMemory > 0 {
            progress.note("touching \(touchMemory) GiB of memory before measuring")
            MemoryToucher.touch(gibibytes: touchMemory)
        }
        let chosen = options
        let figures: [Figure]
        do {
            figures = try await Self.onOwnThread {
                try BenchRunner(options: chosen, progress: { line in progress.note(line) },
                                groupsDone: { done, total in progress.update("bench", done: done, total: total, unit: "groups") }).run()
            }
        } catch let error as BenchError {
            throw CLIError(error.description)
        }
        progress.finish()
        if json {
            print(BenchReport.json(figures), terminator: "")
        } else {
            var machine = MachineDescription.current()
            if touchMemory > 0 { machine.buildConfiguration += ", \(touchMemory) GiB of memory touched first" }
            print(BenchReport.table(figures, machine: machine), terminator: "")
        }
    }

    /// Runs `body` on a thread of its own and waits for it without holding a thread.
    ///
    /// The harness is synchronous and blocks while the async work it measures runs (its
    /// `blocking` helpers wait on a semaphore). Called from this async command it would block
    /// one of Swift concurrency's cooperative threads, one per core: on two cores that left the
    /// measured tasks one thread, so no figure could show the second core in use.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = "bench"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

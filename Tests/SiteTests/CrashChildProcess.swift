import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Finds and runs `sitestream-crash-child`, which SwiftPM builds next to the test bundle (the
/// same search the SnapshotStore tests use).
enum CrashChild {
    static func executable() throws -> URL {
        var directories: [URL] = [
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        for directory in directories {
            for candidate in [directory, directory.deletingLastPathComponent()] {
                let url = candidate.appendingPathComponent("sitestream-crash-child")
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
        }
        Issue.record("sitestream-crash-child not found near \(directories.map(\.path)); run `swift build --build-tests` first")
        throw CancellationError()
    }

    /// Starts the child with `arguments`; its stdout lines are collected, stderr goes to a pipe
    /// read when it ends.
    static func start(_ arguments: [String]) throws -> RunningChild {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        return RunningChild(process: process, lines: LineCollector(stdout.fileHandleForReading), stderr: stderr)
    }

    /// Polls `condition` every 2 ms until it holds or `seconds` pass (generous bounds only).
    static func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(2000)
        }
        return try condition()
    }
}

struct RunningChild {
    let process: Process
    let lines: LineCollector
    let stderr: Pipe

    /// SIGKILLs the child (if still running) and waits for it and for the end of its output.
    /// Returns true when the kill ended it, false when it had already exited by itself.
    func kill() -> Bool {
        let running = process.isRunning
        if running { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        _ = CrashChild.waitUntil(seconds: 30) { lines.isFinished }
        return running && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    var errorOutput: String {
        String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

/// Collects a child's stdout lines on a thread of its own.
final class LineCollector: Sendable {
    private let lines = Mutex<[String]>([])
    private let finished = Mutex(false)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                pending.append(data)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    lines.withLock { $0.append(line) }
                }
            }
            finished.withLock { $0 = true }
        }
    }

    var count: Int { lines.withLock { $0.count } }
    var isFinished: Bool { finished.withLock { $0 } }
    var all: [String] { lines.withLock { $0 } }
}

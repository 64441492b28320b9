import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Finds and runs `sitestream-crash-child`, which `swift build --build-tests` puts next to the
/// test bundle. Shared by every test target that kills a child process.
public enum CrashChild {
    public struct NotFound: Error, CustomStringConvertible {
        public var description: String
    }

    /// The child's path, searched near the test bundle and the running executable.
    public static func executable() throws -> URL {
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
        throw NotFound(description: "sitestream-crash-child not found near \(directories.map(\.path)); run `swift build --build-tests` first")
    }

    /// Starts the child with `arguments`; stdout goes to `stdout` when given, stderr to ours.
    public static func start(_ arguments: [String], stdout: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        if let stdout { process.standardOutput = stdout }
        try process.run()
        return process
    }

    /// Starts the child with its stdout lines collected and its stderr kept for a failure message.
    public static func startCollecting(_ arguments: [String]) throws -> RunningChild {
        let stdout = Pipe(), stderr = Pipe()
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        return RunningChild(process: process, lines: LineCollector(stdout.fileHandleForReading), stderr: stderr)
    }

    /// Polls `condition` every 2 ms until it holds or `seconds` pass (bound generously).
    public static func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(2000)
        }
        return try condition()
    }

    /// SIGKILLs `process` and waits for it.
    public static func kill(_ process: Process) {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A child started by `CrashChild.startCollecting`.
public struct RunningChild: Sendable {
    public let process: Process
    public let lines: LineCollector
    public let stderr: Pipe

    /// SIGKILLs the child (if still running) and waits for it and for the end of its output.
    /// Returns true when the kill ended it, false when it had already exited by itself.
    public func kill() -> Bool {
        let running = process.isRunning
        if running { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        _ = CrashChild.waitUntil(seconds: 30) { lines.isFinished }
        return running && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    public var errorOutput: String {
        String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

import Foundation
import Testing

/// Finds and runs `sitestream-crash-child`, which SwiftPM builds next to the test bundle.
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

    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        try process.run()
        return process
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

    static func kill(_ process: Process) {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

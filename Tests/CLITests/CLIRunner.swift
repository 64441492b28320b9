import Foundation
import SiteStreamJSON

/// Runs the `sitestream` binary built next to the test bundle and captures what it printed.
struct CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: JSON? { try? JSON(parsing: stdout) }
    }

    let binary: URL

    init() throws {
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        let candidates = [
            argument0.deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        guard let found = candidates.map({ $0.appendingPathComponent("sitestream") })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CLIRunnerError("sitestream not found next to \(argument0.path); build with `swift build --build-tests`")
        }
        binary = found
    }

    /// Runs `sitestream ARGS…` to completion (stdin closed).
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
        let stderrData = OnceValue<Data>()
        let reader = Thread { stderrData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderrBytes = stderrData.waitForValue()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrBytes, as: UTF8.self))
    }
}

extension CLIRunner {
    /// Runs `sitestream ARGS…` with its stderr on a pseudo-terminal (as a person at a terminal
    /// sees it: progress bars are drawn only there) and its stdout on a pipe; `stderr` is what
    /// the terminal received. The corresponding C functions are `posix_openpt`, `grantpt`,
    /// `unlockpt` and `ptsname`.
    func runOnTerminal(_ arguments: [String]) throws -> Result {
        let master = posix_openpt(O_RDWR | O_NOCTTY)
        guard master >= 0, grantpt(master) == 0, unlockpt(master) == 0, let name = ptsname(master) else {
            throw CLIRunnerError("no pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        defer { close(master) }
        let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw CLIRunnerError("cannot open \(String(cString: name))") }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        close(slave)
        // The terminal's bytes until the child closed its side (read then fails with EIO).
        let terminal = OnceValue<Data>()
        let reader = Thread {
            var bytes = Data()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                bytes.append(contentsOf: buffer[0..<n])
            }
            terminal.set(bytes)
        }
        reader.start()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: terminal.waitForValue(), as: UTF8.self))
    }
}

// <stdlib.h>'s pseudo-terminal calls, which the Glibc module leaves out (they need
// _XOPEN_SOURCE).
@_silgen_name("posix_openpt") private func posix_openpt(_ flags: Int32) -> Int32
@_silgen_name("grantpt") private func grantpt(_ fd: Int32) -> Int32
@_silgen_name("unlockpt") private func unlockpt(_ fd: Int32) -> Int32
@_silgen_name("ptsname") private func ptsname(_ fd: Int32) -> UnsafeMutablePointer<CChar>?

struct CLIRunnerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A value set once by one thread and awaited by another.
final class OnceValue<Value>: @unchecked Sendable {
    // @unchecked: every access goes through `condition`.
    private let condition = NSCondition()
    private var value: Value?

    func set(_ newValue: Value) {
        condition.lock()
        value = newValue
        condition.broadcast()
        condition.unlock()
    }

    func waitForValue() -> Value {
        condition.lock()
        defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}

/// A fresh temporary directory for one test.
func temporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("sitestream-cli-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

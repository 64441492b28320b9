import Foundation
import Glibc

/// `wrk` (https://github.com/wg/wrk) as the load generator for document reads, when it is
/// installed: the same closed loop as `RESTLoad` (`connections` keep-alive connections, one
/// request in flight on each), driven by two epoll threads in a process of their own.
///
/// The in-process generator spends its CPU inside the measured process and takes a thread
/// per connection; `wrk` spends less per request and is measured apart, so the figure shows
/// what the server does when its load generator is lean. Its CPU is reported too: it still
/// shares the same two cores with the server.
struct RESTWrkLoad {
    struct Result {
        var requests: Int
        var seconds: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        /// CPU seconds of this process (the server) and of `wrk`, over the run.
        var serverCPU: Double
        var clientCPU: Double

        var rate: Double { Double(requests) / seconds }
        var serverCPUMicrosPerRequest: Double { serverCPU / Double(requests) * 1e6 }
        var clientCPUMicrosPerRequest: Double { clientCPU / Double(requests) * 1e6 }
    }

    /// `wrk` on the `PATH`, if any.
    static var executable: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("wrk") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `wrk` for `seconds` against `port`, each request a GET of one of `paths` (cycled,
    /// each thread from its own starting point) with `authorization`. Every reply must be a
    /// success.
    static func drive(executable: URL, port: Int, paths: [String], authorization: String, connections: Int,
                      seconds: Int, directory: URL) throws -> Result {
        let script = directory.appendingPathComponent("gets.lua")
        try Self.script(paths: paths, authorization: authorization).write(to: script, atomically: true, encoding: .utf8)
        let cpuBefore = RESTLoad.processCPUSeconds()
        let child = try CatchUpBenchmarks.run(executable, ["-t2", "-c\(connections)", "-d\(seconds)s", "-s", script.path,
                                                           "http://127.0.0.1:\(port)/"], what: "wrk")
        let serverCPU = RESTLoad.processCPUSeconds() - cpuBefore
        // The script's `done` prints: requests, duration µs, p50 µs, p99 µs, errors.
        guard let line = child.stdout.split(separator: "\n").first(where: { $0.hasPrefix("SITESTREAM ") }),
              case let fields = line.split(separator: " ").dropFirst().compactMap({ Double($0) }), fields.count == 5
        else { throw BenchError("rest: wrk printed no summary: \(child.stdout)") }
        guard fields[4] == 0 else { throw BenchError("rest: wrk saw \(Int(fields[4])) failed requests (non-2xx or socket errors): \(child.stdout)") }
        return Result(requests: Int(fields[0]), seconds: fields[1] / 1e6, p50Milliseconds: fields[2] / 1e3, p99Milliseconds: fields[3] / 1e3,
                      serverCPU: serverCPU, clientCPU: child.cpuSeconds)
    }

    /// The Lua script: requests made once per thread in `init`, then handed out in turn.
    static func script(paths: [String], authorization: String) -> String {
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        return """
            local paths = {\(paths.map(quoted).joined(separator: ","))}
            local requests = {}
            local i = 0
            local threads = 0
            function setup(thread)
              threads = threads + 1
              thread:set("first", threads * 7919)
            end
            function init(args)
              for k, path in ipairs(paths) do
                requests[k] = wrk.format("GET", path, {["Authorization"] = \(quoted(authorization))})
              end
              i = first % #requests
            end
            function request()
              i = i % #requests + 1
              return requests[i]
            end
            function done(summary, latency, requests)
              local e = summary.errors
              io.write(string.format("SITESTREAM %d %d %d %d %d\\n", summary.requests, summary.duration,
                latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
            end

            """
    }
}

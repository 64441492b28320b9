import Foundation
import SiteStreamJSON

/// What the two-site CLI tests start from: a head office (`ho`) and a branch (`br`) created
/// with `sitestream init` in a fresh directory, and an API key pair made on the head office.
struct TwoSites {
    let dir: URL
    let ho: String
    let br: String
    let key: String
    let secret: String

    init(_ cli: CLIRunner, label: String) throws {
        dir = try temporaryDirectory(label)
        ho = dir.appendingPathComponent("ho").path
        br = dir.appendingPathComponent("br").path
        for (site, name) in [(ho, "head-office"), (br, "branch")] {
            let made = try cli.run(["init", "--site", site, "--name", name])
            guard made.status == 0 else { throw CLIRunnerError("init \(name) failed: \(made.stderr)") }
        }
        let keys = try cli.run(["keys", "create", "--site", ho, "--json"])
        guard let key = keys.json?["api_key"]?.stringValue, let secret = keys.json?["api_secret"]?.stringValue else {
            throw CLIRunnerError("keys create printed no key pair: \(keys.stdout) \(keys.stderr)")
        }
        self.key = key
        self.secret = secret
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// `sitestream serve` on a site, on a free port, as its own process; `url` is read from the
/// `server.json` the server writes once it listens.
struct ServeProcess {
    let process: Process
    let url: String

    init(_ cli: CLIRunner, site: String) throws {
        let process = Process()
        process.executableURL = cli.binary
        process.arguments = ["serve", "--site", site, "--port", "0", "--log-level", "warning"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let serverFile = URL(fileURLWithPath: site).appendingPathComponent("server.json").path
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: serverFile), Date() < deadline { usleep(50_000) }
        guard let data = FileManager.default.contents(atPath: serverFile),
              let url = (try? JSON(parsing: [UInt8](data)))?["url"]?.stringValue else {
            process.terminate()
            process.waitUntilExit()
            throw CLIRunnerError("sitestream serve wrote no readable \(serverFile) within 60 s")
        }
        self.url = url
    }

    /// SIGTERM (a clean shutdown) and wait for the exit.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

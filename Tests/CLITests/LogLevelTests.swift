import Foundation
import Testing

/// `--log-level` is accepted by every command, not only `serve`, and a bad level is refused
/// with a message naming the accepted ones.
@Suite struct LogLevelTests {
    @Test func everyCommandTakesLogLevel() throws {
        let cli = try CLIRunner()
        let dir = try temporaryDirectory("log-level")
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = dir.appendingPathComponent("s").path
        let created = try cli.run(["init", "--site", site, "--name", "s", "--log-level", "error"])
        #expect(created.status == 0, "\(created.stderr)")
        for arguments in [["doc", "list", "--site", site, "User"], ["log", "verify", "--site", site], ["keys", "create", "--site", site],
                          ["sync-log", "list", "--site", site], ["producer", "list", "--site", site]] {
            let result = try cli.run(arguments + ["--log-level", "debug"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        for arguments in [["doc", "list", "--site", site, "User"], ["demo"], ["bench"], ["serve", "--site", site]] {
            let refused = try cli.run(arguments + ["--log-level", "loud"])
            #expect(refused.status != 0, "\(arguments) accepted --log-level loud")
            #expect(refused.stderr.contains("--log-level must be one of trace, debug, info"), "\(arguments): \(refused.stderr)")
        }
    }
}

import Foundation
import SiteStreamJSON
import Testing

@Suite(.serialized) struct ServeTests {
    /// Polls `condition` every 50 ms for up to `seconds`.
    func wait(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    @Test func theCommandLineGoesThroughARunningServerAndSIGTERMStopsItCleanly() throws {
        let cli = try CLIRunner()
        let dir = try temporaryDirectory("serve")
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = dir.appendingPathComponent("ho").path
        #expect(try cli.run(["init", "--site", site, "--name", "ho"]).status == 0)

        let server = Process()
        server.executableURL = cli.binary
        server.arguments = ["serve", "--site", site, "--port", "0", "--log-level", "warning"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        let serverFile = dir.appendingPathComponent("ho/server.json").path
        #expect(wait(seconds: 60) { FileManager.default.fileExists(atPath: serverFile) }, "server.json never appeared")
        let attributes = try FileManager.default.attributesOfItem(atPath: serverFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        // The site is locked by the server, yet every command works: it goes through the server.
        #expect(try cli.run(["doc", "insert", "--site", site, "Customer Group", "--data", #"{"customer_group_name": "Retail"}"#]).status == 0)
        #expect(try cli.run(["doc", "insert", "--site", site, "Territory", "--data", #"{"territory_name": "North"}"#]).status == 0)
        let inserted = try cli.run(["doc", "insert", "--site", site, "Customer", "--json", "--data",
                                    #"{"customer_name": "Ana", "customer_type": "Individual", "customer_group": "Retail", "territory": "North"}"#])
        #expect(inserted.status == 0, "\(inserted.stderr)")
        #expect(inserted.json?["name"] == "Ana")
        let refused = try cli.run(["doc", "delete", "--site", site, "Customer Group", "Retail"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("linked from Customer Ana"), "\(refused.stderr)")
        let list = try cli.run(["doc", "list", "--site", site, "Customer", "--json"])
        #expect(list.json?.arrayValue?.map { $0["name"] } == ["Ana"])

        // A key made through the server works for an outside client, and its secret is never read back.
        let keys = try cli.run(["keys", "create", "--site", site, "--json"])
        #expect(keys.status == 0, "\(keys.stderr)")
        let user = try cli.run(["doc", "get", "--site", site, "User", "Administrator"])
        #expect(user.json?["api_key"] == keys.json?["api_key"])
        #expect(user.json?["api_secret"] == nil)
        #expect(!user.stdout.contains(keys.json?["api_secret"]?.stringValue ?? "-"))

        server.interrupt()  // SIGINT; SIGTERM takes the same path
        #expect(wait(seconds: 60) { !server.isRunning }, "the server did not stop")
        #expect(server.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: serverFile))
        // The site opens directly again and holds what the server acknowledged.
        let after = try cli.run(["doc", "get", "--site", site, "Customer", "Ana"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.json?["territory"] == "North")
    }
}

import Foundation
import SiteStreamJSON
import Testing

/// Both sites served, every command through a server: `producer add` on a served branch saves
/// its `Event Producer` through the branch's server, which registers with the head office at
/// once and starts pulling; approval goes through the head office's server; `pull`,
/// `producer list|status|backfill`, `sync-log list|show|resync`, `log tail`, `export` and `import`
/// go through the servers, and no server is stopped.
@Suite(.serialized) struct ServedBranchCLITests {
    @Test func producerAddOnAServedBranch() throws {
        let cli = try CLIRunner()
        let sites = try TwoSites(cli, label: "served-branch")
        defer { sites.remove() }
        let ho = sites.ho, br = sites.br, key = sites.key, secret = sites.secret

        let office = try ServeProcess(cli, site: ho)
        defer { office.stop() }
        let branch = try ServeProcess(cli, site: br)
        defer { branch.stop() }

        for (doctype, data) in [("Customer Group", #"{"customer_group_name": "Retail"}"#),
                                ("Customer", #"{"customer_name": "Ana", "customer_type": "Individual", "customer_group": "Retail"}"#)] {
            let r = try cli.run(["doc", "insert", "--site", ho, doctype, "--data", data])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let add = ["producer", "add", "--site", br, "--url", office.url, "--api-key", key]
        let wrongSecret = try cli.run(add + ["--api-secret", "nope", "--doctype", "Customer;same-name"])
        #expect(wrongSecret.status != 0)
        #expect(wrongSecret.stderr.contains("401"), "\(wrongSecret.stderr)")

        let added = try cli.run(add + ["--api-secret", secret, "--doctype", "Customer;same-name", "--json"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.json?["producer"] == "head-office", "\(added.stdout)")
        #expect(added.json?["doctypes"]?[0]?["status"] == "Pending", "\(added.stdout)")
        let approved = try cli.run(["consumer", "approve", "--site", ho, "--consumer", "branch", "--doctype", "Customer"])
        #expect(approved.status == 0, "\(approved.stderr)")

        // `pull` on the served branch: through its server's pull loop, now.
        #expect(try cli.run(["doc", "update", "--site", ho, "Customer", "Ana", "--data", #"{"mobile_no": "555-0100"}"#]).status == 0)
        let pulled = try cli.run(["pull", "--site", br])
        #expect(pulled.status == 0, "\(pulled.stderr)")
        #expect(pulled.stdout.contains("head-office:"), "\(pulled.stdout)")
        let copy = try cli.run(["doc", "get", "--site", br, "Customer", "Ana", "--json"])
        #expect(copy.json?["mobile_no"] == "555-0100", "\(copy.stdout) \(copy.stderr)")
        #expect(try cli.run(["pull", "--site", br, "--producer", office.url]).stdout.contains("head-office:"))
        let unknown = try cli.run(["pull", "--site", br, "--producer", "nowhere"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("nowhere"), "\(unknown.stderr)")

        // `producer list|status` on the served branch, as when it opens the site itself.
        let listed = try cli.run(["producer", "list", "--site", br, "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.json?[0]?["producer"] == "head-office", "\(listed.stdout)")
        #expect(listed.json?[0]?["doctypes"]?[0]?["status"] == "Approved", "\(listed.stdout)")
        #expect((listed.json?[0]?["watermark"]?["synced"]?.intValue ?? 0) >= 1, "\(listed.stdout)")
        let status = try cli.run(["producer", "status", "--site", br, "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.json?[0]?["lag"]?["doctypes"]?[0]?["entries"] == 0, "\(status.stdout)")
        let table = try cli.run(["producer", "status", "--site", br])
        #expect(table.stdout.contains("Customer") && table.stdout.contains("Approved"), "\(table.stdout)")

        // A failure on the served branch (it has its own Ben already): parked, listed, shown and
        // resynced through the branch's server once the cause is gone.
        #expect(try cli.run(["doc", "insert", "--site", br, "Customer", "--data",
                             #"{"customer_name": "Ben", "customer_type": "Individual", "customer_group": "Retail"}"#]).status == 0)
        #expect(try cli.run(["doc", "insert", "--site", ho, "Customer", "--data",
                             #"{"customer_name": "Ben", "customer_type": "Company", "customer_group": "Retail"}"#]).status == 0)
        let parked = try cli.run(["pull", "--site", br])
        #expect(parked.stdout.contains("1 failed"), "\(parked.stdout) \(parked.stderr)")
        let failures = try cli.run(["sync-log", "list", "--site", br, "--status", "Failed", "--json"])
        #expect(failures.status == 0, "\(failures.stderr)")
        #expect(failures.json?.arrayValue?.count == 1, "\(failures.stdout)")
        #expect(failures.json?[0]?["remote_name"] == "Ben", "\(failures.stdout)")
        let id = try #require(failures.json?[0]?["id"]?.stringValue)
        let shown = try cli.run(["sync-log", "show", "--site", br, id])
        #expect(shown.json?["error"]?.stringValue?.isEmpty == false, "\(shown.stdout) \(shown.stderr)")
        #expect(try cli.run(["doc", "delete", "--site", br, "Customer", "Ben"]).status == 0)
        let resynced = try cli.run(["sync-log", "resync", "--site", br, "--failed"])
        #expect(resynced.status == 0, "\(resynced.stderr)")
        #expect(resynced.stdout.contains("1 record(s) synced"), "\(resynced.stdout)")
        #expect(try cli.run(["doc", "get", "--site", br, "Customer", "Ben", "--json"]).json?["customer_type"] == "Company")

        // The served head office's log: `tail` through its server, `verify` reading the files.
        let tail = try cli.run(["log", "tail", "--site", ho, "--limit", "3", "--json"])
        #expect(tail.status == 0, "\(tail.stderr)")
        #expect(tail.json?.arrayValue?.count == 3, "\(tail.stdout)")
        #expect(tail.json?[0]?["seq"] == 1, "\(tail.stdout)")
        let rest = try cli.run(["log", "tail", "--site", ho, "--after", tail.json?[2]?["cursor"]?.stringValue ?? "", "--limit", "0", "--json"])
        #expect(rest.json?[0]?["seq"] == 4, "\(rest.stdout) \(rest.stderr)")
        #expect(try cli.run(["log", "verify", "--site", ho]).status == 0)

        // `producer backfill` through the server: every Customer the head office has now.
        let backfill = try cli.run(["producer", "backfill", "--site", br, "--producer", "head-office", "--json"])
        #expect(backfill.status == 0, "\(backfill.stderr)")
        #expect(backfill.json?["completed"] == ["Customer"], "\(backfill.stdout)")
        #expect((backfill.json?["received"]?.intValue ?? 0) >= 2, "\(backfill.stdout)")

        // Offline catch-up with both sites served: export by the head office's server from the
        // branch's watermark, import by the branch's server.
        let watermark = try #require(try cli.run(["producer", "status", "--site", br, "--json"]).json?[0]?["watermark"]?["cursor"]?.stringValue)
        #expect(try cli.run(["doc", "insert", "--site", ho, "Customer", "--data",
                             #"{"customer_name": "Cara", "customer_type": "Company", "customer_group": "Retail"}"#]).status == 0)
        let bundle = sites.dir.appendingPathComponent("bundle").path
        let exported = try cli.run(["export", "--site", ho, "--consumer", "branch", "--out", bundle, "--from", watermark, "--json"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect((exported.json?["entries"]?.intValue ?? 0) >= 1, "\(exported.stdout)")
        let imported = try cli.run(["import", "--site", br, bundle, "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.json?["kind"] == "bundle", "\(imported.stdout)")
        #expect(try cli.run(["doc", "get", "--site", br, "Customer", "Cara"]).status == 0)
    }
}

import Foundation
import SiteStreamJSON
import Testing

/// Both sites served, every command through a server: `producer add` on a served branch saves
/// its `Event Producer` through the branch's server, which registers with the head office at
/// once and starts pulling; approval goes through the head office's server; `pull` and
/// `producer list|status` on the branch go through its server, and no server is stopped.
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
    }
}

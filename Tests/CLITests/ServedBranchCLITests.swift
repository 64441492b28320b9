import Foundation
import SiteStreamJSON
import Testing

/// Both sites served, every command through a server: `producer add` on a served branch saves
/// its `Event Producer` through the branch's server, which registers with the head office at
/// once and starts pulling; approval goes through the head office's server; changes arrive
/// by pings, with no `pull` and no server stopped.
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

        // A change at the head office reaches the served branch by its ping (or its poll).
        #expect(try cli.run(["doc", "update", "--site", ho, "Customer", "Ana", "--data", #"{"mobile_no": "555-0100"}"#]).status == 0)
        let deadline = Date().addingTimeInterval(90)  // no --url on the branch: no pings, its 30 s poll
        var copy = try cli.run(["doc", "get", "--site", br, "Customer", "Ana", "--json"])
        while copy.json?["mobile_no"] != "555-0100", Date() < deadline {
            usleep(200_000)
            copy = try cli.run(["doc", "get", "--site", br, "Customer", "Ana", "--json"])
        }
        #expect(copy.json?["mobile_no"] == "555-0100", "\(copy.stdout) \(copy.stderr)")
    }
}

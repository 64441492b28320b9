import Foundation
import SiteStreamJSON
import Testing

/// The README's two-site tutorial, command by command: a served head office, a branch that
/// subscribes, approval through the server, a pull over HTTP.
@Suite(.serialized) struct TwoSiteTutorialTests {
    @Test func aBranchSubscribesGetsApprovedAndPulls() throws {
        let cli = try CLIRunner()
        let sites = try TwoSites(cli, label: "tutorial")
        defer { sites.remove() }
        let ho = sites.ho, br = sites.br, key = sites.key, secret = sites.secret

        let server = try ServeProcess(cli, site: ho)
        defer { server.stop() }
        let url = server.url

        for (doctype, data) in [("Customer Group", #"{"customer_group_name": "Retail"}"#), ("Territory", #"{"territory_name": "North"}"#),
                                ("Customer", #"{"customer_name": "Ana", "customer_type": "Individual", "customer_group": "Retail", "territory": "North"}"#)] {
            let r = try cli.run(["doc", "insert", "--site", ho, doctype, "--data", data])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let added = try cli.run(["producer", "add", "--site", br, "--url", url, "--api-key", key, "--api-secret", secret, "--doctype", "Customer;same-name"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("Pending"))
        let badSpec = try cli.run(["producer", "add", "--site", br, "--url", url, "--api-key", key, "--api-secret", secret, "--doctype", "Customer;sideways"])
        #expect(badSpec.status != 0)
        #expect(badSpec.stderr.contains("sideways"))
        let wrongSecret = try cli.run(["producer", "add", "--site", br, "--url", url, "--api-key", key, "--api-secret", "nope", "--doctype", "Customer"])
        #expect(wrongSecret.status != 0)
        #expect(wrongSecret.stderr.contains("401"), "\(wrongSecret.stderr)")

        // Nothing arrives before approval.
        #expect(try cli.run(["doc", "update", "--site", ho, "Customer", "Ana", "--data", #"{"mobile_no": "1"}"#]).status == 0)
        #expect(try cli.run(["pull", "--site", br]).status == 0)
        #expect(try cli.run(["doc", "get", "--site", br, "Customer", "Ana"]).status != 0)

        let approved = try cli.run(["consumer", "approve", "--site", ho, "--consumer", "branch", "--doctype", "Customer"])
        #expect(approved.status == 0, "\(approved.stderr)")
        let consumers = try cli.run(["consumer", "list", "--site", ho, "--json"])
        #expect(consumers.json?[0]?["doctypes"]?[0]?["status"] == "Approved")

        #expect(try cli.run(["doc", "update", "--site", ho, "Customer", "Ana", "--data", #"{"mobile_no": "555"}"#]).status == 0)
        let pulled = try cli.run(["pull", "--site", br])
        #expect(pulled.status == 0, "\(pulled.stderr)")
        let copy = try cli.run(["doc", "get", "--site", br, "Customer", "Ana"])
        #expect(copy.json?["mobile_no"] == "555")
        #expect(copy.json?["customer_group"] == "Retail")  // its link target was fetched too
        let status = try cli.run(["producer", "status", "--site", br, "--json"])
        #expect(status.json?[0]?["producer"] == "head-office")
        #expect((status.json?[0]?["watermark"]?["synced"]?.intValue ?? 0) >= 1)
    }
}

import Foundation
import SiteStreamJSON
import Testing

/// `sitestream export` and `sitestream import` as the README's offline catch-up walks through
/// them: a branch subscribed online, then cut off; a bundle carried over; refusals as one line
/// with a non-zero status; importing again changes nothing.
@Suite(.serialized) struct BundleCLITests {
    @Test func exportCarryImportAndRefusals() throws {
        let cli = try CLIRunner()
        let sites = try TwoSites(cli, label: "bundle-cli")
        defer { sites.remove() }
        let dir = sites.dir, ho = sites.ho, br = sites.br, key = sites.key, secret = sites.secret

        // Online once, to subscribe (the bundle key comes with the register reply). The
        // `--option=value` form, since a random secret may begin with "-".
        do {
            let server = try ServeProcess(cli, site: ho)
            defer { server.stop() }
            let url = server.url
            let added = try cli.run(["producer", "add", "--site", br, "--url", url, "--api-key=\(key)", "--api-secret=\(secret)", "--doctype", "Customer;same-name"])
            #expect(added.status == 0, "\(added.stderr)")
            #expect(try cli.run(["consumer", "approve", "--site", ho, "--consumer", "branch", "--doctype", "Customer"]).status == 0)
        }
        // Offline from here on: the head office works on.
        for (doctype, data) in [("Customer Group", #"{"customer_group_name": "Retail"}"#),
                                ("Customer", #"{"customer_name": "Ana", "customer_type": "Individual", "customer_group": "Retail"}"#),
                                ("Customer", #"{"customer_name": "Bo", "customer_type": "Company", "customer_group": "Retail"}"#)] {
            let r = try cli.run(["doc", "insert", "--site", ho, doctype, "--data", data])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let bundle = dir.appendingPathComponent("carried").path
        let exported = try cli.run(["export", "--site", ho, "--consumer", "branch", "--out", bundle, "--json"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.json?["entries"]?.intValue == 2)
        #expect(exported.json?["documents"]?.intValue == 1)  // the Customer Group travels with them
        // Off a terminal the progress is plain lines on stderr, ending at the whole range.
        #expect(exported.stderr.contains("exporting for branch: "), "\(exported.stderr)")
        #expect(exported.stderr.contains("(100%)"), "\(exported.stderr)")

        func oneLineError(_ r: CLIRunner.Result, _ fragment: String) {
            #expect(r.status != 0)
            let lines = r.stderr.split(separator: "\n").filter { !$0.isEmpty }
            #expect(lines.count == 1, "\(r.stderr)")
            #expect(r.stderr.contains(fragment), "\(r.stderr)")
        }
        oneLineError(try cli.run(["export", "--site", ho, "--consumer", "branch", "--out", bundle]), "exists already")
        oneLineError(try cli.run(["export", "--site", ho, "--consumer", "nobody", "--out", bundle + "-2"]), "nobody")
        oneLineError(try cli.run(["export", "--site", ho, "--consumer", "branch", "--out", bundle + "-3", "--from", "1:7"]), "1:7")

        // A damaged copy is refused whole: nothing of it reaches the branch.
        let damaged = dir.appendingPathComponent("damaged").path
        try FileManager.default.copyItem(atPath: bundle, toPath: damaged)
        let records = try #require(try FileManager.default.contentsOfDirectory(atPath: damaged).first { $0.hasSuffix(".records") })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: damaged + "/" + records))
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: damaged + "/" + records))
        oneLineError(try cli.run(["import", "--site", br, damaged]), "fails its checksum")
        #expect(try cli.run(["doc", "get", "--site", br, "Customer", "Ana"]).status != 0)
        oneLineError(try cli.run(["import", "--site", br, dir.appendingPathComponent("nowhere").path]), "not a directory")

        let imported = try cli.run(["import", "--site", br, bundle, "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.json?["synced"]?.intValue == 2)
        #expect(imported.json?["kind"] == "bundle")
        #expect(imported.stderr.contains("importing carried: "), "\(imported.stderr)")
        #expect(imported.stderr.contains("(100%)"), "\(imported.stderr)")
        let copy = try cli.run(["doc", "get", "--site", br, "Customer", "Bo"])
        #expect(copy.json?["customer_group"] == "Retail")
        #expect(try cli.run(["doc", "get", "--site", br, "Customer Group", "Retail"]).status == 0)
        let again = try cli.run(["import", "--site", br, bundle])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("0 synced"), "\(again.stdout)")
        let status = try cli.run(["producer", "status", "--site", br, "--json"])
        #expect(status.json?[0]?["watermark"]?["synced"]?.intValue == 2)

        // On a terminal, export and import draw a progress bar (rewritten in place with \r).
        let more = try cli.run(["doc", "insert", "--site", ho, "Customer", "--data", #"{"customer_name": "Cy", "customer_type": "Company", "customer_group": "Retail"}"#])
        #expect(more.status == 0, "\(more.stderr)")
        let second = dir.appendingPathComponent("carried-2").path
        let exportedOnTerminal = try cli.runOnTerminal(["export", "--site", ho, "--consumer", "branch", "--out", second])
        #expect(exportedOnTerminal.status == 0, "\(exportedOnTerminal.stderr)")
        #expect(exportedOnTerminal.stderr.contains("\rexporting for branch  [####################]  100%"), "\(exportedOnTerminal.stderr)")
        let importedOnTerminal = try cli.runOnTerminal(["import", "--site", br, second])
        #expect(importedOnTerminal.status == 0, "\(importedOnTerminal.stderr)")
        #expect(importedOnTerminal.stdout.contains("1 synced"), "\(importedOnTerminal.stdout)")
        #expect(importedOnTerminal.stderr.contains("\rimporting carried-2  [####################]  100%"), "\(importedOnTerminal.stderr)")
    }
}

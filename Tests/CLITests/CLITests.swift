import Foundation
import SiteStreamJSON
import Testing

@Suite(.serialized) struct CLITests {
    @Test func aSiteFromTheCommandLine() throws {
        let cli = try CLIRunner()
        let dir = try temporaryDirectory("doc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = dir.appendingPathComponent("ho").path

        let created = try cli.run(["init", "--site", site, "--name", "ho", "--json"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.json?["name"] == "ho")
        #expect(try cli.run(["init", "--site", site, "--name", "again"]).status != 0)

        #expect(try cli.run(["doc", "insert", "--site", site, "Customer Group", "--data", #"{"customer_group_name": "Retail"}"#]).status == 0)
        #expect(try cli.run(["doc", "insert", "--site", site, "Territory", "--data", #"{"territory_name": "North"}"#]).status == 0)
        let customer = try cli.run(["doc", "insert", "--site", site, "Customer", "--json", "--data",
                                    #"{"customer_name": "Ana", "customer_type": "Individual", "customer_group": "Retail", "territory": "North"}"#])
        #expect(customer.status == 0, "\(customer.stderr)")
        #expect(customer.json?["name"] == "Ana")
        #expect(customer.json?["owner"] == "Administrator")

        // The site comes from SITESTREAM_SITE when --site is not given.
        let updated = try cli.run(["doc", "update", "Customer", "Ana", "--json", "--data", #"{"mobile_no": "555"}"#],
                                  environment: ["SITESTREAM_SITE": site])
        #expect(updated.status == 0, "\(updated.stderr)")
        let got = try cli.run(["doc", "get", "--site", site, "Customer", "Ana"])
        #expect(got.json?["mobile_no"] == "555")
        let list = try cli.run(["doc", "list", "--site", site, "Customer", "--json", "--filters", #"{"territory": "North"}"#])
        #expect(list.json?.arrayValue?.count == 1)

        // Bad input: one clear line on stderr, a non-zero status, nothing written.
        let badJSON = try cli.run(["doc", "insert", "--site", site, "Customer", "--data", #"{"customer_name": "#])
        #expect(badJSON.status != 0)
        #expect(badJSON.stderr.contains("not valid JSON"))
        let unknown = try cli.run(["doc", "insert", "--site", site, "Nope", "--data", "{}"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("Nope"))
        let linked = try cli.run(["doc", "delete", "--site", site, "Customer Group", "Retail"])
        #expect(linked.status != 0)
        #expect(linked.stderr.contains("linked from Customer Ana"))
        let missing = try cli.run(["doc", "get", "--site", site, "Customer", "Nobody"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("not found"))
        let noSite = try cli.run(["doc", "list", "Customer"], environment: ["SITESTREAM_SITE": ""])
        #expect(noSite.status != 0)
        #expect(noSite.stderr.contains("--site"))

        let tail = try cli.run(["log", "tail", "--site", site, "--json", "--limit", "0"])
        let entries = try #require(tail.json?.arrayValue)
        #expect(entries.last?["update_type"] == "Update")
        #expect(entries.last?["ref_doctype"] == "Customer")
        #expect(entries.map { $0["seq"]?.intValue ?? 0 } == Array(1...Int64(entries.count)))
    }

    @Test func logVerifyNamesTheDamagedPlaceAndFails() throws {
        let cli = try CLIRunner()
        let dir = try temporaryDirectory("verify")
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = dir.appendingPathComponent("ho").path
        #expect(try cli.run(["init", "--site", site, "--name", "ho"]).status == 0)
        let clean = try cli.run(["log", "verify", "--site", site])
        #expect(clean.status == 0, "\(clean.stderr)")

        // Flip one byte inside the first record's payload (past the 64-byte segment header).
        let logDir = dir.appendingPathComponent("ho/log")
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: logDir.path).first { $0.hasSuffix(".log") })
        let path = logDir.appendingPathComponent(segment).path
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[200] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))

        let damaged = try cli.run(["log", "verify", "--site", site])
        #expect(damaged.status != 0)
        #expect(damaged.stderr.contains(segment), "\(damaged.stderr)")
        let json = try cli.run(["log", "verify", "--site", site, "--json"])
        #expect(json.status != 0)
        #expect(json.json?["clean"] == false)
        #expect(json.json?["problems"]?[0]?["segment"]?.stringValue == segment)
    }

    @Test func theDemoRunsAndPassesItsCheck() throws {
        let cli = try CLIRunner()
        let result = try cli.run(["demo", "--invoices", "40"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("check passed"))
        // The invoice the head office's credit hold refuses is parked, then resynced.
        #expect(result.stdout.contains("head-office refused branch-north's"), "\(result.stdout)")
        #expect(result.stdout.contains("resynced: 2 parked entries applied"), "\(result.stdout)")
        // The table: one row per site, every consumer caught up, nothing left parked.
        let rows = result.stdout.split(separator: "\n").filter { ["head-office ", "branch-north", "branch-south"].contains(where: $0.hasPrefix) }
            .prefix(3).map { $0.split(separator: " ") }
        #expect(rows.count == 3, "\(result.stdout)")
        for row in rows where row.count == 8 {
            #expect(row[3] == "0", "lag of \(row[0]): \(row)")
            #expect(row[5] == "0" && row[6] == "0", "parked entries left at \(row[0]): \(row)")
        }
        #expect(rows.first.map { $0.count == 8 && $0[7] == "2" } == true, "head-office's Synced sync-log entries: \(rows.first ?? [])")
        // Progress goes to stderr as plain lines when not on a terminal.
        #expect(result.stderr.contains("writing Sales Invoices: 40/40 invoices (100%)"), "\(result.stderr)")
    }
}

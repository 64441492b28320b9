import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON
import Testing

@Suite struct SiteLifecycleTests {
    @Test func aNewSiteHasItsSystemUsersAndRefusesASecondCreate() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url)
        #expect(site.exists("User", "Administrator"))
        #expect(site.exists("User", "Guest"))
        #expect(site.exists("Role", "System Manager"))
        let admin = try #require(try site.get("User", "Administrator"))
        #expect(admin.rows(of: "roles").first?["role"] == "Administrator")
        try site.close()
        await #expect(throws: SiteError.self) {
            try await Site.create(at: SiteLayout(root: dir.url), name: "again", url: nil)
        }
    }

    @Test func insertUpdateSubmitCancelAndDeleteFollowTheRules() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url)
        defer { try? site.close() }
        var generator = ERPDocumentGenerator(seed: 7)
        try await SiteFixture.insertMasterData(site, generator: generator)

        let invoiceJSON = generator.salesInvoice(rows: 3)
        let invoice = try await site.write { tx in try tx.insert(Document(json: invoiceJSON)!) }
        let name = try #require(invoice.name)
        #expect(name.hasPrefix("ACC-SINV-"))
        #expect(invoice.docstatus == 0)
        #expect(invoice.rows(of: "items").count == 3)
        #expect(invoice.rows(of: "items").allSatisfy { $0["parent"]?.stringValue == name })

        // A save with a stale `modified` is refused.
        var stale = invoice
        stale.object["remarks"] = "first"
        _ = try await site.write { tx in try tx.save(stale) }
        stale.object["remarks"] = "second"
        let staleCopy = stale
        await #expect(throws: SiteError.self) { try await site.write { tx in try tx.save(staleCopy) } }
        #expect(try site.get("Sales Invoice", name)?["remarks"] == "first")

        // Submit, then only allow_on_submit fields may change; cancel freezes it.
        let submitted = try await site.write { tx in try tx.submit("Sales Invoice", name) }
        #expect(submitted.docstatus == 1)
        await #expect(throws: SiteError.self) {
            try await site.write { tx in try tx.update("Sales Invoice", name, with: ["customer_name": "Someone Else"]) }
        }
        let cancelled = try await site.write { tx in try tx.cancel("Sales Invoice", name) }
        #expect(cancelled.docstatus == 2)
        await #expect(throws: SiteError.self) {
            try await site.write { tx in try tx.update("Sales Invoice", name, with: ["remarks": "after cancel"]) }
        }

        // A customer linked from a draft invoice cannot be deleted.
        let customer = try #require(invoiceJSON["customer"]?.stringValue)
        var other = generator.salesInvoice(rows: 1)
        other["customer"] = .string(customer)
        let otherJSON = other
        _ = try await site.write { tx in try tx.insert(Document(json: otherJSON)!) }
        let error = await #expect(throws: SiteError.self) {
            try await site.write { tx in try tx.delete("Customer", customer) }
        }
        #expect(error?.code == .linkValidation)
        #expect(error?.message.contains("Sales Invoice") == true)
        #expect(site.exists("Customer", customer))
    }

    @Test func badInputIsRefusedAndLeavesTheStoreUnchanged() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url)
        defer { try? site.close() }
        try await SiteFixture.insertMasterData(site, generator: ERPDocumentGenerator(seed: 3))
        let before = try SiteFixture.snapshot(site)
        let lastSequence = site.log.lastWrittenSequence

        let cases: [(JSON, SiteError.Code, String)] = [
            (["doctype": "Customer", "customer_name": "X", "customer_type": "Company", "customer_group": "Commercial", "no_such_field": 1], .validation, "no_such_field"),
            (["doctype": "Customer", "customer_name": "Y", "customer_type": "Martian", "customer_group": "Commercial"], .validation, "customer_type"),
            (["doctype": "Customer", "customer_name": "Z", "customer_type": "Company", "customer_group": "Nope"], .linkValidation, "Nope"),
            (["doctype": "No Such DocType", "x": 1], .notFound, "No Such DocType"),
            (["doctype": "Customer", "customer_type": "Company"], .validation, "customer_name"),
        ]
        for (json, code, mention) in cases {
            let error = await #expect(throws: SiteError.self) {
                try await site.write { tx in try tx.insert(Document(json: json)!) }
            }
            #expect(error?.code == code, "\(json)")
            #expect(error?.message.contains(mention) == true, "\(error?.message ?? "") should mention \(mention)")
        }
        // A failing write in the middle of a transaction writes none of it.
        await #expect(throws: SiteError.self) {
            try await site.write { tx in
                try tx.insert(Document(doctype: "Territory", ["territory_name": "Atlantis"]))
                try tx.insert(Document(json: ["doctype": "Customer", "customer_name": "Q", "customer_type": "Bogus"])!)
            }
        }
        #expect(!site.exists("Territory", "Atlantis"))
        #expect(try SiteFixture.snapshot(site) == before)
        #expect(site.log.lastWrittenSequence == lastSequence)
    }
}

import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON
import SnapshotStore
import Testing

/// A site with master data and an invoice in each state, for refusal cases to work on.
struct RefusalFixture: Sendable {
    var customer: String
    var item: String
    var draft: Document
    var submitted: Document
    var cancelled: Document

    static func make(_ site: Site) async throws -> RefusalFixture {
        var generator = ERPDocumentGenerator(seed: 31)
        try await SiteFixture.insertMasterData(site, generator: generator)
        let json = (0..<3).map { _ in generator.salesInvoice(rows: 2) }
        return try await site.write { tx in
            let draft = try tx.insert(Document(json: json[0])!)
            var submitted = try tx.insert(Document(json: json[1])!)
            submitted = try tx.submit("Sales Invoice", submitted.name!)
            var cancelled = try tx.insert(Document(json: json[2])!)
            try tx.submit("Sales Invoice", cancelled.name!)
            cancelled = try tx.cancel("Sales Invoice", cancelled.name!)
            return RefusalFixture(customer: draft["customer"]!.stringValue!, item: draft.rows(of: "items")[0]["item_code"]!.stringValue!,
                                  draft: draft, submitted: submitted, cancelled: cancelled)
        }
    }
}

/// One bad write: what it tries, the error code it must get and words its message must hold.
struct Refusal: Sendable, CustomStringConvertible {
    var description: String
    var code: SiteError.Code
    var mentions: [String]
    var attempt: @Sendable (SiteTransaction, RefusalFixture) throws -> Void

    static func invoice(_ f: RefusalFixture, _ change: (inout JSONObject) -> Void) -> Document {
        var o: JSONObject = [
            "doctype": "Sales Invoice", "customer": .string(f.customer), "posting_date": "2026-03-10", "currency": "EUR",
            "conversion_rate": 1,
            "items": [["item_code": .string(f.item), "item_name": "Thing", "qty": 1, "uom": "Nos", "rate": 10]],
        ]
        change(&o)
        return Document(o)
    }

    static let all: [Refusal] = [
        Refusal(description: "customer without a group", code: .validation, mentions: ["customer_group", "Customer Group"]) { tx, _ in
            try tx.insert(Document(doctype: "Customer", ["customer_name": "No Group Ltd", "customer_type": "Company"]))
        },
        Refusal(description: "customer with a blank name", code: .validation, mentions: ["customer_name"]) { tx, _ in
            try tx.insert(Document(doctype: "Customer", name: "Blank", ["customer_name": "   ", "customer_group": "Commercial"]), keepingName: true)
        },
        Refusal(description: "customer name taken", code: .duplicate, mentions: ["already exists"]) { tx, f in
            try tx.insert(Document(doctype: "Customer", ["customer_name": .string(f.customer), "customer_group": "Commercial"]))
        },
        Refusal(description: "unique customer_name under another name", code: .duplicate, mentions: ["customer_name", "unique", "Other Name"]) { tx, f in
            try tx.insert(Document(doctype: "Customer", name: "Other Name", ["customer_name": .string(f.customer), "customer_group": "Commercial"]),
                          keepingName: true)
        },
        Refusal(description: "customer group that does not exist", code: .linkValidation, mentions: ["customer_group", "Martians"]) { tx, _ in
            try tx.insert(Document(doctype: "Customer", ["customer_name": "Far Away", "customer_group": "Martians"]))
        },
        Refusal(description: "customer submitted", code: .validation, mentions: ["submittable"]) { tx, _ in
            try tx.insert(Document(doctype: "Customer", ["customer_name": "Eager", "customer_group": "Commercial", "docstatus": 1]))
        },
        Refusal(description: "invoice for an unknown customer", code: .linkValidation, mentions: ["customer", "Nobody Inc"]) { tx, f in
            try tx.insert(invoice(f) { $0["customer"] = "Nobody Inc" })
        },
        Refusal(description: "invoice row with an unknown item", code: .linkValidation, mentions: ["items.item_code", "NO-SUCH-ITEM"]) { tx, f in
            try tx.insert(invoice(f) { $0["items"] = [["item_code": "NO-SUCH-ITEM", "item_name": "X", "qty": 1, "uom": "Nos", "rate": 1]] })
        },
        // Targets found are looked up once per document; a missing one is named at every place.
        Refusal(description: "the same unknown item in two rows, around a known one", code: .linkValidation,
                mentions: ["items.item_code: could not find Item NO-SUCH-ITEM; items.item_code: could not find Item NO-SUCH-ITEM"]) { tx, f in
            try tx.insert(invoice(f) {
                $0["items"] = [["item_code": "NO-SUCH-ITEM", "item_name": "X", "qty": 1, "uom": "Nos", "rate": 1],
                               ["item_code": .string(f.item), "item_name": "Y", "qty": 1, "uom": "Nos", "rate": 1],
                               ["item_code": "NO-SUCH-ITEM", "item_name": "Z", "qty": 1, "uom": "Nos", "rate": 1]]
            })
        },
        // A save checks the links it changed, in the document and in its rows.
        Refusal(description: "a draft saved with one row's item changed to an unknown one", code: .linkValidation,
                mentions: ["items.item_code: could not find Item NO-SUCH-ITEM"]) { tx, f in
            var draft = try #require(try tx.get("Sales Invoice", f.draft.name!))
            var rows = draft.rows(of: "items")
            rows[rows.count - 1]["item_code"] = "NO-SUCH-ITEM"
            draft.setRows(rows, of: "items")
            try tx.save(draft)
        },
        Refusal(description: "a draft saved with an unknown customer, its rows unchanged", code: .linkValidation,
                mentions: ["customer: could not find Customer Nobody Inc"]) { tx, f in
            try tx.update("Sales Invoice", f.draft.name!, with: ["customer": "Nobody Inc"])
        },
        Refusal(description: "invoice without rows", code: .validation, mentions: ["items"]) { tx, f in
            try tx.insert(invoice(f) { $0["items"] = [] })
        },
        Refusal(description: "invoice row quantity that is not a number", code: .validation, mentions: ["qty", "abc"]) { tx, f in
            try tx.insert(invoice(f) { $0["items"] = [["item_code": .string(f.item), "item_name": "X", "qty": "abc", "uom": "Nos", "rate": 1]] })
        },
        Refusal(description: "invoice due before it is posted", code: .validation, mentions: ["due_date", "posting_date"]) { tx, f in
            try tx.insert(invoice(f) { $0["due_date"] = "2026-03-01" })
        },
        Refusal(description: "invoice inserted cancelled", code: .validation, mentions: ["cancelled"]) { tx, f in
            try tx.insert(invoice(f) { $0["docstatus"] = 2 })
        },
        Refusal(description: "submitting a submitted invoice", code: .validation, mentions: ["docstatus is 1"]) { tx, f in
            try tx.submit("Sales Invoice", f.submitted.name!)
        },
        Refusal(description: "cancelling a draft", code: .validation, mentions: ["docstatus is 0"]) { tx, f in
            try tx.cancel("Sales Invoice", f.draft.name!)
        },
        Refusal(description: "changing a cancelled invoice", code: .validation, mentions: ["cancelled"]) { tx, f in
            try tx.update("Sales Invoice", f.cancelled.name!, with: ["remarks": "too late"])
        },
        Refusal(description: "changing a field not allowed on submit", code: .validation, mentions: ["territory", "Allow on Submit"]) { tx, f in
            try tx.update("Sales Invoice", f.submitted.name!, with: ["territory": "Rest Of The World"])
        },
        Refusal(description: "submitted back to draft", code: .validation, mentions: ["1 to 0"]) { tx, f in
            try tx.update("Sales Invoice", f.submitted.name!, with: ["docstatus": 0])
        },
        Refusal(description: "saving a stale version", code: .timestampMismatch, mentions: ["modified after you opened it"]) { tx, f in
            var stale = f.draft
            stale["remarks"] = "mine"
            stale["modified"] = "2001-01-01 00:00:00.000000"
            try tx.save(stale)
        },
        Refusal(description: "deleting a submitted invoice", code: .validation, mentions: ["cancel it before deleting"]) { tx, f in
            try tx.delete("Sales Invoice", f.submitted.name!)
        },
        Refusal(description: "deleting a linked customer", code: .linkValidation, mentions: ["cannot delete Customer", "Sales Invoice"]) { tx, f in
            try tx.delete("Customer", f.customer)
        },
        Refusal(description: "deleting what is not there", code: .notFound, mentions: ["not found"]) { tx, _ in
            try tx.delete("Customer", "Never Was")
        },
        Refusal(description: "deleting Administrator", code: .permission, mentions: ["Administrator"]) { tx, _ in
            try tx.delete("User", "Administrator")
        },
        Refusal(description: "a ledger line for a missing voucher", code: .linkValidation, mentions: ["voucher_no", "ACC-SINV-NOPE"]) { tx, _ in
            try tx.insert(Document(doctype: "GL Entry", [
                "posting_date": "2026-01-01", "account": "Sales - SS", "voucher_type": "Sales Invoice", "voucher_no": "ACC-SINV-NOPE",
            ]))
        },
        Refusal(description: "a good write followed by a bad one in one transaction", code: .validation, mentions: ["customer_group"]) { tx, f in
            try tx.update("Sales Invoice", f.draft.name!, with: ["remarks": "would be lost"])
            try tx.insert(Document(doctype: "Customer", ["customer_name": "Half Done", "customer_type": "Company"]))
        },
    ]
}

/// One site shared by every refusal case: a refused write changes nothing, so the cases can
/// run side by side on it, each checking the site is exactly as it was before its attempt
/// (a case that wrongly wrote would show up there, and in its neighbours).
enum SharedRefusalSite {
    static let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("sitestream-test-refusals-\(getpid())", isDirectory: true)

    static let prepared = Task<(Site, RefusalFixture), any Error> {
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: SharedRefusalSite.directory) }
        let site = try await SiteFixture.makeSite(in: directory)
        return (site, try await RefusalFixture.make(site))
    }
}

@Suite struct RefusalTests {
    /// Through `write`, and through `writeConcurrently`, whose transaction runs outside the
    /// writer lock first: the error and the untouched site must be the same either way.
    @Test(arguments: Refusal.all, WritePath.allCases)
    func isRefusedClearlyAndLeavesStoreAndLogAsTheyWere(_ refusal: Refusal, _ path: WritePath) async throws {
        let (site, fixture) = try await SharedRefusalSite.prepared.value
        let before = try SiteState(site)
        let error = await #expect(throws: SiteError.self) {
            try await path.write(site) { tx in try refusal.attempt(tx, fixture) }
        }
        #expect(error?.code == refusal.code, "\(refusal): got \(error.map { "\($0.code): \($0.message)" } ?? "no error")")
        for word in refusal.mentions {
            #expect(error?.message.contains(word) == true, "\(refusal): '\(error?.message ?? "")' should mention \(word)")
        }
        #expect(try SiteState(site) == before, "\(refusal) changed the site")
    }

    /// The same refusals when the site's index terms (unique values, link targets) are in
    /// the store's term file rather than in memory: moved there by a snapshot after the
    /// fixture was written.
    @Test func refusalsHoldWithTheIndexTermsOnDisk() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var configuration = SnapshotStore.Configuration()
        configuration.termFileMinimum = 1
        let site = try await SiteFixture.makeSite(in: dir.url, store: configuration)
        defer { try? site.close() }
        let fixture = try await RefusalFixture.make(site)
        try site.store.checkpoint()
        #expect(site.store.indexFootprint.termFilePostings > 0)
        #expect(site.store.indexFootprint.terms.allSatisfy { $0.values == 0 }, "every term is on disk")
        for refusal in Refusal.all {
            let before = try SiteState(site)
            let error = await #expect(throws: SiteError.self) {
                try await site.write { tx in try refusal.attempt(tx, fixture) }
            }
            #expect(error?.code == refusal.code, "\(refusal): got \(error.map { "\($0.code): \($0.message)" } ?? "no error")")
            for word in refusal.mentions {
                #expect(error?.message.contains(word) == true, "\(refusal): '\(error?.message ?? "")' should mention \(word)")
            }
            #expect(try SiteState(site) == before, "\(refusal) changed the site")
        }
        // A customer renamed after its terms went to disk frees its old unique value (the
        // posting on disk is no longer answered) and holds the new one.
        let renamed = "\(fixture.customer) Renamed"
        try await site.write { tx in try tx.update("Customer", fixture.customer, with: ["customer_name": .string(renamed)]) }
        try await site.write { tx in
            try tx.insert(Document(doctype: "Customer", name: "Other Name", ["customer_name": .string(fixture.customer), "customer_group": "Commercial"]),
                          keepingName: true)
        }
        let taken = await #expect(throws: SiteError.self) {
            try await site.write { tx in
                try tx.insert(Document(doctype: "Customer", name: "Third Name", ["customer_name": .string(renamed), "customer_group": "Commercial"]),
                              keepingName: true)
            }
        }
        #expect(taken?.code == .duplicate)
    }

    @Test func aSiteTakesGoodWritesAfterRefusingBadOnes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url)
        defer { try? site.close() }
        let fixture = try await RefusalFixture.make(site)
        for refusal in Refusal.all {
            await #expect(throws: SiteError.self, "\(refusal)") {
                try await site.write { tx in try refusal.attempt(tx, fixture) }
            }
        }
        try await site.write { tx in try tx.update("Sales Invoice", fixture.draft.name!, with: ["remarks": "still fine"]) }
        #expect(try site.get("Sales Invoice", fixture.draft.name!)?["remarks"] == "still fine")
        // Nothing refused reached the log: a rebuild from it gives the same documents.
        let before = try SiteFixture.snapshot(site)
        try site.close()
        try FileManager.default.removeItem(at: SiteLayout(root: dir.url).storeDirectory)
        let rebuilt = try Site.open(at: SiteLayout(root: dir.url))
        defer { try? rebuilt.close() }
        #expect(try SiteFixture.snapshot(rebuilt) == before)
    }
}

/// The two ways into a site's writer.
enum WritePath: CaseIterable, Sendable {
    case locked, concurrent

    func write(_ site: Site, _ body: (SiteTransaction) throws -> Void) async throws {
        switch self {
        case .locked: try await site.write(body)
        case .concurrent: try await site.writeConcurrently(body)
        }
    }
}

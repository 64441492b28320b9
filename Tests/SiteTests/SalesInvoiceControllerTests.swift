import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON
import Testing

@Suite struct SalesInvoiceControllerTests {
    /// A draft invoice for `customer` whose rows carry no amount and whose totals are wrong.
    static func invoice(customer: String, item: String, rows: [(qty: JSON, rate: JSON, account: String?)]) -> Document {
        var items: [JSON] = []
        for row in rows {
            var o: JSONObject = ["item_code": .string(item), "item_name": "Thing", "qty": row.qty, "uom": "Nos", "rate": row.rate]
            if let account = row.account { o["income_account"] = .string(account) }
            items.append(.object(o))
        }
        return Document(doctype: "Sales Invoice", [
            "customer": .string(customer), "posting_date": "2026-11-02", "due_date": "2026-12-02",
            "currency": "EUR", "conversion_rate": 1, "items": .array(items), "total": 999, "grand_total": 1,
        ])
    }

    static func glEntries(_ site: Site, voucher: String) throws -> [Document] {
        try site.list("GL Entry", limit: Int.max) { $0["voucher_no"]?.stringValue == voucher }
    }

    static func cents(_ value: JSON?) -> Int64 { Int64(((value?.doubleValue ?? 0) * 100).rounded()) }

    static func prepared(_ dir: TemporaryDirectory) async throws -> (Site, customer: String, item: String) {
        let site = try await SiteFixture.makeSite(in: dir.url)
        let generator = ERPDocumentGenerator(seed: 12)
        try await SiteFixture.insertMasterData(site, generator: generator)
        let customer = try #require(try site.list("Customer", limit: 1).first?.name)
        let item = try #require(try site.list("Item", limit: 1).first?.name)
        return (site, customer, item)
    }

    /// (qty, rate, amount Frappe stores): half cents round up after snapping float noise.
    static let roundingCases: [(Double, Double, Double)] = [
        (3, 0.725, 2.18), (1, 2.675, 2.68), (1, 0.125, 0.13), (2.5, 10.01, 25.03), (0.5, 0.01, 0.01),
        (3, 0.1, 0.3), (7, 1.43, 10.01), (1.333, 3, 4), (12, 19.99, 239.88), (0, 5, 0),
    ]

    @Test func rowAmountIsQtyTimesRateRoundedAsFrappeDoes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, customer, item) = try await Self.prepared(dir)
        defer { try? site.close() }
        // Every case is a row of one invoice, plus one row given as text, as a form sends it.
        let rows: [(qty: JSON, rate: JSON, account: String?)] = Self.roundingCases.map { (.double($0.0), .double($0.1), nil) }
            + [(.string("2"), .string("1.50"), nil)]
        let input = Self.invoice(customer: customer, item: item, rows: rows)
        let stored = try await site.write { tx in try tx.insert(input) }
        let amounts = stored.rows(of: "items").map { $0["amount"]?.doubleValue }
        for (i, (qty, rate, amount)) in Self.roundingCases.enumerated() {
            #expect(amounts[i] == amount, "\(qty) × \(rate) should be stored as \(amount), not \(amounts[i] ?? .nan)")
        }
        #expect(amounts.last == 3.0)
        let totalCents = Self.roundingCases.reduce(Int64(300)) { $0 + Self.cents(.double($1.2)) }
        #expect(Self.cents(stored["total"]) == totalCents)
        #expect(stored["net_total"] == stored["total"])
        #expect(stored["grand_total"] == stored["total"])
        #expect(stored["outstanding_amount"] == stored["grand_total"])
        let qty = Self.roundingCases.reduce(2.0) { $0 + $1.0 }
        #expect(stored["total_qty"]?.doubleValue == (qty * 1000).rounded() / 1000)
        #expect(stored["status"] == "Draft")
        #expect(try site.get("Sales Invoice", stored.name!) == stored)
    }

    @Test func submitPostsBalancedEntriesAndCancelReversesThem() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, customer, item) = try await Self.prepared(dir)
        defer { try? site.close() }
        let input = Self.invoice(customer: customer, item: item, rows: [
            (2, 10, "Sales - SS"), (1, 5.5, "Services - SS"), (3, 1, nil),
        ])
        let draft = try await site.write { tx in try tx.insert(input) }
        let name = try #require(draft.name)
        #expect(try Self.glEntries(site, voucher: name).isEmpty)

        let before = site.log.lastWrittenSequence
        let submitted = try await site.write { tx in try tx.submit("Sales Invoice", name) }
        #expect(submitted["status"] == "Unpaid")
        #expect(submitted["grand_total"]?.doubleValue == 28.5)
        // The submit and its ledger lines are one append: the invoice's update, then 3 entries.
        #expect(site.log.lastWrittenSequence == before + 4)
        let posted = try Self.glEntries(site, voucher: name)
        #expect(posted.count == 3)
        let debit = posted.reduce(Int64(0)) { $0 + Self.cents($1["debit"]) }
        let credit = posted.reduce(Int64(0)) { $0 + Self.cents($1["credit"]) }
        #expect(debit == 2850 && credit == 2850)
        let receivable = try #require(posted.first { $0["account"] == "Debtors - SS" })
        #expect(receivable["party_type"] == "Customer" && receivable["party"] == .string(customer))
        #expect(receivable["against"] == "Sales - SS, Services - SS")
        let byAccount = Dictionary(uniqueKeysWithValues: posted.map { ($0["account"]!.stringValue!, Self.cents($0["credit"])) })
        #expect(byAccount["Sales - SS"] == 2300 && byAccount["Services - SS"] == 550)
        for entry in posted {
            #expect(entry["voucher_type"] == "Sales Invoice" && entry["is_cancelled"] == 0)
            #expect(entry["posting_date"] == "2026-11-02" && entry["account_currency"] == "EUR")
        }

        let cancelled = try await site.write { tx in try tx.cancel("Sales Invoice", name) }
        #expect(cancelled.docstatus == 2)
        let all = try Self.glEntries(site, voucher: name)
        #expect(all.count == 6)
        #expect(all.allSatisfy { $0["is_cancelled"] == 1 })
        for account in ["Debtors - SS", "Sales - SS", "Services - SS"] {
            let lines = all.filter { $0["account"]?.stringValue == account }
            #expect(lines.count == 2)
            #expect(lines.reduce(Int64(0)) { $0 + Self.cents($1["debit"]) - Self.cents($1["credit"]) } == 0, "\(account) does not net to zero")
        }
        let reversals = all.filter { $0["remarks"] == .string("On cancellation of \(name)") }
        #expect(reversals.count == 3)
    }

    @Test func deletingACancelledInvoiceTakesItsLedgerEntriesAlong() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, customer, item) = try await Self.prepared(dir)
        defer { try? site.close() }
        let input = Self.invoice(customer: customer, item: item, rows: [(4, 2.5, nil)])
        let name = try await site.write { tx in
            let draft = try tx.insert(input)
            try tx.submit("Sales Invoice", draft.name!)
            try tx.cancel("Sales Invoice", draft.name!)
            return draft.name!
        }
        #expect(try Self.glEntries(site, voucher: name).count == 4)
        try await site.write { tx in try tx.delete("Sales Invoice", name) }
        #expect(!site.exists("Sales Invoice", name))
        #expect(try Self.glEntries(site, voucher: name).isEmpty)
        // The customer is free to go now that nothing links to it… unless other invoices do.
        let stillLinked = try site.list("Sales Invoice", limit: Int.max) { $0["customer"]?.stringValue == customer }
        if stillLinked.isEmpty {
            try await site.write { tx in try tx.delete("Customer", customer) }
            #expect(!site.exists("Customer", customer))
        }
    }

    @Test func aZeroInvoicePostsNothing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, customer, item) = try await Self.prepared(dir)
        defer { try? site.close() }
        let input = Self.invoice(customer: customer, item: item, rows: [(0, 10, nil)])
        let invoice = try await site.write { tx in
            let draft = try tx.insert(input)
            return try tx.submit("Sales Invoice", draft.name!)
        }
        #expect(invoice["status"] == "Paid")
        #expect(try Self.glEntries(site, voucher: invoice.name!).isEmpty)
    }

    @Test func ordersGetTheirTotalsAndStatus() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, _, _) = try await Self.prepared(dir)
        defer { try? site.close() }
        var generator = ERPDocumentGenerator(seed: 12)
        for doctype in ["Sales Order", "Purchase Order"] {
            var json = doctype == "Sales Order" ? generator.salesOrder(rows: 3) : generator.purchaseOrder(rows: 3)
            var rows = json["items"]!.arrayValue!
            for i in rows.indices {
                var row = rows[i].objectValue!
                row["qty"] = .int(Int64(i + 1))
                row["rate"] = .double(1.25)
                row["amount"] = nil
                rows[i] = .object(row)
            }
            json["items"] = .array(rows)
            json["grand_total"] = 0
            let input = Document(json: json)!
            let order = try await site.write { tx in try tx.insert(input) }
            #expect(order.rows(of: "items").map { $0["amount"]?.doubleValue } == [1.25, 2.5, 3.75], "\(doctype)")
            #expect(order["total_qty"]?.doubleValue == 6)
            #expect(order["grand_total"]?.doubleValue == 7.5 && order["net_total"]?.doubleValue == 7.5)
            #expect(order["status"] == "Draft")
            let submitted = try await site.write { tx in try tx.submit(doctype, order.name!) }
            #expect(submitted["status"] == (doctype == "Sales Order" ? "To Deliver and Bill" : "To Receive and Bill"))
        }
    }

    @Test func theLedgerSurvivesARebuildFromTheLog() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var (site, customer, item) = try await Self.prepared(dir)
        for i in 0..<6 {
            let input = Self.invoice(customer: customer, item: item, rows: [(.int(Int64(i + 1)), 3.33, nil)])
            _ = try await site.write { tx in
                let draft = try tx.insert(input)
                if i % 2 == 0 { try tx.submit("Sales Invoice", draft.name!) }
                if i == 0 || i == 4 { try tx.cancel("Sales Invoice", draft.name!) }
            }
        }
        let before = try SiteFixture.snapshot(site)
        // Invoice 2 keeps its 2 entries; invoices 0 and 4 have 2 cancelled ones and 2 reversals.
        #expect(before.keys.filter { $0.hasPrefix("GL Entry/") }.count == 2 + 4 + 4)
        try site.close()
        try FileManager.default.removeItem(at: SiteLayout(root: dir.url).storeDirectory)
        site = try Site.open(at: SiteLayout(root: dir.url))
        defer { try? site.close() }
        #expect(try SiteFixture.snapshot(site) == before)
    }
}

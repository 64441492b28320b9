import Testing
import SiteStreamJSON
@testable import ERPFixtures

/// Generated documents are valid against the fixture DocTypes and link only to generated masters.
@Suite struct GeneratorValidityTests {
    static let seeds: [UInt64] = [0, 1, 42, 0xDEAD_BEEF, .max]

    func checker(_ generator: ERPDocumentGenerator) throws -> DocumentChecker {
        DocumentChecker(doctypes: try loadFixtureDocTypes(), masters: generator.masterData())
    }

    @Test(arguments: seeds)
    func masterDataIsValidAndNamesAreUnique(seed: UInt64) throws {
        let generator = ERPDocumentGenerator(seed: seed, configuration: .init(itemCount: 300, customerCount: 450, supplierCount: 70))
        let masters = generator.masterData()
        let checker = try checker(generator)
        for doc in masters { #expect(checker.problems(doc) == []) }
        var seen = Set<String>()
        for doc in masters {
            let key = (doc["doctype"]?.stringValue ?? "") + "/" + (doc["name"]?.stringValue ?? "")
            let isNew = seen.insert(key).inserted
            #expect(isNew, "duplicate master \(key)")
        }
        #expect(generator.itemCodes.count == 300 && generator.customerNames.count == 450 && generator.supplierNames.count == 70)
        // Parents come before children, so inserting in order never meets a missing link.
        var inserted = Set<String>()
        for doc in masters {
            for key in ["parent_customer_group", "parent_territory", "parent_item_group", "parent_supplier_group", "item_group", "customer_group", "territory", "supplier_group"] {
                if let target = doc[key]?.stringValue { #expect(inserted.contains(target), "\(doc["name"] ?? .null) links to \(target) before it exists") }
            }
            inserted.insert(doc["name"]?.stringValue ?? "")
        }
    }

    @Test(arguments: seeds, [1, 3, 20])
    func transactionsAreValid(seed: UInt64, rows: Int) throws {
        var generator = ERPDocumentGenerator(seed: seed)
        var checker = try checker(generator)
        for i in 0..<30 {
            let submitted = i % 2 == 1
            let invoice = generator.salesInvoice(rows: rows, submitted: submitted)
            let order = generator.salesOrder(rows: rows, submitted: submitted)
            let purchase = generator.purchaseOrder(rows: rows, submitted: submitted)
            for doc in [invoice, order, purchase] {
                #expect(checker.problems(doc) == [])
                #expect(doc["items"]?.arrayValue?.count == rows)
                #expect(doc["docstatus"] == .int(submitted ? 1 : 0))
            }
            checker.known["Sales Invoice", default: []].insert(invoice["name"]?.stringValue ?? "")
            let gl = generator.glEntries(for: invoice)
            #expect(gl.count == 2)
            for entry in gl { #expect(checker.problems(entry) == []) }
            let debits: [Double] = gl.map { $0["debit"]?.doubleValue ?? 0 }
            let credits: [Double] = gl.map { $0["credit"]?.doubleValue ?? 0 }
            #expect(debits.reduce(0, +) == credits.reduce(0, +), "GL entries must balance")
        }
    }

    @Test(arguments: seeds)
    func partiesAddressesAndContactsAreValid(seed: UInt64) throws {
        var generator = ERPDocumentGenerator(seed: seed)
        let checker = try checker(generator)
        var names = Set(generator.customerNames)
        for i in 0..<40 {
            let customer = generator.newCustomer()
            #expect(checker.problems(customer) == [])
            let customerName = customer["name"]?.stringValue ?? ""
            let isNew = names.insert(customerName).inserted
            #expect(isNew, "newCustomer repeated a name")
            let index = i % generator.customerNames.count
            for doc in [generator.address(forCustomer: index), generator.contact(forCustomer: index)] {
                #expect(checker.problems(doc) == [])
                #expect(doc["links"]?[0]?["link_name"]?.stringValue == generator.customerNames[index])
            }
        }
    }

    @Test func namesCountUpAndDatesMoveForward() {
        var generator = ERPDocumentGenerator(seed: 7)
        var lastDate = ""
        var names = Set<String>()
        for _ in 0..<500 {
            let invoice = generator.salesInvoice(rows: 1)
            let date = invoice["posting_date"]?.stringValue ?? ""
            #expect(date >= lastDate, "posting dates must not go back")
            let creation = invoice["creation"]?.stringValue ?? ""
            #expect(creation.hasPrefix(date))
            lastDate = date
            let invoiceName = invoice["name"]?.stringValue ?? ""
            let isNew = names.insert(invoiceName).inserted
            #expect(isNew)
        }
        #expect(names.contains("ACC-SINV-2026-00001") && names.contains("ACC-SINV-2026-00500"))
    }

    @Test func textsExerciseEscapesAndUnicode() {
        var generator = ERPDocumentGenerator(seed: 3)
        var bytes: [UInt8] = []
        for doc in generator.masterData() { doc.serialize(into: &bytes) }
        for _ in 0..<50 { generator.salesInvoice(rows: 20).serialize(into: &bytes) }
        let text = String(decoding: bytes, as: UTF8.self)
        for needle in ["\\\"", "\\\\", "\\n", "\\t", "ü", "東京", "☕", "null", ".5,"] {
            #expect(text.contains(needle), "generated text never contains \(needle)")
        }
    }
}

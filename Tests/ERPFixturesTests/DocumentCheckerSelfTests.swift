import Testing
import SiteStreamJSON
@testable import ERPFixtures

/// The test-side checker must catch what it claims to catch; otherwise the validity tests that
/// lean on it would pass vacuously. Each case breaks a valid invoice one way.
@Suite struct DocumentCheckerSelfTests {
    static let breakages: [(String, @Sendable (inout JSON) -> Void)] = [
        ("unknown field", { $0["no_such_field"] = "x" }),
        ("missing field", { $0["remarks"] = nil }),
        ("required null", { $0["customer"] = .null }),
        ("link to nothing", { $0["customer"] = "Nobody Ltd." }),
        ("select outside choices", { $0["status"] = "Sort of paid" }),
        ("bad date", { $0["posting_date"] = "2026-02-30" }),
        ("int for a currency", { $0["total"] = .int(1) }),
        ("wrong total", { $0["grand_total"] = .double(($0["grand_total"]?.doubleValue ?? 0) + 0.01) }),
        ("amount not qty × rate", { doc in
            var items = doc["items"]?.arrayValue ?? []
            items[0]["amount"] = .double((items[0]["amount"]?.doubleValue ?? 0) + 1)
            doc["items"] = .array(items)
        }),
        ("duplicate row name", { doc in
            var items = doc["items"]?.arrayValue ?? []
            items[1]["name"] = items[0]["name"]
            doc["items"] = .array(items)
        }),
        ("row idx wrong", { doc in
            var items = doc["items"]?.arrayValue ?? []
            items[1]["idx"] = .int(7)
            doc["items"] = .array(items)
        }),
        ("row of another parent", { doc in
            var items = doc["items"]?.arrayValue ?? []
            items[0]["parent"] = "ACC-SINV-1999-00001"
            doc["items"] = .array(items)
        }),
        ("name off the series", { $0["name"] = "INV-1" }),
        ("draft doctype submitted", { $0["doctype"] = "Customer" }),
    ]

    @Test(arguments: breakages.indices)
    func checkerFlagsABrokenInvoice(index: Int) throws {
        var g = ERPDocumentGenerator(seed: 11)
        let checker = DocumentChecker(doctypes: try loadFixtureDocTypes(), masters: g.masterData())
        var invoice = g.salesInvoice(rows: 3)
        #expect(checker.problems(invoice) == [], "the unbroken invoice must pass")
        let (label, breakIt) = Self.breakages[index]
        breakIt(&invoice)
        #expect(!checker.problems(invoice).isEmpty, "the checker missed: \(label)")
    }
}

import DocumentModel
import SiteStreamJSON

/// A small deterministic generator (SplitMix64) so property tests are reproducible by seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// DocTypes shaped like Frappe's Sales Invoice and its items, small enough to read in a test.
enum TestDocTypes {
    static let invoiceItem = try! DocType(
        name: "Test Invoice Item", module: "Test",
        fields: [
            DocField("item_code", .link, options: "Test Item", reqd: true),
            DocField("description", .text),
            DocField("qty", .float),
            DocField("rate", .currency),
            DocField("amount", .currency),
            DocField("delivered", .check),
            DocField("notes", .smallText, allowOnSubmit: true),
            DocField("attributes", .json),
        ],
        isChildTable: true)

    static let payment = try! DocType(
        name: "Test Payment Row", module: "Test",
        fields: [DocField("mode", .data), DocField("amount", .currency)],
        isChildTable: true)

    static let item = try! DocType(
        name: "Test Item", module: "Test",
        fields: [DocField("item_code", .data, reqd: true, unique: true), DocField("item_name", .data)],
        autoname: "field:item_code")

    static let invoice = try! DocType(
        name: "Test Invoice", module: "Test",
        fields: [
            DocField("naming_series", .select, options: "TINV-.YYYY.-\nTRET-.YYYY.-.###", defaultValue: "TINV-.YYYY.-"),
            DocField("customer", .data, label: "Customer", reqd: true),
            DocField("posting_date", .date, reqd: true),
            DocField("posting_time", .time),
            DocField("due", .datetime),
            DocField("status", .select, options: "\nDraft\nPaid\nUnpaid"),
            DocField("section_items", .sectionBreak),
            DocField("items", .table, options: "Test Invoice Item", reqd: true),
            DocField("payments", .table, options: "Test Payment Row", allowOnSubmit: true),
            DocField("column_break", .columnBreak),
            DocField("total_qty", .float),
            DocField("grand_total", .currency, nonNegative: true),
            DocField("discount", .percent),
            DocField("is_return", .check),
            DocField("remarks", .text, allowOnSubmit: true),
            DocField("count", .int),
            DocField("meta", .json),
            DocField("reference_type", .link, options: "DocType"),
            DocField("reference_name", .dynamicLink, options: "reference_type"),
            DocField("supplier", .link, options: "Supplier"),
        ],
        autoname: "naming_series:", namingRule: "By \"Naming Series\" field", isSubmittable: true,
        titleField: "customer")

    static let schema: Schema = try! Schema([invoiceItem, payment, item, invoice])
}

extension JSON {
    /// The object inside, for tests that know it is one.
    var object: JSONObject { objectValue! }
}

import SiteStreamJSON
import Testing

@testable import DocumentQuery

@Suite("Filter matching semantics")
struct FilterMatchingTests {
    static let doc: JSONObject = [
        "doctype": "Customer", "name": "CUST-0001", "customer_group": "Retail",
        "credit_limit": 1500.5, "qty": 10, "code": "10", "disabled": false, "email": "",
        "phone": nil, "territory": "North",
    ]

    /// (field, operator, value, expected match against `doc`).
    static let cases: [(String, FilterOperator, JSON, Bool)] = [
        ("customer_group", .equal, "Retail", true),
        ("customer_group", .equal, "retail", false),  // equality is case-sensitive
        ("customer_group", .notEqual, "Retail", false),
        ("customer_group", .notEqual, "Wholesale", true),
        ("qty", .equal, 10, true),
        ("qty", .equal, 10.0, true),  // int and double compare numerically
        ("qty", .equal, "10", true),  // a numeric string compares with a number numerically
        ("code", .greater, 9, true),  // "10" > 9 numerically, not as text
        ("code", .less, "9", true),  // two strings compare as text: "10" < "9"
        ("credit_limit", .greaterOrEqual, 1500.5, true),
        ("credit_limit", .lessOrEqual, 1500, false),
        ("credit_limit", .greater, "1000", true),
        ("disabled", .equal, 0, true),  // booleans are Check values 0 and 1
        ("disabled", .equal, 1, false),
        // Missing and null fields: Frappe's ifnull(field, "" or 0).
        ("phone", .equal, "", true),
        ("phone", .equal, "555", false),
        ("phone", .notEqual, "555", true),
        ("missing", .notEqual, "x", true),
        ("missing", .equal, 0, true),
        ("missing", .less, 5, true),
        ("missing", .greater, -1, true),
        ("missing", .greater, 0, false),
        // like / not like
        ("name", .like, "CUST-%", true),
        ("name", .like, "cust-%", true),  // like ignores case
        ("name", .like, "CUST-000_", true),
        ("name", .like, "CUST-00_", false),
        ("name", .like, "%0001", true),
        ("name", .like, "%00%1", true),
        ("name", .like, "X%", false),
        ("name", .notLike, "X%", true),
        ("name", .notLike, "%CUST%", false),
        ("phone", .like, "%", false),  // NULL LIKE '%' is not true in SQL
        ("phone", .notLike, "5%", true),
        ("qty", .like, "1%", true),  // numbers match as text
        // in / not in
        ("territory", .in, ["North", "South"], true),
        ("territory", .in, ["East"], false),
        ("territory", .in, [], false),
        ("territory", .notIn, [], true),
        ("territory", .notIn, ["North"], false),
        ("qty", .in, ["10", "20"], true),
        ("phone", .notIn, ["555"], true),
        ("phone", .in, [""], true),
        // is set / not set
        ("customer_group", .is, "set", true),
        ("email", .is, "set", false),  // an empty string is not set
        ("email", .is, "not set", true),
        ("phone", .is, "not set", true),
        ("missing", .is, "not set", true),
        ("disabled", .is, "set", true),
        // between
        ("qty", .between, [5, 10], true),  // both ends included
        ("qty", .between, [10, 20], true),
        ("qty", .between, [11, 20], false),
        ("territory", .between, ["M", "O"], true),
    ]

    @Test(arguments: cases)
    func operatorSemantics(field: String, op: FilterOperator, value: JSON, expected: Bool) {
        let filter = Filter(field: field, op: op, value: value)
        #expect(filter.matches(Self.doc) == expected, "\(field) \(op.rawValue) \(value)")
    }

    @Test func listAndObjectFieldsCompareWithNothing() {
        let doc: JSONObject = ["tags": ["a", "b"], "meta": ["k": 1]]
        #expect(!Filter(field: "tags", op: .equal, value: "a").matches(doc))
        #expect(Filter(field: "tags", op: .notEqual, value: "a").matches(doc))
        #expect(!Filter(field: "meta", op: .greater, value: 0).matches(doc))
        #expect(Filter(field: "tags", op: .is, value: "set").matches(doc))
    }

    @Test func likeEscapesAndRepeatedWildcards() {
        #expect(LikePattern(#"100\%"#).matches("100%"))
        #expect(!LikePattern(#"100\%"#).matches("1000"))
        #expect(LikePattern(#"a\_b"#).matches("a_b"))
        #expect(!LikePattern(#"a\_b"#).matches("axb"))
        #expect(LikePattern("%%a%%").matches("bab"))
        #expect(LikePattern("").matches(""))
        #expect(!LikePattern("").matches("x"))
        #expect(LikePattern("%").matches(""))
        #expect(LikePattern("a%b%c").matches("a-b-b-c"))
        #expect(!LikePattern("a%b%c").matches("a-c-b"))
        #expect(LikePattern("ÄÖ%").matches("äöü"))
    }

    @Test func childTableFiltersMatchAnyRowOfThatDocType() {
        let invoice: JSONObject = [
            "doctype": "Sales Invoice", "name": "SINV-1",
            "items": [
                ["doctype": "Sales Invoice Item", "item_code": "A", "qty": 1],
                ["doctype": "Sales Invoice Item", "item_code": "B", "qty": 5],
            ],
        ]
        #expect(Filter(doctype: "Sales Invoice Item", field: "item_code", op: .equal, value: "B").matches(invoice))
        #expect(!Filter(doctype: "Sales Invoice Item", field: "item_code", op: .equal, value: "C").matches(invoice))
        #expect(Filter(doctype: "Sales Invoice Item", field: "qty", op: .greater, value: 4).matches(invoice))
        // The document's own DocType named explicitly is a plain filter.
        #expect(Filter(doctype: "Sales Invoice", field: "name", op: .equal, value: "SINV-1").matches(invoice))
        // A DocType the document has no rows of matches nothing.
        #expect(!Filter(doctype: "Payment Row", field: "qty", op: .notEqual, value: 0).matches(invoice))
    }
}

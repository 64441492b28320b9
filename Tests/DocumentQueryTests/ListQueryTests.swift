import SiteStreamJSON
import Testing

@testable import DocumentQuery

@Suite("List queries")
struct ListQueryTests {
    static let customers: [JSONObject] = [
        ["name": "C-1", "customer_group": "Retail", "modified": "2024-01-03", "credit_limit": 100, "items": [["doctype": "Row", "x": 1]]],
        ["name": "C-2", "customer_group": "Wholesale", "modified": "2024-01-01", "credit_limit": 300],
        ["name": "C-3", "customer_group": "Retail", "modified": "2024-01-02", "credit_limit": nil],
        ["name": "C-4", "customer_group": "Retail", "modified": "2024-01-02", "credit_limit": 50],
    ]

    @Test func defaultsAreFrappes() throws {
        let q = try ListQuery(arguments: [:])
        #expect(q.fields == .nameOnly)
        #expect(q.limitStart == 0)
        #expect(q.limitPageLength == 20)
        #expect(q.effectiveOrder == [SortKey(field: "modified", ascending: false), SortKey(field: "name", ascending: true)])
        // Most recently modified first; equal `modified` broken by name.
        #expect(q.apply(to: Self.customers) == [["name": "C-1"], ["name": "C-3"], ["name": "C-4"], ["name": "C-2"]])
    }

    @Test func queryStringArgumentsAsFrappeClientsSendThem() throws {
        let q = try ListQuery(arguments: [
            "fields": #"["name","customer_group"]"#,
            "filters": #"[["Customer","customer_group","=","Retail"]]"#,
            "order_by": "credit_limit desc",
            "limit_start": "1",
            "limit_page_length": "2",
        ])
        // Retail: C-1 (100), C-4 (50), C-3 (null sorts last when descending).
        #expect(q.apply(to: Self.customers) == [
            ["name": "C-4", "customer_group": "Retail"],
            ["name": "C-3", "customer_group": "Retail"],
        ])
    }

    @Test func starSelectsEverythingButChildTables() throws {
        let q = try ListQuery(arguments: ["fields": #"["*"]"#, "filters": #"{"name": "C-1"}"#])
        let rows = q.apply(to: Self.customers)
        #expect(rows == [["name": "C-1", "customer_group": "Retail", "modified": "2024-01-03", "credit_limit": 100]])
        #expect(rows.first?.keys == ["name", "customer_group", "modified", "credit_limit"])
    }

    @Test func aliasesAndMissingFields() throws {
        let q = try ListQuery(arguments: ["fields": .array(["customer_group as grp", "`name`", "nope"]), "filters": ["name", "=", "C-2"]])
        let rows = q.apply(to: Self.customers)
        #expect(rows == [["grp": "Wholesale", "name": "C-2", "nope": nil]])
        #expect(rows.first?.keys == ["grp", "name", "nope"])
    }

    @Test func commaSeparatedFieldsString() throws {
        let q = try ListQuery(arguments: ["fields": "name, credit_limit"])
        #expect(q.fields.columns.map(\.field) == ["name", "credit_limit"])
    }

    @Test func orFiltersNeedOneMatchOnTopOfAllFilters() throws {
        let q = try ListQuery(arguments: [
            "filters": #"[["customer_group","=","Retail"]]"#,
            "or_filters": #"[["credit_limit",">",90],["name","=","C-3"]]"#,
            "order_by": "name asc",
            "limit_page_length": 0,
        ])
        #expect(q.apply(to: Self.customers).map { $0["name"] } == ["C-1", "C-3"])
    }

    @Test func pagingAndCaps() throws {
        let numbers = (0..<50).map { i -> JSONObject in ["name": .string("N-" + (i < 10 ? "0" : "") + String(i)), "modified": "x"] }
        let all = try ListQuery(arguments: ["limit_page_length": 0, "order_by": "name"])
        #expect(all.apply(to: numbers).count == 50)
        #expect(all.apply(to: numbers, cap: 7).count == 7)
        let big = try ListQuery(arguments: ["limit_page_length": 40, "limit_start": 45, "order_by": "name"])
        #expect(big.apply(to: numbers).map { $0["name"] } == ["N-45", "N-46", "N-47", "N-48", "N-49"])
        #expect(big.apply(to: numbers, cap: 2).count == 2)
        let past = try ListQuery(arguments: ["limit_start": 500])
        #expect(past.apply(to: numbers).isEmpty)
        let alias = try ListQuery(arguments: ["limit": "3"])
        #expect(alias.limitPageLength == 3)
    }

    @Test(arguments: [
        ("limit_start", JSON.string("-1"), QueryError.Part.limitStart),
        ("limit_start", JSON.string("ten"), QueryError.Part.limitStart),
        ("limit_page_length", JSON.double(2.5), QueryError.Part.limitPageLength),
        ("limit_page_length", JSON.string("99999999999999999999"), QueryError.Part.limitPageLength),
        ("order_by", JSON.int(3), QueryError.Part.orderBy),
        ("fields", JSON.string(#"["count(name)"]"#), QueryError.Part.fields),
        ("fields", JSON.string(#"[7]"#), QueryError.Part.fields),
        ("fields", JSON.string(#"["name as a b"]"#), QueryError.Part.fields),
        ("fields", JSON.object(["a": 1]), QueryError.Part.fields),
        ("or_filters", JSON.string(#"[["a","?",1]]"#), QueryError.Part.orFilters),
    ])
    func badArgumentsNameTheirPart(key: String, value: JSON, part: QueryError.Part) {
        let error = #expect(throws: QueryError.self) { try ListQuery(arguments: [key: value]) }
        #expect(error?.part == part)
    }
}

@Suite("order_by")
struct SortKeyTests {
    @Test func listsOfFieldsAndDirections() throws {
        #expect(try SortKey.parseList("modified desc, name asc") == [
            SortKey(field: "modified", ascending: false), SortKey(field: "name", ascending: true),
        ])
        #expect(try SortKey.parseList("`creation` DESC,idx") == [
            SortKey(field: "creation", ascending: false), SortKey(field: "idx", ascending: true),
        ])
        #expect(try SortKey.parseList("  ").isEmpty)
    }

    @Test(arguments: [
        "modified desc; drop table tabCustomer",
        "modified desc nulls first",
        "modified sideways",
        "`tabCustomer`.modified desc",
        "if(a,b,c)",
        "name,",
        ",name",
        "1 desc",
        "modified  desc -- comment",
    ])
    func anythingElseIsRefused(text: String) {
        let error = #expect(throws: QueryError.self) { try SortKey.parseList(text) }
        #expect(error?.part == .orderBy)
        #expect(error?.description.hasPrefix("invalid order_by:") == true)
    }

    @Test func mixedValuesHaveATotalOrder() {
        let docs: [JSONObject] = [["v": "b"], ["v": 2], [:], ["v": "a"], ["v": 1.5], ["v": nil], ["v": true]]
        let keys = [SortKey(field: "v", ascending: true)]
        let sorted = docs.sorted { SortKey.areInIncreasingOrder($0, $1, by: keys) }
        // null and missing first, then numbers (true is 1), then text.
        #expect(sorted.map { $0["v"] ?? .null }.suffix(5) == [true, 1.5, 2, "a", "b"])
        #expect(sorted.prefix(2).allSatisfy { ($0["v"] ?? .null) == .null })
    }
}

import SiteStreamJSON
import Testing

@testable import DocumentQuery

@Suite("Filter wire forms")
struct FilterParsingTests {
    @Test func fourElementListKeepsTheDocType() throws {
        let filters = try Filter.parseList(.string(#"[["Customer","customer_group","=","Retail"]]"#))
        #expect(filters == [Filter(doctype: "Customer", field: "customer_group", op: .equal, value: "Retail")])
    }

    @Test func threeElementListsAndOperatorsInAnyCase() throws {
        let filters = try Filter.parseList(.string(#"[["grand_total",">=",100],["status","NOT  IN","Draft, Cancelled"]]"#))
        #expect(filters.count == 2)
        #expect(filters[0] == Filter(field: "grand_total", op: .greaterOrEqual, value: 100))
        #expect(filters[1] == Filter(field: "status", op: .notIn, value: ["Draft", "Cancelled"]))
    }

    @Test func aSingleFlatFilterIsAccepted() throws {
        let filters = try Filter.parseList(["status", "=", "Open"])
        #expect(filters == [Filter(field: "status", op: .equal, value: "Open")])
    }

    @Test func dictFormMeansEqualsOrOperatorPairs() throws {
        let filters = try Filter.parseList(.string(#"{"customer_group": "Retail", "grand_total": [">", 5], "territory": ["in", ["A", "B"]]}"#))
        #expect(filters == [
            Filter(field: "customer_group", op: .equal, value: "Retail"),
            Filter(field: "grand_total", op: .greater, value: 5),
            Filter(field: "territory", op: .in, value: ["A", "B"]),
        ])
    }

    @Test func jsonValuesAreTakenAsTheyAre() throws {
        let filters = try Filter.parseList(.array([.array(["name", "like", "CUST-%"])]))
        #expect(filters == [Filter(field: "name", op: .like, value: "CUST-%")])
    }

    @Test(arguments: [JSON.null, "", "   ", "[]", "{}", .array([])])
    func emptyFormsMeanNoFilters(wire: JSON) throws {
        #expect(try Filter.parseList(wire).isEmpty)
    }

    @Test func isTakesSetOrNotSet() throws {
        #expect(try Filter.parseList(["email", "is", "Set"]) == [Filter(field: "email", op: .is, value: "set")])
        #expect(throws: QueryError.self) { try Filter.parseList(["email", "is", "present"]) }
    }

    @Test func betweenTakesTwoValues() throws {
        #expect(try Filter.parseList(["posting_date", "between", ["2024-01-01", "2024-12-31"]])
            == [Filter(field: "posting_date", op: .between, value: ["2024-01-01", "2024-12-31"])])
        #expect(throws: QueryError.self) { try Filter.parseList(["posting_date", "between", ["2024-01-01"]]) }
    }

    /// Each bad input, and a word its error message must contain so a person can find the fault.
    static let invalid: [(JSON, String)] = [
        (#"[["a","~","b"]]"#, "unknown operator \"~\""),
        (#"[["a","="]]"#, "list of 2 element(s)"),
        (#"[["D","a","=","b","c"]]"#, "list of 5 element(s)"),
        (#"[[1,"=","b"]]"#, "field name must be a string"),
        (#"[["a",7,"b"]]"#, "operator must be a string"),
        (#"[["a b","=","b"]]"#, "is not a field name"),
        (#"[["name`; drop","=","b"]]"#, "is not a field name"),
        (#"[["a","=",["x"]]]"#, "compares with one value"),
        (#"[["a","in",[["x"]]]]"#, "list of plain values"),
        (#"[["a","in",5]]"#, "list or a comma-separated string"),
        (#"[["", "a","=","b"]]"#, "DocType"),
        (#"["a", 5]"#, "list of 2 element(s)"),
        (#"[5]"#, "list of 1 element(s)"),
        (#"[["a","=","b"], 7]"#, "filter 2"),
        (#"{"a": ["~", 1]}"#, "unknown operator"),
        (#"{"a": [1, 2, 3]}"#, "expected a value or [operator, value]"),
        (#"[["a","like",["x"]]]"#, "text pattern"),
        (#"[["a","=","b"]"#, "not valid JSON"),
        (.int(42), "expected a list of [field, operator, value] lists"),
    ]

    @Test(arguments: invalid)
    func invalidFiltersNameTheProblem(input: JSON, expected: String) throws {
        let error = #expect(throws: QueryError.self) { try Filter.parseList(input) }
        #expect(error?.part == .filters)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "no error")")
    }

    @Test func orFiltersReportTheirOwnPart() throws {
        let error = #expect(throws: QueryError.self) { try Filter.parseList(["a", "~", 1], part: .orFilters) }
        #expect(error?.part == .orFilters)
        #expect(error?.description.hasPrefix("invalid or_filters:") == true)
    }

    @Test func deeplyNestedFilterTextIsRefused() throws {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let error = #expect(throws: QueryError.self) { try Filter.parseList(.string(deep)) }
        #expect(error?.message.contains("not valid JSON") == true)
    }
}

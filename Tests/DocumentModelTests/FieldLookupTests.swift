import DocumentModel
import SiteStreamJSON
import Testing

/// Validation finds each key's field without hashing when keys come in the DocType's form order
/// or at the places of the previous row's keys, and asks the schema about a Link's target once
/// per table. Those shortcuts must give the answers a plain lookup gives, whatever the order.
@Suite struct FieldLookupTests {
    let schema = TestDocTypes.schema

    /// The invoice's keys in form order, then reversed, then with standard columns and unknown
    /// or layout keys between them: the same coerced document and the same issues every time.
    @Test func keyOrderDoesNotChangeTheOutcome() throws {
        let fields: [(String, JSON)] = [
            ("naming_series", "TINV-.YYYY.-"), ("customer", "Acme"), ("posting_date", "2026-11-29"),
            ("status", "Paid"), ("items", [["name": "r1", "item_code": "W", "qty": "2"]]), ("total_qty", "2"),
            ("grand_total", 20), ("is_return", "true"), ("count", "7"),
        ]
        func document(_ pairs: [(String, JSON)]) -> Document {
            var o = JSONObject()
            o["doctype"] = "Test Invoice"
            o["name"] = "TINV-2026-00001"
            for (k, v) in pairs { o[k] = v }
            return Document(o)
        }
        let inOrder = try schema.validate(document(fields))
        let reversed = try schema.validate(document(fields.reversed()))
        #expect(inOrder == reversed)
        #expect(inOrder["count"] == .int(7))
        #expect(inOrder["is_return"] == .int(1))

        for pairs in [fields, Array(fields.reversed())] {
            var mixed = pairs
            mixed.insert(("owner", "someone"), at: 2)
            mixed.insert(("colour", "red"), at: 4)
            mixed.insert(("section_items", 1), at: 6)
            let error = #expect(throws: ValidationError.self) { try schema.validate(document(mixed)) }
            #expect(error?.issues.map(\.code).sorted { $0.rawValue < $1.rawValue } == [.layoutField, .unknownField])
            #expect(Set(error?.issues.compactMap(\.field) ?? []) == ["colour", "section_items"])
        }
    }

    /// A Link whose target DocType is not installed is reported in every row, not only the
    /// first (what is remembered per table is a target found installed, never one missing).
    @Test func missingLinkTargetIsReportedInEveryRow() throws {
        let row = try DocType(name: "Probe Row", module: "Test",
                              fields: [DocField("item", .link, options: "Test Item"), DocField("place", .link, options: "Nowhere")],
                              isChildTable: true)
        let parent = try DocType(name: "Probe", module: "Test", fields: [DocField("rows", .table, options: "Probe Row")])
        let probeSchema = try Schema([TestDocTypes.item, row, parent])
        let rows: [JSON] = (1...3).map { .object(["name": .string("r\($0)"), "item": "W", "place": "Mars"]) }
        let error = #expect(throws: ValidationError.self) {
            try probeSchema.validate(Document(doctype: "Probe", name: "P1", ["rows": .array(rows)]))
        }
        #expect(error?.issues.map(\.code) == [.invalidLink, .invalidLink, .invalidLink])
        #expect(error?.issues.map(\.row) == [1, 2, 3])
        #expect(error?.issues.allSatisfy { $0.field == "place" } == true)
    }
}

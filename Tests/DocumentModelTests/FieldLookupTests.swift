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

    /// Rows whose keys have equal text but not the same storage (built at run time, not
    /// literals or parser-interned keys), in changing orders: every key is still found, the
    /// issues name the row by its `idx`, and the parent columns are set whether a row lacks
    /// them or holds wrong ones (in place: the key keeps its position).
    @Test func rowsWithKeysFromOtherStorageAndTheirColumns() throws {
        let row = try DocType(name: "Probe Line", module: "Test",
                              fields: [DocField("description_of_the_line", .data), DocField("quantity_ordered", .int, nonNegative: true)],
                              isChildTable: true)
        let parent = try DocType(name: "Probe Order", module: "Test", fields: [DocField("lines", .table, options: "Probe Line")])
        let probeSchema = try Schema([row, parent])
        func key(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }
        func line(_ n: Int, quantity: JSON, reversed: Bool = false, extra: [(String, JSON)] = []) -> JSON {
            var pairs: [(String, JSON)] = [(key("description_of_the_line"), .string("line \(n)")), (key("quantity_ordered"), quantity)]
            if reversed { pairs.reverse() }
            var o = JSONObject()
            for (k, v) in pairs + extra { o[k] = v }
            return .object(o)
        }
        let good: [JSON] = [
            line(1, quantity: 1),
            line(2, quantity: "2", reversed: true),
            line(3, quantity: 3, extra: [(key("parenttype"), "Wrong"), (key("idx"), 3)]),
        ]
        let stored = try probeSchema.validate(Document(doctype: "Probe Order", name: "O1", ["lines": .array(good)]))
        let lines = stored["lines"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(lines.count == 3)
        for (i, l) in lines.enumerated() {
            #expect(l["doctype"] == "Probe Line")
            #expect(l["parent"] == "O1")
            #expect(l["parenttype"] == "Probe Order")
            #expect(l["parentfield"] == "lines")
            #expect(l["idx"] == .int(Int64(i + 1)))
        }
        #expect(lines[1]["quantity_ordered"] == .int(2))
        #expect(lines[2].keys.firstIndex(of: "parenttype") == 2)

        let bad: [JSON] = [
            line(1, quantity: 1),
            line(2, quantity: -4, reversed: true, extra: [(key("idx"), 7)]),
            line(3, quantity: "many"),
            line(4, quantity: 1, extra: [(key("colour"), "red"), (key("doctype"), "Other Line")]),
        ]
        let error = #expect(throws: ValidationError.self) {
            try probeSchema.validate(Document(doctype: "Probe Order", name: "O1", ["lines": .array(bad)]))
        }
        let issues = error?.issues ?? []
        #expect(issues.map(\.code) == [.negativeValue, .wrongType, .unknownField, .invalidRow])
        #expect(issues.map(\.row) == [7, 3, 4, 4])
        #expect(issues.allSatisfy { $0.table == "lines" })
    }

    /// A child DocType that declares a field named like a parent column (`parent`): the key is
    /// the field's, and the column rewrite replaces it rather than adding a second `parent`.
    @Test func childFieldNamedLikeAParentColumn() throws {
        let row = try DocType(name: "Probe Node", module: "Test",
                              fields: [DocField("parent", .data), DocField("label", .data)], isChildTable: true)
        let parent = try DocType(name: "Probe Tree", module: "Test", fields: [DocField("nodes", .table, options: "Probe Node")])
        let probeSchema = try Schema([row, parent])
        let stored = try probeSchema.validate(Document(doctype: "Probe Tree", name: "T1",
                                                       ["nodes": [["label": "a", "parent": "elsewhere"], ["label": "b"]]]))
        let nodes = stored["nodes"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(nodes.map { $0.keys.filter { $0 == "parent" }.count } == [1, 1])
        #expect(nodes.map { $0["parent"] } == ["T1", "T1"])
    }
}

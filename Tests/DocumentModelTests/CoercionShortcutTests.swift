@testable import DocumentModel
import SiteStreamJSON
import Testing

/// Validation skips coercion for a value `FieldCoercion.keepsAsIs` recognises as already of its
/// field's type, and takes a key with a core standard column's bits for that column without a
/// lookup. Both shortcuts must give exactly what the full path gives.
@Suite struct CoercionShortcutTests {
    static let values: [JSON] = [
        .null, .bool(true), .bool(false), .int(0), .int(1), .int(-3), .int(42), .double(0), .double(1),
        .double(2.5), .double(-1.25), .double(.infinity), .double(1e20),
        .string(""), .string(" "), .string("x"), .string(" padded "), .string("12"), .string("2026-11-29"),
        .string("2026-11-29 10:00:00"), .string("10:00"), .string("Open"), .string("true"),
        .string("ünïcödé ✓✓✓"), .string(String(repeating: "a", count: 140)),
        .array([]), .array([.object(["name": "r1"])]), .object(["k": 1]),
    ]

    static func fields() -> [DocField] {
        var fields: [DocField] = []
        for type in FieldType.known + [.other("Mystery")] {
            fields.append(DocField("f", type, options: type == .select ? "\nOpen\nClosed" : (type == .link ? "Customer" : nil)))
            fields.append(DocField("f", type, options: type == .select ? "Open\nClosed" : nil, nonNegative: true, length: 10))
        }
        return fields
    }

    /// Whatever `keepsAsIs` accepts, coercion returns unchanged.
    @Test func keptValuesAreWhatCoercionReturns() {
        for field in Self.fields() {
            let facts = FieldFacts(field)
            for value in Self.values where FieldCoercion.keepsAsIs(value, traits: facts.traits) {
                #expect(FieldCoercion.coerce(value, facts: facts) == .value(value),
                        "\(field.fieldtype.rawValue) length \(field.length ?? 0): \(value.briefDescription)")
            }
        }
    }

    /// The shortcut is taken for the values of a typical document (else it saves nothing).
    @Test func commonValuesTakeTheShortcut() {
        let cases: [(FieldType, JSON)] = [
            (.data, "x"), (.link, "CUST-1"), (.smallText, "notes"), (.int, 3), (.float, 2.5), (.currency, 10.0),
            (.check, 1), (.json, ["k": 1]), (.data, .null),
        ]
        for (type, value) in cases {
            #expect(FieldCoercion.keepsAsIs(value, traits: FieldFacts(DocField("f", type)).traits), "\(type.rawValue)")
        }
        // Too long for its length in bytes: the full path decides (it counts Characters).
        #expect(!FieldCoercion.keepsAsIs("ééééé", traits: FieldFacts(DocField("f", .data, length: 6)).traits))
        #expect(FieldCoercion.coerce("ééééé", facts: FieldFacts(DocField("f", .data, length: 6))) == .value("ééééé"))
    }

    /// A negative number is refused on the shortcut as on the full path.
    @Test func negativeValueRefusedOnTheShortcut() throws {
        let doctype = try DocType(name: "Probe Amount", module: "Test", fields: [DocField("amount", .currency, nonNegative: true)])
        let schema = try Schema([doctype])
        let error = #expect(throws: ValidationError.self) {
            try schema.validate(Document(doctype: "Probe Amount", name: "P1", ["amount": .double(-1)]))
        }
        #expect(error?.issues.map(\.code) == [.negativeValue])
    }

    /// A DocType that declares a core column as a field (as ToDo does `owner`) has that key
    /// validated as its field, not passed as the standard column.
    @Test func redeclaredCoreColumnIsValidatedAsAField() throws {
        let doctype = try DocType(name: "Probe Todo", module: "Test",
                                  fields: [DocField("owner", .data), DocField("priority", .int)])
        let schema = try Schema([doctype])
        let coerced = try schema.validate(Document(doctype: "Probe Todo", name: "T1", ["owner": 5, "priority": "2"]))
        #expect(coerced["owner"] == "5")
        #expect(coerced["priority"] == 2)
        // Without the field, the same key is the standard column and kept as given.
        let plain = try Schema([try DocType(name: "Probe Plain", module: "Test", fields: [DocField("priority", .int)])])
        #expect(try plain.validate(Document(doctype: "Probe Plain", name: "P1", ["owner": 5]))["owner"] == 5)
    }

    /// A mandatory value is missing when absent, null, blank text (spaces, tabs, line breaks
    /// only) or an empty table, in the document and in its rows; text with anything else in
    /// it, leading spaces included, is given.
    @Test func mandatoryBlankTextIsMissing() throws {
        let row = try DocType(name: "Probe Need Row", module: "Test", fields: [DocField("code", .data, reqd: true)], isChildTable: true)
        let doctype = try DocType(name: "Probe Need", module: "Test",
                                  fields: [DocField("title", .data, reqd: true), DocField("rows", .table, options: "Probe Need Row")])
        let schema = try Schema([row, doctype])
        func issues(_ title: JSON?, rows: [JSON] = []) -> [ValidationIssue] {
            var o: JSONObject = ["rows": .array(rows)]
            if let title { o["title"] = title }
            do {
                _ = try schema.validate(Document(doctype: "Probe Need", name: "N1", o))
                return []
            } catch { return error.issues }
        }
        for blank: JSON? in [nil, .null, "", " ", "\t\n", " \r\n "] {
            #expect(issues(blank).map(\.code) == [.missingMandatory], "\(blank?.briefDescription ?? "absent")")
        }
        for given: JSON in ["x", " x", "\tx ", "0"] {
            #expect(issues(given).isEmpty, "\(given.briefDescription)")
        }
        let rowIssues = issues("t", rows: [["code": "A"], ["code": "  "], [:], ["code": " B"]])
        #expect(rowIssues.map(\.code) == [.missingMandatory, .missingMandatory])
        #expect(rowIssues.map(\.row) == [2, 3])
    }
}

import DocumentModel
import SiteStreamJSON
import Testing

@Suite struct DocTypeParsingTests {
    @Test func readsFrappeShapeAndIgnoresUnknownKeys() throws {
        let json: JSON = [
            "doctype": "DocType", "name": "Gadget", "module": "Stock", "autoname": "field:code",
            "naming_rule": "By fieldname", "is_submittable": 1, "title_field": "title", "engine": "InnoDB",
            "permissions": [["role": "System Manager", "read": 1]], "some_future_key": ["x": 1],
            "fields": [
                ["fieldname": "code", "fieldtype": "Data", "reqd": 1, "unique": 1, "label": "Code", "in_list_view": 1],
                ["fieldname": "sb", "fieldtype": "Section Break"],
                ["fieldname": "title", "fieldtype": "Data", "allow_on_submit": 1],
                ["fieldname": "qty", "fieldtype": "Int", "default": "0", "read_only": 1, "hidden": true],
                ["fieldname": "kind", "fieldtype": "Select", "options": "\nA\nB"],
                ["fieldname": "blob", "fieldtype": "Fancy New Type"],
                ["fieldname": "parts", "fieldtype": "Table", "options": "Gadget Part"],
            ],
        ]
        let dt = try DocType(json: json)
        #expect(dt.name == "Gadget")
        #expect(dt.module == "Stock")
        #expect(dt.isSubmittable && !dt.isChildTable)
        #expect(dt.titleField == "title")
        #expect(dt.namingRule == .field("code"))
        #expect(dt.fields.map(\.fieldname) == ["code", "sb", "title", "qty", "kind", "blob", "parts"])
        #expect(dt.dataFields.map(\.fieldname) == ["code", "title", "qty", "kind", "blob", "parts"])
        #expect(dt.tableFields.map(\.fieldname) == ["parts"])
        #expect(dt.field(named: "code")?.reqd == true)
        #expect(dt.field(named: "code")?.unique == true)
        #expect(dt.field(named: "title")?.allowOnSubmit == true)
        #expect(dt.field(named: "qty")?.defaultValue == "0")
        #expect(dt.field(named: "qty")?.hidden == true)
        #expect(dt.field(named: "kind")?.selectOptions == ["", "A", "B"])
        #expect(dt.field(named: "blob")?.fieldtype == .other("Fancy New Type"))
        #expect(dt.field(named: "blob")?.fieldtype.isData == true)
        #expect(dt.field(named: "sb")?.fieldtype.isLayout == true)
    }

    @Test func missingNamingIsFrappesRandomHash() throws {
        let dt = try DocType(json: ["doctype": "DocType", "name": "Plain", "fields": []])
        #expect(dt.namingRule == .hash)
        let script = try DocType(json: ["doctype": "DocType", "name": "Scripted", "naming_rule": "By script", "fields": []])
        #expect(script.namingRule == .hash)
    }

    @Test(arguments: [
        (JSON.array([]), "must be a JSON object"),
        (["doctype": "DocType", "fields": []], "has no 'name'"),
        (["doctype": "Customer", "name": "X", "fields": []], "is this a document"),
        (["doctype": "DocType", "name": "X", "fields": "nope"], "'fields' must be an array"),
        (["doctype": "DocType", "name": "X", "fields": [42]], "fields[0] is not a JSON object"),
        (["doctype": "DocType", "name": "X", "fields": [["fieldname": "a"]]], "has no 'fieldtype'"),
        (["doctype": "DocType", "name": "X", "fields": [["fieldtype": "Data"]]], "has no 'fieldname'"),
        (["doctype": "DocType", "name": "X", "fields": [["fieldname": "a", "fieldtype": "Data"], ["fieldname": "a", "fieldtype": "Int"]]], "declared twice"),
        (["doctype": "DocType", "name": "X", "fields": [["fieldname": "a", "fieldtype": "Data", "reqd": "maybe"]]], "'reqd' must be 0 or 1"),
        (["doctype": "DocType", "name": "X", "fields": [["fieldname": "a", "fieldtype": "Data", "label": ["x"]]]], "'label' must be a string"),
    ] as [(JSON, String)])
    func malformedDocTypeIsRefusedWithAClearMessage(json: JSON, expected: String) {
        let error = #expect(throws: DocTypeError.self) { try DocType(json: json) }
        #expect(error?.description.contains(expected) == true, "\(String(describing: error)) should mention \(expected)")
    }

    @Test(arguments: [
        ("field:missing", "does not have"),
        ("field:", "names no field"),
        ("INV-.##X#", "mixes '#'"),
        ("INV-.###.-.##", "2 counters"),
        ("format:INV-{####", "never closed"),
        ("format:INV-}{###}", "closes nothing"),
        ("format:INV-{}", "names nothing"),
        ("format:INV-{nope}-{###}", "neither a date part"),
        ("format:{##}-{###}", "2 counters"),
        ("whatever", "is not a naming rule"),
    ])
    func invalidNamingPatternIsAClearError(autoname: String, expected: String) {
        let json: JSON = ["doctype": "DocType", "name": "Named", "autoname": .string(autoname),
                          "fields": [["fieldname": "code", "fieldtype": "Data"]]]
        let error = #expect(throws: DocTypeError.self) { try DocType(json: json) }
        #expect(error?.doctype == "Named")
        #expect(error?.message.contains(expected) == true, "\(String(describing: error)) should mention \(expected)")
    }

    @Test func invalidNamingSeriesOptionIsAnErrorNamingTheField() {
        let json: JSON = ["doctype": "DocType", "name": "Bad Series", "autoname": "naming_series:",
                          "fields": [["fieldname": "naming_series", "fieldtype": "Select", "options": "OK-.####\nBAD-.#X#"]]]
        let error = #expect(throws: DocTypeError.self) { try DocType(json: json) }
        #expect(error?.field == "naming_series")
        #expect(error?.message.contains("BAD-.#X#") == true)
    }

    @Test func duplicateDocTypeAcrossFilesIsAnError() {
        let a: JSON = ["doctype": "DocType", "name": "Twice", "fields": []]
        let error = #expect(throws: DocTypeError.self) { try Schema.loading([("a.json", a), ("b.json", a)]) }
        #expect(error?.message.contains("defined twice") == true)
        #expect(error?.message.contains("a.json") == true)
    }

    @Test func missingChildTableIsAWarningNotAnError() throws {
        let parent: JSON = ["doctype": "DocType", "name": "Parent", "fields": [
            ["fieldname": "rows", "fieldtype": "Table", "options": "Not Here"],
            ["fieldname": "link", "fieldtype": "Link", "options": "Also Not Here"],
        ]]
        let (schema, warnings) = try Schema.loading([("parent.json", parent)])
        #expect(schema["Parent"] != nil)
        #expect(warnings.map(\.kind) == [.missingChildTable])
        // A link to a missing DocType only fails once a value is set.
        _ = try schema.validate(Document(doctype: "Parent", name: "p"))
        let error = #expect(throws: ValidationError.self) {
            try schema.validate(Document(doctype: "Parent", name: "p", ["link": "x"]))
        }
        #expect(error?.issues.first?.code == .invalidLink)
        #expect(error?.issues.first?.message.contains("Also Not Here") == true)
        let rows = #expect(throws: ValidationError.self) {
            try schema.validate(Document(doctype: "Parent", name: "p", ["rows": [["name": "r"]]]))
        }
        #expect(rows?.issues.first?.message.contains("Not Here") == true)
    }
}

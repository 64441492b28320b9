import DocumentModel
import SiteStreamJSON
import Testing

@Suite struct NamingTests {
    let today = CivilDate(year: 2026, month: 3, day: 7)

    func namer(seed: UInt64 = 1) -> Namer<InMemorySeriesCounter, SeededRandom> {
        Namer(counter: InMemorySeriesCounter(), random: SeededRandom(seed: seed), today: today)
    }

    func doctype(_ autoname: String?, rule: String? = nil, fields: [DocField] = [DocField("code", .data), DocField("customer", .data)]) throws -> DocType {
        try DocType(name: "Thing", fields: fields, autoname: autoname, namingRule: rule)
    }

    @Test func hashIsTenHexCharactersAndReproducibleBySeed() throws {
        var a = namer(seed: 7)
        var b = namer(seed: 7)
        var c = namer(seed: 8)
        let dt = try doctype("hash")
        let n1 = try a.newName(for: Document(doctype: "Thing"), doctype: dt)
        #expect(n1.count == 10)
        #expect(n1.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(try b.newName(for: Document(doctype: "Thing"), doctype: dt) == n1)
        #expect(try c.newName(for: Document(doctype: "Thing"), doctype: dt) != n1)
        #expect(try a.newName(for: Document(doctype: "Thing"), doctype: dt) != n1)
        // No autoname at all: Frappe's default is the same random hash.
        #expect(try doctype(nil).namingRule == .hash)
        #expect(try doctype(nil, rule: "Random").namingRule == .hash)
    }

    @Test func byField() throws {
        var n = namer()
        let dt = try doctype("field:code", rule: "By fieldname")
        #expect(try n.newName(for: Document(doctype: "Thing", ["code": " W-1 "]), doctype: dt) == "W-1")
        #expect(try n.newName(for: Document(doctype: "Thing", ["code": 42]), doctype: dt) == "42")
        let error = #expect(throws: NamingError.self) { try n.newName(for: Document(doctype: "Thing"), doctype: dt) }
        #expect(error?.field == "code")
        #expect(error?.message.contains("empty") == true)
    }

    @Test func namingSeriesFromTheDocumentOrTheDefault() throws {
        let dt = TestDocTypes.invoice
        var n = namer()
        let plain = Document(doctype: "Test Invoice")
        #expect(try n.newName(for: plain, doctype: dt) == "TINV-2026-00001")
        #expect(try n.newName(for: plain, doctype: dt) == "TINV-2026-00002")
        let ret = Document(doctype: "Test Invoice", ["naming_series": "TRET-.YYYY.-.###"])
        #expect(try n.newName(for: ret, doctype: dt) == "TRET-2026-001")
        #expect(n.counter.values == ["TINV-2026-": 2, "TRET-2026-": 1])
        // A new year counts from 1 again: the series key includes the year.
        n.today = CivilDate(year: 2027, month: 1, day: 1)
        #expect(try n.newName(for: plain, doctype: dt) == "TINV-2027-00001")
    }

    @Test func namingSeriesWithoutAnyDefaultIsAnError() throws {
        let dt = try DocType(name: "Bare", fields: [DocField("naming_series", .select)], autoname: "naming_series:")
        var n = namer()
        let error = #expect(throws: NamingError.self) { try n.newName(for: Document(doctype: "Bare"), doctype: dt) }
        #expect(error?.field == "naming_series")
        #expect(error?.message.contains("no naming series") == true)
        // The first option serves as default when no default is declared.
        let withOptions = try DocType(name: "Opt", fields: [DocField("naming_series", .select, options: "\nOPT-.##")],
                                      autoname: "naming_series:")
        #expect(try n.newName(for: Document(doctype: "Opt"), doctype: withOptions) == "OPT-01")
    }

    @Test func literalSeriesPatternAsInGLEntry() throws {
        let dt = try doctype("ACC-GLE-.YYYY.-.#####")
        var n = namer()
        #expect(try n.newName(for: Document(doctype: "Thing"), doctype: dt) == "ACC-GLE-2026-00001")
        #expect(try n.newName(for: Document(doctype: "Thing"), doctype: dt) == "ACC-GLE-2026-00002")
        let monthly = try doctype("PRE-.YY.MM.DD.-.{customer}.-.###")
        #expect(try n.newName(for: Document(doctype: "Thing", ["customer": "ACME"]), doctype: monthly) == "PRE-260307-ACME-001")
        // A series without a counter gets Frappe's five digits.
        #expect(try n.newName(for: Document(doctype: "Thing"), doctype: try doctype("NOCOUNT-.")) == "NOCOUNT-00001")
        // A bare part that is a fieldname is the field's value.
        #expect(try n.newName(for: Document(doctype: "Thing", ["code": "X"]), doctype: try doctype("P.code.-.##")) == "PX-01")
    }

    @Test func formatPattern() throws {
        let dt = try doctype("format:INV-{YYYY}-{MM}-{DD}-{customer}-{#####}", rule: "Expression")
        var n = namer()
        #expect(try n.newName(for: Document(doctype: "Thing", ["customer": "Acme"]), doctype: dt) == "INV-2026-03-07-Acme-00001")
        #expect(try n.newName(for: Document(doctype: "Thing", ["customer": "Acme"]), doctype: dt) == "INV-2026-03-07-Acme-00002")
        #expect(try n.newName(for: Document(doctype: "Thing", ["customer": "Beta"]), doctype: dt) == "INV-2026-03-07-Beta-00001")
        let error = #expect(throws: NamingError.self) { try n.newName(for: Document(doctype: "Thing"), doctype: dt) }
        #expect(error?.field == "customer")
        // Without a counter the format is the name.
        let plain = try doctype("format:{customer}-{YY}")
        #expect(try n.newName(for: Document(doctype: "Thing", ["customer": "Z"]), doctype: plain) == "Z-26")
    }

    @Test func autoincrementCountsPerDocType() throws {
        let dt = try doctype("autoincrement", rule: "Autoincrement")
        var n = namer()
        #expect(try n.newName(for: Document(doctype: "Thing"), doctype: dt) == "1")
        #expect(try n.newName(for: Document(doctype: "Thing"), doctype: dt) == "2")
        #expect(n.counter.values["Thing"] == 2)
    }

    @Test(arguments: ["prompt", "Prompt"])
    func promptNeedsAGivenName(autoname: String) throws {
        let dt = try doctype(autoname)
        #expect(dt.namingRule == .prompt)
        var n = namer()
        #expect(try n.newName(for: Document(doctype: "Thing", name: "Mine"), doctype: dt) == "Mine")
        #expect(try n.newName(for: Document(doctype: "Thing", ["__newname": "Via New"]), doctype: dt) == "Via New")
        let error = #expect(throws: NamingError.self) { try n.newName(for: Document(doctype: "Thing"), doctype: dt) }
        #expect(error?.description.contains("a name must be given") == true)
        #expect(try doctype(nil, rule: "Set by user").namingRule == .prompt)
    }

    @Test func namingRuleWithoutAutonameIsAnError() {
        let error = #expect(throws: DocTypeError.self) { try doctype(nil, rule: "By fieldname") }
        #expect(error?.message.contains("needs an 'autoname'") == true)
    }

    @Test func assignNamesNamesTheDocumentAndItsRows() throws {
        var n = namer()
        var d = Document(doctype: "Test Invoice", ["customer": "A", "items": [["item_code": "W"], ["name": "keep", "item_code": "W"]]])
        try n.assignNames(to: &d, doctype: TestDocTypes.invoice, schema: TestDocTypes.schema)
        #expect(d.name == "TINV-2026-00001")
        let rows = d.rows(of: "items")
        #expect(rows[0]["name"]?.stringValue?.count == 10)
        #expect(rows[1]["name"] == "keep")
        // A named document keeps its name.
        try n.assignNames(to: &d, doctype: TestDocTypes.invoice, schema: TestDocTypes.schema)
        #expect(d.name == "TINV-2026-00001")
    }

    struct FailingCounter: SeriesCounter {
        struct Full: Error {}
        mutating func next(series: String) throws -> Int { throw Full() }
    }

    @Test func counterFailuresPropagate() throws {
        var n = Namer(counter: FailingCounter(), random: SeededRandom(seed: 1), today: today)
        #expect(throws: FailingCounter.Full.self) { try n.newName(for: Document(doctype: "Thing"), doctype: try doctype("X-.###")) }
    }
}

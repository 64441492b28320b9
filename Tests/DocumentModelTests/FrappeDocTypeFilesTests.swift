import DocumentModel
import Foundation
import SiteStreamJSON
import Testing

/// Every real Frappe/ERPNext DocType file in `shared/frappe-doctypes` loads as-is.
///
/// The files live beside the clone (`../shared/frappe-doctypes` from the repository root), or
/// at `/work/shared/frappe-doctypes`; they are never copied into the repository.
enum FrappeDocTypeFiles {
    static let directory: URL? = {
        let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [
            repoRoot.deletingLastPathComponent().appendingPathComponent("shared/frappe-doctypes"),
            URL(fileURLWithPath: "/work/shared/frappe-doctypes"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("README.md").path) }
    }()

    static let fileNames: [String] = {
        guard let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory!.appendingPathComponent(name)))
    }
}

@Suite struct FrappeDocTypeFilesTests {
    @Test func theSharedFilesArePresent() throws {
        try #require(FrappeDocTypeFiles.directory != nil, "shared/frappe-doctypes not found beside the clone or at /work/shared; these tests are skipped")
        #expect(FrappeDocTypeFiles.fileNames.count >= 20)
    }

    @Test(arguments: FrappeDocTypeFiles.fileNames)
    func fileLoadsAsIs(file: String) throws {
        let bytes = try FrappeDocTypeFiles.bytes(file)
        let doctype = try DocType(jsonBytes: bytes)
        let json = try JSON(parsing: bytes)
        #expect(doctype.name == json["name"]?.stringValue)
        let declared = json["fields"]?.arrayValue ?? []
        #expect(doctype.fields.count == declared.count)
        #expect(doctype.fields.map(\.fieldname) == declared.map { $0["fieldname"]?.stringValue ?? "" })
        #expect(doctype.fields.map(\.fieldtype.rawValue) == declared.map { $0["fieldtype"]?.stringValue ?? "" })
        #expect(doctype.isChildTable == ((json["istable"]?.intValue ?? 0) == 1))
        #expect(doctype.isSubmittable == ((json["is_submittable"]?.intValue ?? 0) == 1))
        // Every field type in these files is one we know by name.
        #expect(doctype.fields.allSatisfy { !$0.fieldtype.isUnknown }, "unknown: \(doctype.fields.filter { $0.fieldtype.isUnknown }.map(\.fieldtype))")
        for (i, field) in declared.enumerated() {
            #expect(doctype.fields[i].reqd == ((field["reqd"]?.intValue ?? 0) == 1))
            #expect(doctype.fields[i].allowOnSubmit == ((field["allow_on_submit"]?.intValue ?? 0) == 1))
            #expect(doctype.fields[i].options == field["options"]?.stringValue)
            #expect(doctype.fields[i].defaultValue == field["default"]?.stringValue)
        }
    }

    @Test func namingRulesOfTheRealFiles() throws {
        try #require(FrappeDocTypeFiles.directory != nil)
        func rule(_ file: String) throws -> NamingRule { try DocType(jsonBytes: FrappeDocTypeFiles.bytes(file)).namingRule }
        #expect(try rule("todo.json") == .hash)
        #expect(try rule("address.json") == .hash)
        #expect(try rule("contact.json") == .hash)
        #expect(try rule("item.json") == .field("item_code"))
        #expect(try rule("role.json") == .field("role_name"))
        guard case .series(let gle) = try rule("gl_entry.json") else { Issue.record("GL Entry is a series"); return }
        #expect(gle.source == "ACC-GLE-.YYYY.-.#####")
        let invoice = try DocType(jsonBytes: FrappeDocTypeFiles.bytes("sales_invoice.json"))
        guard case .namingSeries(let options, _) = invoice.namingRule else { Issue.record("Sales Invoice uses naming_series"); return }
        #expect(options.map(\.source).contains("ACC-SINV-.YYYY.-"))
        var namer = Namer(counter: InMemorySeriesCounter(), random: SeededRandom(seed: 3), today: CivilDate(year: 2026, month: 1, day: 2))
        #expect(try namer.newName(for: Document(doctype: "Sales Invoice"), doctype: invoice) == "ACC-SINV-2026-00001")
    }

    @Test func allFilesTogetherMakeASchemaAndRoleIsSkipped() throws {
        try #require(FrappeDocTypeFiles.directory != nil)
        let files = try FrappeDocTypeFiles.fileNames.map { (name: $0, bytes: try FrappeDocTypeFiles.bytes($0)) }
        let (schema, warnings) = try Schema.loading(files)
        let skipped = warnings.filter { $0.kind == .systemDocTypeSkipped }
        #expect(skipped.map(\.doctype) == ["Role"])
        #expect(skipped.first?.file == "role.json")
        #expect(schema["Sales Invoice"]?.isSubmittable == true)
        #expect(schema["Sales Invoice Item"]?.isChildTable == true)
        #expect(schema.childDocType(of: schema["Sales Invoice"]!.field(named: "items")!)?.name == "Sales Invoice Item")
        // Child tables that are not among the files are warnings, not errors.
        #expect(warnings.contains { $0.kind == .missingChildTable && $0.doctype == "Sales Invoice" && $0.field == "taxes" })
    }

    @Test func aRealDocumentShapeValidatesAgainstTheRealSalesInvoice() throws {
        try #require(FrappeDocTypeFiles.directory != nil)
        let files = try ["sales_invoice.json", "sales_invoice_item.json", "customer.json"].map {
            (name: $0, bytes: try FrappeDocTypeFiles.bytes($0))
        }
        let (schema, _) = try Schema.loading(files)
        let doc = Document(doctype: "Sales Invoice", name: "ACC-SINV-2026-00001", [
            "naming_series": "ACC-SINV-.YYYY.-", "customer": "Acme", "posting_date": "2026-01-02",
            "due_date": "2026-02-01", "currency": "EUR", "conversion_rate": 1, "selling_price_list": "Standard",
            "price_list_currency": "EUR", "plc_conversion_rate": 1, "company": "SS", "debit_to": "Debtors",
            "base_grand_total": 10, "grand_total": 10, "docstatus": 0,
            "items": [["name": "r1", "item_code": "W", "item_name": "Widget", "qty": "2", "rate": 5, "amount": 10,
                       "base_rate": 5, "base_amount": 10, "uom": "Nos", "conversion_factor": 1, "income_account": "Sales",
                       "description": "w", "stock_uom": "Nos"]],
        ])
        let error = #expect(throws: ValidationError.self) { try schema.validate(doc) }
        // Links to DocTypes this schema lacks (Customer is there; Company, Currency… are not).
        let fields = Set(error?.issues.map { $0.field ?? "" } ?? [])
        #expect(fields.contains("company"))
        #expect(!fields.contains("customer"))
        #expect(error?.issues.allSatisfy { $0.code == .invalidLink || $0.code == .missingMandatory } == true,
                "\(String(describing: error))")
    }

    @Test func todoDeclaresOwnerAsAFieldWhichDiffsNeverCompare() throws {
        try #require(FrappeDocTypeFiles.directory != nil)
        let todo = try DocType(jsonBytes: FrappeDocTypeFiles.bytes("todo.json"))
        #expect(todo.field(named: "owner")?.fieldtype == .link)
        #expect(!todo.diffFields.contains { $0.fieldname == "owner" })
        let schema = try Schema([todo])
        let old = Document(doctype: "ToDo", name: "t1", ["description": "x", "owner": "a@example.com", "status": "Open"])
        var new = old
        new["owner"] = "b@example.com"
        #expect(try DocumentDiff.between(old, new, in: schema).isEmpty)
        new["status"] = "Closed"
        #expect(try DocumentDiff.between(old, new, in: schema).changed == ["status": "Closed"])
    }

    @Test func addressLinksUseTheRealDynamicLinkChildTable() throws {
        try #require(FrappeDocTypeFiles.directory != nil)
        var doctypes = try ["address.json", "dynamic_link.json", "customer.json"].map { try DocType(jsonBytes: FrappeDocTypeFiles.bytes($0)) }
        doctypes.append(try DocType(name: "Country", fields: [DocField("country_name", .data)], autoname: "field:country_name"))
        let schema = try Schema(doctypes)
        let address = Document(doctype: "Address", name: "A-1", [
            "address_title": "HQ", "address_type": "Billing", "address_line1": "1 Main St", "city": "Paris", "country": "France",
            "links": [["name": "l1", "link_doctype": "Customer", "link_name": "Acme"]],
        ])
        let valid = try schema.validate(address)
        #expect(valid.rows(of: "links")[0]["doctype"] == "Dynamic Link")
        var bad = address
        bad["links"] = [["name": "l1", "link_doctype": "Spaceship", "link_name": "Acme"]]
        let error = #expect(throws: ValidationError.self) { try schema.validate(bad) }
        #expect(error?.issues.contains { $0.field == "link_doctype" && $0.table == "links" && $0.row == 1 } == true)
        #expect(error?.issues.contains { $0.field == "link_name" && $0.message.contains("Spaceship") } == true)
    }
}

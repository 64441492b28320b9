import Testing
import SiteStreamJSON
@testable import ERPFixtures

/// Every fixture DocType is well-formed Frappe doctype JSON and consistent with the rest of the
/// set: links point at DocTypes that exist, tables at child DocTypes, naming rules at fields.
@Suite struct DocTypeShapeTests {
    static let expectedDocTypes: Set<String> = [
        "Customer Group", "Territory", "Item Group", "Supplier Group", "Customer", "Supplier", "Item",
        "Address", "Contact", "Dynamic Link", "Sales Invoice", "Sales Invoice Item", "Sales Order",
        "Sales Order Item", "Purchase Order", "Purchase Order Item", "GL Entry",
    ]

    @Test func theSetHoldsEveryBuiltInDocType() throws {
        #expect(Set(try loadFixtureDocTypes().keys) == Self.expectedDocTypes)
    }

    @Test(arguments: ERPFixtures.docTypeFiles.map(\.name))
    func fileHasTheDocTypeShape(file: String) throws {
        let text = try #require(ERPFixtures.docTypeJSON(file: file))
        let json = try JSON(parsing: text)
        #expect(json["doctype"] == "DocType", "\(file): doctype must be \"DocType\"")
        let name = try #require(json["name"]?.stringValue, "\(file): no name")
        #expect(ERPFixtures.fileName(forDocType: name) == file, "\(file): file name does not follow the DocType name \(name)")
        #expect(json["module"]?.stringValue?.isEmpty == false, "\(file): no module")
        let fields = try #require(json["fields"]?.arrayValue, "\(file): no fields array")
        #expect(!fields.isEmpty)
        var seen = Set<String>()
        for (i, field) in fields.enumerated() {
            let fieldname = field["fieldname"]?.stringValue
            let fieldtype = field["fieldtype"]?.stringValue
            #expect(fieldname?.isEmpty == false, "\(file): field #\(i) has no fieldname")
            #expect(fieldtype.map(FixtureDocType.knownTypes.contains) == true, "\(file): field #\(i) has fieldtype \(fieldtype ?? "nil")")
            if let fieldname {
                let isNew = seen.insert(fieldname).inserted
                #expect(isNew, "\(file): duplicate fieldname \(fieldname)")
            }
            for flag in ["reqd", "unique", "read_only", "allow_on_submit", "in_list_view", "no_copy", "bold"] {
                if let v = field[flag] { #expect(v == .int(0) || v == .int(1), "\(file).\(fieldname ?? "?"): \(flag) must be 0 or 1") }
            }
            if let d = field["default"] { #expect(d.stringValue != nil, "\(file).\(fieldname ?? "?"): default must be a string") }
        }
        let order = json["field_order"]?.arrayValue?.compactMap(\.stringValue)
        #expect(order == fields.compactMap { $0["fieldname"]?.stringValue }, "\(file): field_order disagrees with fields")
        for flag in ["istable", "is_submittable"] {
            if let v = json[flag] { #expect(v == .int(0) || v == .int(1), "\(file): \(flag) must be 0 or 1") }
        }
    }

    @Test func linksAndTablesNameDocTypesThatExist() throws {
        let all = try loadFixtureDocTypes()
        for doctype in all.values {
            for field in doctype.fields {
                let place = "\(doctype.name).\(field.fieldname)"
                switch field.fieldtype {
                case "Link":
                    let target = try #require(field.options, "\(place): Link without options")
                    #expect(all[target] != nil || ERPFixtures.systemLinkTargets.contains(target),
                            "\(place): links to \(target), which is neither a fixture nor a system DocType")
                case "Table":
                    let target = try #require(field.options, "\(place): Table without options")
                    #expect(all[target]?.istable == true, "\(place): table of \(target), which is not a fixture child DocType")
                case "Dynamic Link":
                    let sibling = doctype.field(field.options ?? "")
                    #expect(sibling?.fieldtype == "Link" && sibling?.options == "DocType",
                            "\(place): options must name a sibling Link to DocType")
                case "Select":
                    let choices = (field.options ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    #expect(choices.contains { !$0.isEmpty }, "\(place): Select without choices")
                    if let d = field.raw["default"]?.stringValue { #expect(choices.contains(d), "\(place): default \(d) is not a choice") }
                case "Currency":
                    // Currency options name the field that holds the currency code: a sibling,
                    // or for a child row a field of every parent that tables it.
                    if let o = field.options {
                        let holders = doctype.istable
                            ? all.values.filter { p in p.fields.contains { $0.fieldtype == "Table" && $0.options == doctype.name } }
                            : [doctype]
                        #expect(!holders.isEmpty && holders.allSatisfy { $0.field(o) != nil }, "\(place): currency field \(o) does not exist")
                    }
                default: break
                }
            }
        }
    }

    @Test func namingRulesAndLifecycleFieldsAreConsistent() throws {
        for doctype in try loadFixtureDocTypes().values {
            let autoname = doctype.autoname ?? ""
            if autoname.hasPrefix("field:") {
                let f = doctype.field(String(autoname.dropFirst(6)))
                #expect(f?.reqd == true && f?.raw["unique"] == .int(1), "\(doctype.name): naming field must be required and unique")
            } else if autoname == "naming_series:" {
                let series = doctype.field("naming_series")
                #expect(series?.fieldtype == "Select" && series?.reqd == true, "\(doctype.name): naming_series must be a required Select")
                #expect(doctype.isSubmittable, "\(doctype.name): our series-named DocTypes are the submittable transactions")
            } else if doctype.istable {
                #expect(autoname == "" || autoname == "hash", "\(doctype.name): child rows are hash-named")
                #expect(doctype.raw["permissions"]?.arrayValue?.isEmpty == true, "\(doctype.name): child DocTypes carry no permissions")
            } else {
                #expect(autoname == "hash" || autoname.contains(".#"), "\(doctype.name): unexpected autoname \(autoname)")
            }
            if doctype.isSubmittable {
                let amended = doctype.field("amended_from")
                #expect(amended?.fieldtype == "Link" && amended?.options == doctype.name, "\(doctype.name): amended_from must link to itself")
                #expect(doctype.fields.contains { $0.raw["allow_on_submit"] == .int(1) }, "\(doctype.name): no field may change after submit")
            }
        }
    }

    @Test func transactionsCarryTheRequiredSeries() throws {
        let all = try loadFixtureDocTypes()
        let expected = ["Sales Invoice": "ACC-SINV-.YYYY.-", "Sales Order": "SAL-ORD-.YYYY.-", "Purchase Order": "PUR-ORD-.YYYY.-"]
        for (name, series) in expected {
            #expect(all[name]?.field("naming_series")?.raw["default"]?.stringValue == series, "\(name): default series")
        }
    }
}

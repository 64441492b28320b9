import SiteStreamJSON
@testable import ERPFixtures

/// A test-side check of a document against the fixture DocTypes, independent of DocumentModel
/// (which will do this for real): shape, value types, required fields, Select choices, dates,
/// links to known documents, child rows, naming, and money arithmetic. Returns the problems
/// found, each naming the document and field.
struct DocumentChecker {
    let doctypes: [String: FixtureDocType]
    /// Names of the documents that links may point at, by DocType.
    var known: [String: Set<String>]

    static let standard: Set<String> = ["doctype", "name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"]
    static let rowStandard: Set<String> = standard.union(["parent", "parentfield", "parenttype"])

    init(doctypes: [String: FixtureDocType], masters: [JSON]) {
        self.doctypes = doctypes
        known = ["DocType": Set(doctypes.keys)]
        for m in masters { known[m["doctype"]?.stringValue ?? "", default: []].insert(m["name"]?.stringValue ?? "") }
    }

    func problems(_ doc: JSON) -> [String] {
        var out: [String] = []
        check(doc, asRowOf: nil, into: &out)
        return out
    }

    private func check(_ doc: JSON, asRowOf parent: (doc: JSON, field: String, idx: Int)?, into out: inout [String]) {
        guard let o = doc.objectValue else { return out.append("not an object: \(doc)") }
        let dt = o["doctype"]?.stringValue ?? ""
        guard let schema = doctypes[dt] else { return out.append("unknown doctype \(dt)") }
        let name = o["name"]?.stringValue ?? ""
        let here = "\(dt) \(name)"
        if name.isEmpty { out.append("\(here): empty name") }
        for key in ["owner", "creation", "modified", "modified_by"] where o[key]?.stringValue == nil {
            out.append("\(here): \(key) missing")
        }
        let docstatus = o["docstatus"]?.intValue ?? -1
        if !(0...2).contains(docstatus) || (docstatus > 0 && !schema.isSubmittable && parent == nil) {
            out.append("\(here): docstatus \(docstatus)")
        }
        if let parent {
            if o["parent"] != parent.doc["name"] || o["parenttype"] != parent.doc["doctype"]
                || o["parentfield"] != .string(parent.field) || o["idx"] != .int(Int64(parent.idx))
                || o["docstatus"] != parent.doc["docstatus"] {
                out.append("\(here): parent, parenttype, parentfield, idx or docstatus wrong")
            }
            if !schema.istable { out.append("\(here): a row of a DocType that is not a table") }
        } else if o["idx"] != .int(0) {
            out.append("\(here): top-level idx must be 0")
        }
        let allowed = parent == nil ? Self.standard : Self.rowStandard
        for key in o.keys where !allowed.contains(key) && schema.field(key).map({ !FixtureDocType.layoutTypes.contains($0.fieldtype) }) != true {
            out.append("\(here): \(key) is not a field")
        }
        for field in schema.dataFields {
            checkField(field, of: o, schema: schema, doc: doc, here: here, into: &out)
        }
        checkNaming(schema, o, here: here, into: &out)
        checkMoney(o, here: here, into: &out)
    }

    private func checkField(_ field: FixtureDocType.Field, of o: JSONObject, schema: FixtureDocType, doc: JSON, here: String, into out: inout [String]) {
        let place = "\(here).\(field.fieldname)"
        guard let value = o[field.fieldname] else { return out.append("\(place): missing") }
        if value.isNull {
            if field.reqd { out.append("\(place): required but null") }
            return
        }
        let type = field.fieldtype
        if FixtureDocType.stringTypes.contains(type) {
            guard let s = value.stringValue else { return out.append("\(place): \(type) holds \(value)") }
            if field.reqd && s.isEmpty { out.append("\(place): required but empty") }
            switch type {
            case "Select":
                let choices = (field.options ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if !choices.contains(s) { out.append("\(place): \(s) is not a choice") }
            case "Date":
                if !Self.isDate(s) { out.append("\(place): \(s) is not a date") }
            case "Link":
                if known[field.options ?? "", default: []].contains(s) == false { out.append("\(place): no \(field.options ?? "") named \(s)") }
            case "Dynamic Link":
                let target = o[field.options ?? ""]?.stringValue ?? ""
                if known[target, default: []].contains(s) == false { out.append("\(place): no \(target) named \(s)") }
            default: break
            }
        } else if FixtureDocType.integerTypes.contains(type) {
            guard case .int(let i) = value else { return out.append("\(place): \(type) holds \(value)") }
            if type == "Check" && i != 0 && i != 1 { out.append("\(place): Check holds \(i)") }
        } else if FixtureDocType.doubleTypes.contains(type) {
            guard case .double(let d) = value, d.isFinite else { return out.append("\(place): \(type) holds \(value)") }
        } else if type == "Table" {
            guard let rows = value.arrayValue else { return out.append("\(place): Table holds \(value)") }
            if field.reqd && rows.isEmpty { out.append("\(place): required table is empty") }
            var names = Set<String>()
            for (i, row) in rows.enumerated() {
                if row["doctype"]?.stringValue != field.options { out.append("\(place) row \(i + 1): doctype") }
                if !names.insert(row["name"]?.stringValue ?? "").inserted { out.append("\(place) row \(i + 1): duplicate name") }
                check(row, asRowOf: (doc, field.fieldname, i + 1), into: &out)
            }
        }
    }

    private func checkNaming(_ schema: FixtureDocType, _ o: JSONObject, here: String, into out: inout [String]) {
        let name = o["name"]?.stringValue ?? ""
        let autoname = schema.autoname ?? ""
        if autoname.hasPrefix("field:") {
            if o[String(autoname.dropFirst(6))]?.stringValue != name { out.append("\(here): name is not its naming field") }
        } else if autoname == "naming_series:" || autoname.contains(".YYYY.") {
            // PREFIX-.YYYY.-[.#####] → PREFIX-<4-digit year>-<at least 5 digits>
            let series = autoname == "naming_series:" ? (o["naming_series"]?.stringValue ?? "") : autoname
            let prefix = String(series.prefix { $0 != "." })
            let rest = name.hasPrefix(prefix) ? name.dropFirst(prefix.count) : ""
            let parts = rest.split(separator: "-", omittingEmptySubsequences: false)
            if parts.count != 2 || parts[0].count != 4 || parts[1].count < 5 || !parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) {
                out.append("\(here): name does not follow \(series)")
            }
        } else if autoname == "hash" || schema.istable {
            if name.utf8.count != 10 || !name.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) {
                out.append("\(here): \(name) is not a 10-digit hash name")
            }
        }
    }

    /// amount = qty × rate per row and the totals are the sums, compared in whole cents.
    private func checkMoney(_ o: JSONObject, here: String, into out: inout [String]) {
        guard let rows = o["items"]?.arrayValue, let total = o["total"]?.doubleValue else { return }
        func cents(_ d: Double?) -> Int { Int(((d ?? .nan) * 100).rounded()) }
        var sumCents = 0, sumQty = 0.0
        for row in rows {
            let qty = row["qty"]?.doubleValue ?? .nan, rate = row["rate"]?.doubleValue ?? .nan
            if cents(qty * rate) != cents(row["amount"]?.doubleValue) { out.append("\(here): row \(row["idx"] ?? .null) amount ≠ qty × rate") }
            if qty <= 0 || (qty * 2).rounded() != qty * 2 { out.append("\(here): row qty \(qty) is not a positive multiple of 0.5") }
            sumCents += cents(row["amount"]?.doubleValue)
            sumQty += qty
        }
        if cents(total) != sumCents { out.append("\(here): total ≠ sum of amounts") }
        for key in ["net_total", "grand_total"] where o[key] != o["total"] { out.append("\(here): \(key) ≠ total") }
        if let outstanding = o["outstanding_amount"], outstanding != o["grand_total"] { out.append("\(here): outstanding ≠ grand total") }
        if o["total_qty"]?.doubleValue != sumQty { out.append("\(here): total_qty ≠ sum of qty") }
    }

    static func isDate(_ s: String) -> Bool {
        let p = s.split(separator: "-", omittingEmptySubsequences: false)
        guard p.count == 3, p[0].count == 4, p[1].count == 2, p[2].count == 2,
            let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]), (1...12).contains(m)
        else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...lengths[m - 1]).contains(d)
    }
}

import DocumentModel
import SiteStreamJSON

/// Random documents of `TestDocTypes.invoice` and random edits of them, for property tests.
struct DocumentMutator {
    var random: SeededRandom
    var rowCounter = 0

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    static let texts = ["Acme", "Größe & Co", "日本語の請求書", "🧾 receipt", "e\u{301}cole", "line1\nline2", "quote \" and \\", "", " padded "]

    mutating func text() -> JSON { .string(pick(Self.texts) + (chance(50) ? " \(below(1000))" : "")) }

    mutating func nested(depth: Int = 0) -> JSON {
        switch below(depth > 2 ? 4 : 6) {
        case 0: return .null
        case 1: return .int(Int64(below(1000)) - 500)
        case 2: return .double(Double(below(100_000)) / 100)
        case 3: return text()
        case 4: return .array((0..<below(4)).map { _ in nested(depth: depth + 1) })
        default:
            var o = JSONObject()
            for i in 0..<below(4) { o["k\(i)\(pick(["", "ü", "🙂"]))"] = nested(depth: depth + 1) }
            return .object(o)
        }
    }

    /// A value of the right type for `field` (or null one time in eight).
    mutating func value(for field: DocField) -> JSON {
        if chance(12) { return .null }
        switch field.fieldtype {
        case .float, .currency, .percent: return .double(Double(below(1_000_000)) / 100)
        case .int: return .int(Int64(below(100)))
        case .check: return .int(Int64(below(2)))
        case .date: return .string("2026-\(10 + below(3))-\(10 + below(18))")
        case .datetime: return .string("2026-11-\(10 + below(18)) 1\(below(10)):0\(below(10)):00")
        case .time: return .string("1\(below(10)):30:00")
        case .select: return .string(pick(field.selectOptions))
        case .json: return nested()
        case .link where field.targetDocType == "DocType": return .string(pick(["Test Item", "Test Invoice"]))
        default: return text()
        }
    }

    mutating func newRow(_ doctype: DocType, table: String, parent: String) -> JSONObject {
        rowCounter += 1
        var row = JSONObject()
        row["name"] = .string("row-\(rowCounter)-\(below(1_000_000))")
        row["doctype"] = .string(doctype.name)
        row["parent"] = .string(parent)
        row["parentfield"] = .string(table)
        row["parenttype"] = "Test Invoice"
        row["owner"] = "Administrator"
        for field in doctype.dataFields where chance(85) { row[field.fieldname] = value(for: field) }
        return row
    }

    mutating func document(maxRows: Int = 6) -> Document {
        let dt = TestDocTypes.invoice
        var o = JSONObject()
        o["doctype"] = "Test Invoice"
        o["name"] = .string("TINV-\(below(100_000))")
        o["docstatus"] = .int(Int64(below(2)))
        o["creation"] = "2026-11-29 10:00:00"
        o["modified"] = "2026-11-29 10:00:00"
        o["owner"] = "Administrator"
        for field in dt.dataFields where !field.fieldtype.isTable && chance(85) { o[field.fieldname] = value(for: field) }
        var doc = Document(o)
        let name = doc.name!
        for (table, child) in [("items", TestDocTypes.invoiceItem), ("payments", TestDocTypes.payment)] {
            let count = below(maxRows + 1)
            var rows: [JSONObject] = []
            for i in 0..<count {
                var row = newRow(child, table: table, parent: name)
                row["idx"] = .int(Int64(i + 1))
                rows.append(row)
            }
            if count > 0 || chance(50) { doc.setRows(rows, of: table) }
        }
        return doc
    }

    /// An edited copy: fields changed, nulled or dropped; rows added, removed, changed, and
    /// (when `allowReorder`) reordered; sometimes docstatus moves; undeclared keys change too
    /// (they must not show in the diff).
    mutating func edit(_ doc: Document, allowReorder: Bool) -> Document {
        var new = doc
        let dt = TestDocTypes.invoice
        for field in dt.dataFields where !field.fieldtype.isTable && chance(20) {
            switch below(3) {
            case 0: new[field.fieldname] = value(for: field)
            case 1: new[field.fieldname] = .null
            default: new[field.fieldname] = nil
            }
        }
        if chance(20) { new.docstatus = below(3) }
        new.modified = "2026-11-30 11:00:00"
        if chance(30) { new["__unsaved"] = 1 }
        let name = doc.name!
        for (table, child) in [("items", TestDocTypes.invoiceItem), ("payments", TestDocTypes.payment)] {
            var rows = new.rows(of: table)
            if !rows.isEmpty, chance(30) { rows.remove(at: below(rows.count)) }
            for i in rows.indices where chance(25) {
                for field in child.dataFields where chance(30) { rows[i][field.fieldname] = value(for: field) }
                if chance(20) { rows[i]["modified"] = "2026-11-30 11:00:00" }  // not declared: ignored
            }
            if chance(40) {
                for _ in 0..<(1 + below(3)) { rows.append(newRow(child, table: table, parent: name)) }
            }
            if allowReorder, rows.count > 1, chance(30) { rows.swapAt(0, rows.count - 1) }
            for i in rows.indices { rows[i]["idx"] = .int(Int64(i + 1)) }
            if !rows.isEmpty || new[table] != nil { new.setRows(rows, of: table) }
        }
        return new
    }
}

/// Test-side equality on declared fields, written independently of the implementation:
/// missing ≡ null, numbers compared as doubles.
enum Declared {
    static func normalized(_ v: JSON?) -> JSON {
        switch v {
        case nil: return .null
        case .int(let i)?: return .double(Double(i))
        case .array(let a)?: return .array(a.map { normalized($0) })
        case .object(let o)?: return .object(JSONObject(o.map { ($0.key, normalized($0.value)) }))
        case let other?: return other
        }
    }

    /// Differences between `a` and `b` on the declared fields (rows matched by name).
    static func differences(_ a: Document, _ b: Document, orderMatters: Bool) -> [String] {
        var out: [String] = []
        if a.docstatus != b.docstatus { out.append("docstatus \(a.docstatus) vs \(b.docstatus)") }
        for field in TestDocTypes.invoice.dataFields {
            let key = field.fieldname
            if field.fieldtype.isTable {
                let child = key == "items" ? TestDocTypes.invoiceItem : TestDocTypes.payment
                let ra = a.rows(of: key), rb = b.rows(of: key)
                let namesA = ra.map { $0["name"]?.stringValue ?? "" }, namesB = rb.map { $0["name"]?.stringValue ?? "" }
                if orderMatters ? namesA != namesB : Set(namesA) != Set(namesB) {
                    out.append("\(key) rows \(namesA) vs \(namesB)")
                    continue
                }
                for row in ra {
                    guard let other = rb.first(where: { $0["name"] == row["name"] }) else { continue }
                    for cf in child.dataFields where normalized(row[cf.fieldname]) != normalized(other[cf.fieldname]) {
                        out.append("\(key)[\(row["name"]!)].\(cf.fieldname)")
                    }
                }
            } else if normalized(a[key]) != normalized(b[key]) {
                out.append(key)
            }
        }
        return out
    }
}

import SiteStreamJSON

extension Schema {
    /// `document` with the DocType's defaults filled in where a field is missing or null, in
    /// its rows too: what a new document gets before validation.
    ///
    /// A default is Frappe's string (`"0"`, `"Pending"`, `"Today"`, `"Now"`), coerced to the
    /// field's type; `"Today"` and `"Now"` need `today` (and `now`, `HH:MM:SS`). Defaults that
    /// name session values (`":Company"`, `"__user"`) or templates (`"{customer_name}"`) are left
    /// to the site and skipped here, as are defaults that do not fit the field.
    public func applyingDefaults(to document: Document, today: CivilDate? = nil, now: String? = nil) -> Document {
        guard let doctype = self[document.doctype] else { return document }
        return Document(fill(document.object, doctype: doctype, today: today, now: now))
    }

    private func fill(_ input: JSONObject, doctype: DocType, today: CivilDate?, now: String?) -> JSONObject {
        var object = input
        for field in doctype.fields where field.fieldtype.isData {
            if field.fieldtype.isTable {
                guard case .array(let rows)? = object[field.fieldname], let child = childDocType(of: field) else { continue }
                object[field.fieldname] = .array(rows.map { row in
                    guard case .object(let o) = row else { return row }
                    return .object(fill(o, doctype: child, today: today, now: now))
                })
                continue
            }
            guard object[field.fieldname]?.isNull ?? true, let raw = field.defaultValue?.trimmingWhitespace(), !raw.isEmpty else {
                continue
            }
            if raw.hasPrefix(":") || raw.hasPrefix("__") || raw.contains("{") { continue }
            var text = raw
            let date = today.map { d in
                "\(d.year)-\(d.month < 10 ? "0" : "")\(d.month)-\(d.day < 10 ? "0" : "")\(d.day)"
            }
            switch raw.lowercased() {
            case "today":
                guard let date else { continue }
                text = date
            case "now":
                guard let date, let now else { continue }
                text = field.fieldtype == .time ? now : date + " " + now
            default: break
            }
            if case .value(let v) = FieldCoercion.coerce(.string(text), for: field) { object[field.fieldname] = v }
        }
        return object
    }

    /// `document` with every non-empty `Password` field (in rows too) replaced by `"*****"`,
    /// as Frappe shows secrets: what a read returns.
    public func redactingSecrets(_ document: Document) -> Document {
        guard let doctype = self[document.doctype] else { return document }
        return Document(redact(document.object, doctype: doctype))
    }

    private func redact(_ input: JSONObject, doctype: DocType) -> JSONObject {
        var object = input
        for field in doctype.fields {
            if field.fieldtype == .password, case .string(let s)? = object[field.fieldname], !s.isEmpty {
                object[field.fieldname] = "*****"
            } else if field.fieldtype.isTable, case .array(let rows)? = object[field.fieldname], let child = childDocType(of: field),
                child.fields.contains(where: { $0.fieldtype == .password })
            {
                object[field.fieldname] = .array(rows.map { row in
                    guard case .object(let o) = row else { return row }
                    return .object(redact(o, doctype: child))
                })
            }
        }
        return object
    }
}

import SiteStreamJSON

extension Schema {
    /// Checks `document` against its DocType and returns it with every value coerced to its
    /// field's type (see `FieldCoercion`), child rows given their `doctype`, `parent`,
    /// `parenttype`, `parentfield` and (when missing) `idx`.
    ///
    /// Collects every issue before throwing: unknown fields (named with the DocType), layout
    /// fields given a value, wrong types, Select values outside the options, bad dates,
    /// missing mandatory values, Links to DocTypes the site lacks, Dynamic Links without their
    /// DocType, bad `docstatus`. Keys starting with `__` and the standard columns are kept.
    /// When `previous` is given, the docstatus transition and the submitted-document rules
    /// are checked as well (see `transitionIssues(from:to:)`).
    public func validate(_ document: Document, previous: Document? = nil) throws(ValidationError) -> Document {
        let name = document.doctype
        guard let doctype = self[name] else {
            let message = name.isEmpty ? "the document has no 'doctype'" : "DocType '\(name)' is not installed on this site"
            throw ValidationError(doctype: name, name: document.name,
                                  issues: [ValidationIssue(.unknownDocType, doctype: name, message: message)])
        }
        var issues: [ValidationIssue] = []
        var object = coerce(document.object, doctype: doctype, table: nil, row: nil, issues: &issues)
        if let docstatus = object["docstatus"] {
            switch docstatus.intValue ?? (docstatus.stringValue.flatMap { Int64($0) }) {
            case let n? where (0...2).contains(n):
                object["docstatus"] = .int(n)
                if n != 0, !doctype.isSubmittable {
                    issues.append(ValidationIssue(.invalidDocstatus, doctype: name, field: "docstatus",
                                                  message: "\(name) is not submittable; its docstatus must be 0, found \(n)"))
                }
            default:
                issues.append(ValidationIssue(.invalidDocstatus, doctype: name, field: "docstatus",
                                              message: "docstatus must be 0 (draft), 1 (submitted) or 2 (cancelled), found \(docstatus.briefDescription)"))
            }
        }
        let result = Document(object)
        if let previous, issues.isEmpty {
            issues += transitionIssues(from: previous, to: result, doctype: doctype)
        }
        guard issues.isEmpty else { throw ValidationError(doctype: name, name: document.name, issues: issues) }
        return result
    }

    /// Coerces one document or row; `table`/`row` say where a row sits in its parent.
    private func coerce(_ input: JSONObject, doctype: DocType, table: String?, row: Int?,
                        issues: inout [ValidationIssue]) -> JSONObject {
        var lookup = FieldLookup()
        return coerce(input, doctype: doctype, table: table, row: row, lookup: &lookup, issues: &issues)
    }

    /// `lookup` carries the field facts found for the previous row of the same table.
    private func coerce(_ input: JSONObject, doctype: DocType, table: String?, row: Int?,
                        lookup: inout FieldLookup, issues: inout [ValidationIssue]) -> JSONObject {
        var object = input
        let values = input.values
        for (position, key) in input.keys.enumerated() {
            let value = values[position]
            let facts: FieldFacts
            switch lookup.find(key, at: position, in: doctype) {
            case .field(let f): facts = f
            case .standard: continue
            case .unknown:
                issues.append(ValidationIssue(.unknownField, doctype: doctype.name, field: key, table: table, row: row,
                                              message: "\(doctype.name) has no field '\(key)'"))
                continue
            }
            if facts.isLayout {
                issues.append(ValidationIssue(.layoutField, doctype: doctype.name, field: key, table: table, row: row,
                                              message: "'\(key)' is a \(facts.fieldtype.rawValue), which holds no value"))
                continue
            }
            // Most values already have their field's type: no outcome to build, nothing to
            // compare or store back.
            let kept = FieldCoercion.keepsAsIs(value, facts: facts)
            let coerced: JSON
            if kept {
                coerced = value
            } else {
                switch FieldCoercion.coerce(value, facts: facts) {
                case .invalid(let code, let message):
                    issues.append(ValidationIssue(code, doctype: doctype.name, field: key, table: table, row: row, message: message))
                    continue
                case .value(let value):
                    coerced = value
                }
                if facts.isTable, case .array(let rows) = coerced {
                    // Rows always come back rewritten (parent columns); storing them is cheaper
                    // than comparing every row with the input to find out.
                    object[key] = .array(coerceRows(rows, facts: facts, parentObject: input, parentType: doctype, issues: &issues))
                    continue
                }
            }
            if facts.nonNegative, let n = coerced.doubleValue, n < 0 {
                issues.append(ValidationIssue(.negativeValue, doctype: doctype.name, field: key, table: table, row: row,
                                              message: "'\(key)' may not be negative, found \(n)"))
            }
            if !kept, coerced != value { object[key] = coerced }
        }
        // Only mandatory fields and links need a second look (`DocType.checkedFacts`).
        for (checked, facts) in doctype.checkedFacts.enumerated() {
            let value = object[facts.fieldname]
            if facts.reqd, facts.fieldtype != .check {
                let missing: Bool
                switch value {
                case nil, .null?: missing = true
                case .string(let s)?: missing = s.trimmingWhitespace().isEmpty
                case .array(let a)?: missing = a.isEmpty
                default: missing = false
                }
                if missing {
                    let field = facts.field
                    let label = field.label.map { "'\($0)' (\(field.fieldname))" } ?? "'\(field.fieldname)'"
                    let what = field.fieldtype.isTable ? "needs at least one row" : "is mandatory and has no value"
                    issues.append(ValidationIssue(.missingMandatory, doctype: doctype.name, field: field.fieldname,
                                                  table: table, row: row, message: "\(label) \(what)"))
                }
            }
            guard case .string(let text)? = value, !text.isEmpty else { continue }
            let fieldname = facts.fieldname
            if facts.fieldtype == .link, let target = facts.target {
                if target == "DocType" {
                    if !contains(text) {
                        issues.append(ValidationIssue(.invalidLink, doctype: doctype.name, field: fieldname, table: table, row: row,
                                                      message: "'\(fieldname)' names DocType '\(text)', which is not installed on this site"))
                    }
                } else if !lookup.targetInstalled(checked, target, in: self) {
                    issues.append(ValidationIssue(.invalidLink, doctype: doctype.name, field: fieldname, table: table, row: row,
                                                  message: "'\(fieldname)' links to DocType '\(target)', which this site does not have; install it or leave the field empty"))
                }
            } else if facts.fieldtype == .dynamicLink {
                let sibling = facts.dynamicSibling
                let target = object[sibling]?.stringValue ?? ""
                if target.isEmpty {
                    issues.append(ValidationIssue(.invalidLink, doctype: doctype.name, field: fieldname, table: table, row: row,
                                                  message: "'\(fieldname)' is a Dynamic Link and needs its DocType in '\(sibling)', which is empty"))
                } else if !contains(target) {
                    issues.append(ValidationIssue(.invalidLink, doctype: doctype.name, field: fieldname, table: table, row: row,
                                                  message: "'\(fieldname)' links to DocType '\(target)' (from '\(sibling)'), which is not installed on this site"))
                }
            }
        }
        return object
    }

    private func coerceRows(_ rows: [JSON], facts: FieldFacts, parentObject: JSONObject, parentType: DocType,
                            issues: inout [ValidationIssue]) -> [JSON] {
        let table = facts.field.fieldname
        guard let childName = facts.target, let child = self[childName] else {
            if !rows.isEmpty {
                issues.append(ValidationIssue(.invalidRow, doctype: parentType.name, field: table,
                                              message: "table '\(table)' holds rows of '\(facts.target ?? "?")', which is not installed on this site"))
            }
            return rows
        }
        let parentName = parentObject["name"]?.stringValue
        var lookup = FieldLookup()
        var out: [JSON] = []
        out.reserveCapacity(rows.count)
        for (i, item) in rows.enumerated() {
            guard case .object(let row) = item else {
                issues.append(ValidationIssue(.invalidRow, doctype: parentType.name, field: table, table: table, row: i + 1,
                                              message: "row \(i + 1) of '\(table)' must be an object, found \(item.briefDescription)"))
                continue
            }
            let position = row["idx"]?.intValue.map { Int($0) } ?? (i + 1)
            if let declared = row["doctype"]?.stringValue, !declared.isEmpty, declared != childName {
                issues.append(ValidationIssue(.invalidRow, doctype: childName, field: "doctype", table: table, row: position,
                                              message: "row of '\(table)' says doctype '\(declared)'; the table holds '\(childName)'"))
            }
            var coerced = coerce(row, doctype: child, table: table, row: position, lookup: &lookup, issues: &issues)
            if coerced["doctype"]?.stringValue != childName { coerced["doctype"] = .string(childName) }
            if let parentName, coerced["parent"]?.stringValue != parentName { coerced["parent"] = .string(parentName) }
            if coerced["parenttype"]?.stringValue != parentType.name { coerced["parenttype"] = .string(parentType.name) }
            if coerced["parentfield"]?.stringValue != table { coerced["parentfield"] = .string(table) }
            if coerced["idx"]?.intValue == nil { coerced["idx"] = .int(Int64(i + 1)) }
            out.append(.object(coerced))
        }
        return out
    }
}

/// Finds what each key of a document is: a field (with its facts), a standard column, or
/// unknown. Without hashing the key, as a rule:
/// - the rows of one table nearly always list their keys in the same order, so what was found
///   for a key at a position is remembered and reused when the next row has the same key there;
/// - a document (or a first row) nearly always lists its fields in the DocType's form order, so
///   the field after the last one found is tried first.
/// Only a key that fits neither is looked up by hash.
struct FieldLookup {
    enum Found {
        case field(FieldFacts)
        case standard
        case unknown
    }

    private var keys: [String] = []
    private var found: [Found] = []
    /// Position in `fields` where the next key is expected.
    private var expected = 0
    /// By position in `checkedFacts`: a Link whose target DocType was found installed.
    private var installedTargets: [Bool] = []

    mutating func find(_ key: String, at position: Int, in doctype: DocType) -> Found {
        if position < keys.count, keys[position] == key { return found[position] }
        let result = resolve(key, in: doctype)
        if position < keys.count {
            keys[position] = key
            found[position] = result
        } else if position == keys.count {
            // Room for a whole object's keys (its fields and a dozen standard columns) at the
            // first one, not a regrowth every few keys.
            if position == 0 { reserve(doctype.fields.count + 12) }
            keys.append(key)
            found.append(result)
        }
        return result
    }

    private mutating func reserve(_ count: Int) {
        keys.reserveCapacity(count)
        found.reserveCapacity(count)
    }

    /// Whether the target of the Link field at `checked` in `checkedFacts` is installed: the
    /// same answer for every row of a table, so asked of the schema once per table.
    mutating func targetInstalled(_ checked: Int, _ target: String, in schema: Schema) -> Bool {
        if checked < installedTargets.count, installedTargets[checked] { return true }
        guard schema.contains(target) else { return false }
        if checked >= installedTargets.count { installedTargets += repeatElement(false, count: checked + 1 - installedTargets.count) }
        installedTargets[checked] = true
        return true
    }

    private mutating func resolve(_ key: String, in doctype: DocType) -> Found {
        let next = doctype.nextDataField[min(expected, doctype.fields.count)]
        if next < doctype.fields.count, doctype.facts[next].fieldname == key {
            expected = next + 1
            return .field(doctype.facts[next])
        }
        // Standard columns (a row has eleven) are no field: known by their bits, they cost
        // no hashing at all, let alone a failed field lookup and then the standard set's.
        if !doctype.declaresCoreColumn, StandardColumns.isCoreColumnByBits(key) { return .standard }
        if let position = doctype.position(of: key) {
            expected = position + 1
            return .field(doctype.facts[position])
        }
        return StandardColumns.isStandard(key) ? .standard : .unknown
    }
}

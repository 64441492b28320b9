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
        return try validate(document, installed: doctype, previous: previous)
    }

    /// `validate(_:previous:)` for a caller that holds the document's DocType already (the
    /// lifecycle looked it up to run the hooks): the same checks without looking it up again.
    /// A `doctype` of another name than the document's is looked up as usual.
    public func validate(_ document: Document, doctype: DocType, previous: Document? = nil) throws(ValidationError) -> Document {
        guard doctype.name == document.doctype else { return try validate(document, previous: previous) }
        return try validate(document, installed: doctype, previous: previous)
    }

    private func validate(_ document: Document, installed doctype: DocType, previous: Document?) throws(ValidationError) -> Document {
        let name = doctype.name
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
        // One object: nothing to remember for a next row.
        var lookup = FieldLookup(remembering: false)
        var columns = RowColumns()
        return coerce(input, doctype: doctype, plan: CoercionPlan(doctype), table: table, row: row, lookup: &lookup, columns: &columns,
                      issues: &issues)
    }

    /// `lookup` carries what was found for the previous row of the same table; `columns` comes
    /// back saying where the row columns sit in the result.
    ///
    /// The first pass reads keys, values and field traits through buffer pointers and finds
    /// fields by position (`FieldLookup`): a value that already has its field's type costs no
    /// retain, no release and no hashing. It also notes where each field of `checkedFacts` sits,
    /// so the second pass finds their values without searching the object for them (a search
    /// for a key that is absent compares it with every key).
    private func coerce(_ input: JSONObject, doctype: DocType, plan: CoercionPlan, table: String?, row: Int?,
                        lookup: inout FieldLookup, columns: inout RowColumns,
                        issues: inout [ValidationIssue]) -> JSONObject {
        var object = input
        let checked = plan.checkedFacts
        lookup.startObject(checkedCount: checked.count)
        columns = RowColumns()
        let keys = input.keys, values = input.values, traits = plan.traits, checkedSlot = plan.checkedSlot
        keys.withUnsafeBufferPointer { keys in
            values.withUnsafeBufferPointer { values in
                traits.withUnsafeBufferPointer { traits in
                    for position in 0..<keys.count {
                        let field: Int
                        switch lookup.find(keys, at: position, in: doctype) {
                        case .field(let f): field = f
                        case .standard(let slot):
                            if slot >= 0 { columns.set(slot, position) }
                            continue
                        case .unknown:
                            let key = keys[position]
                            issues.append(ValidationIssue(.unknownField, doctype: doctype.name, field: key, table: table, row: row,
                                                          message: "\(doctype.name) has no field '\(key)'"))
                            continue
                        }
                        let t = traits[field]
                        if t.isLayout {
                            let key = keys[position]
                            issues.append(ValidationIssue(.layoutField, doctype: doctype.name, field: key, table: table, row: row,
                                                          message: "'\(key)' is a \(doctype.facts[field].fieldtype.rawValue), which holds no value"))
                            continue
                        }
                        let slot = checkedSlot[field]
                        if slot >= 0 { lookup.checkedPositions[slot] = position }
                        // Most values already have their field's type: no outcome to build,
                        // nothing to compare or store back.
                        if FieldCoercion.keepsAsIs(values[position], traits: t) {
                            if t.nonNegative, let n = values[position].doubleValue, n < 0 {
                                issues.append(ValidationIssue(.negativeValue, doctype: doctype.name, field: keys[position], table: table, row: row,
                                                              message: "'\(keys[position])' may not be negative, found \(n)"))
                            }
                            continue
                        }
                        coerceValue(at: position, keys: keys, values: values, facts: doctype.facts[field], into: &object,
                                    doctype: doctype, table: table, row: row, issues: &issues)
                    }
                }
            }
        }
        // Only mandatory fields and links need a second look (`DocType.checkedFacts`); their
        // values are found at the positions the first pass noted.
        let checks = plan.checkedChecks
        let coercedValues = object.values
        coercedValues.withUnsafeBufferPointer { values in
            checks.withUnsafeBufferPointer { checks in
                for slot in 0..<checks.count {
                    let at = lookup.checkedPositions[slot]
                    if checks[slot].mandatory, at < 0 || Self.isMissing(values[at]) {
                        issues.append(Self.missingIssue(checked[slot], doctype: doctype, table: table, row: row))
                    }
                    guard checks[slot].link != .none, at >= 0, case .string(let text) = values[at], !text.isEmpty else { continue }
                    switch checks[slot].link {
                    case .none:
                        continue
                    case .docType:
                        if !contains(text) {
                            let fieldname = checked[slot].fieldname
                            issues.append(ValidationIssue(.invalidLink, doctype: doctype.name, field: fieldname, table: table, row: row,
                                                          message: "'\(fieldname)' names DocType '\(text)', which is not installed on this site"))
                        }
                    case .link:
                        if !lookup.targetKnownInstalled(slot) {
                            let facts = checked[slot]
                            if let target = facts.target, !lookup.targetInstalled(slot, target, in: self) {
                                issues.append(ValidationIssue(.invalidLink, doctype: doctype.name, field: facts.fieldname, table: table, row: row,
                                                              message: "'\(facts.fieldname)' links to DocType '\(target)', which this site does not have; install it or leave the field empty"))
                            }
                        }
                    case .dynamic:
                        let facts = checked[slot]
                        let fieldname = facts.fieldname
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
            }
        }
        return object
    }

    /// Whether a mandatory field's value counts as not given: null, blank text, no rows.
    @inline(__always)
    private static func isMissing(_ value: JSON) -> Bool {
        switch value {
        case .null: return true
        case .string(let s):
            // Text that starts with no space byte is not blank (the usual case, decided
            // without building the trimmed text).
            guard let first = s.utf8.first else { return true }
            if !(first == 0x20 || first == 0x09 || first == 0x0A || first == 0x0D) { return false }
            return s.trimmingWhitespace().isEmpty
        case .array(let a): return a.isEmpty
        default: return false
        }
    }

    private static func missingIssue(_ facts: FieldFacts, doctype: DocType, table: String?, row: Int?) -> ValidationIssue {
        let field = facts.field
        let label = field.label.map { "'\($0)' (\(field.fieldname))" } ?? "'\(field.fieldname)'"
        let what = field.fieldtype.isTable ? "needs at least one row" : "is mandatory and has no value"
        return ValidationIssue(.missingMandatory, doctype: doctype.name, field: field.fieldname, table: table, row: row,
                               message: "\(label) \(what)")
    }

    /// The slow path of the first pass: a value that coercion may change (or refuse), and a
    /// table's rows. Stores the coerced value back in `object` at the same position.
    private func coerceValue(at position: Int, keys: UnsafeBufferPointer<String>, values: UnsafeBufferPointer<JSON>,
                             facts: FieldFacts, into object: inout JSONObject,
                             doctype: DocType, table: String?, row: Int?, issues: inout [ValidationIssue]) {
        let key = keys[position], value = values[position]
        let coerced: JSON
        switch FieldCoercion.coerce(value, facts: facts) {
        case .invalid(let code, let message):
            issues.append(ValidationIssue(code, doctype: doctype.name, field: key, table: table, row: row, message: message))
            return
        case .value(let value):
            coerced = value
        }
        if facts.traits.isTable, case .array(let rows) = coerced {
            // Rows always come back rewritten (parent columns); storing them is cheaper than
            // comparing every row with the input to find out.
            object.replaceValue(at: position, with: .array(coerceRows(rows, facts: facts, parentObject: object, parentType: doctype, issues: &issues)))
            return
        }
        if facts.traits.nonNegative, let n = coerced.doubleValue, n < 0 {
            issues.append(ValidationIssue(.negativeValue, doctype: doctype.name, field: key, table: table, row: row,
                                          message: "'\(key)' may not be negative, found \(n)"))
        }
        if coerced != value { object.replaceValue(at: position, with: coerced) }
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
        let plan = CoercionPlan(child)
        var lookup = FieldLookup()
        var columns = RowColumns()
        var out: [JSON] = []
        out.reserveCapacity(rows.count)
        for (i, item) in rows.enumerated() {
            guard case .object(let row) = item else {
                issues.append(ValidationIssue(.invalidRow, doctype: parentType.name, field: table, table: table, row: i + 1,
                                              message: "row \(i + 1) of '\(table)' must be an object, found \(item.briefDescription)"))
                continue
            }
            // The row's place is its `idx`, known after the pass that finds its columns; the
            // issues of the pass are given it afterwards.
            let firstIssue = issues.count
            var coerced = coerce(row, doctype: child, plan: plan, table: table, row: nil, lookup: &lookup, columns: &columns, issues: &issues)
            let position = columns.idx >= 0 ? coerced.value(at: columns.idx).intValue.map { Int($0) } ?? (i + 1) : (i + 1)
            for k in firstIssue..<issues.count where issues[k].table == table && issues[k].row == nil {
                issues[k].row = position
            }
            if columns.doctype >= 0, let declared = coerced.value(at: columns.doctype).stringValue, !declared.isEmpty, declared != childName {
                issues.append(ValidationIssue(.invalidRow, doctype: childName, field: "doctype", table: table, row: position,
                                              message: "row of '\(table)' says doctype '\(declared)'; the table holds '\(childName)'"))
            }
            // A column the pass did not find is absent, unless the child DocType declares a
            // field of that name (then the key was taken for the field): only then search.
            let absentMeansMissing = !child.declaresCoreColumn
            func set(_ key: String, at found: Int, _ value: JSON) {
                if found >= 0 { coerced.replaceValue(at: found, with: value) }
                else if absentMeansMissing { coerced.appendUnchecked(key: key, value: value) }
                else { coerced[key] = value }
            }
            if columns.doctype < 0 || coerced.value(at: columns.doctype).stringValue != childName {
                set("doctype", at: columns.doctype, .string(childName))
            }
            if let parentName, columns.parent < 0 || coerced.value(at: columns.parent).stringValue != parentName {
                set("parent", at: columns.parent, .string(parentName))
            }
            if columns.parenttype < 0 || coerced.value(at: columns.parenttype).stringValue != parentType.name {
                set("parenttype", at: columns.parenttype, .string(parentType.name))
            }
            if columns.parentfield < 0 || coerced.value(at: columns.parentfield).stringValue != table {
                set("parentfield", at: columns.parentfield, .string(table))
            }
            if columns.idx < 0 || coerced.value(at: columns.idx).intValue == nil {
                set("idx", at: columns.idx, .int(Int64(i + 1)))
            }
            out.append(.object(coerced))
        }
        return out
    }
}

/// The arrays of a DocType that `coerce` reads for every object, taken out once per document or
/// table: each read of one through the `DocType` retains and releases it, and these arrays are
/// shared by every writer thread, so each row of a table cost four retains and four releases on
/// cache lines the other core's rows were updating too.
struct CoercionPlan {
    let traits: [FieldTraits]
    let checkedSlot: [Int]
    let checkedFacts: [FieldFacts]
    let checkedChecks: [FieldChecks]

    init(_ doctype: DocType) {
        traits = doctype.traits
        checkedSlot = doctype.checkedSlot
        checkedFacts = doctype.checkedFacts
        checkedChecks = doctype.checkedChecks
    }
}

/// Where the columns `coerceRows` checks and rewrites sit in a row (-1: not found by the pass).
struct RowColumns {
    var doctype = -1, parent = -1, parenttype = -1, parentfield = -1, idx = -1

    /// The slot `FieldLookup` gives each of these columns.
    static func slot(of key: String) -> Int {
        switch key {
        case "doctype": return 0
        case "parent": return 1
        case "parenttype": return 2
        case "parentfield": return 3
        case "idx": return 4
        default: return -1
        }
    }

    mutating func set(_ slot: Int, _ position: Int) {
        switch slot {
        case 0: doctype = position
        case 1: parent = position
        case 2: parenttype = position
        case 3: parentfield = position
        default: idx = position
        }
    }
}

/// Finds what each key of a document is: a field (by its position in the DocType), a standard
/// column, or unknown. Without hashing the key, as a rule:
/// - the rows of one table nearly always list their keys in the same order, so what was found
///   for a key at a position is remembered and reused when the next row has the same key
///   there: the same bits (keys are interned by the parser, literals by the compiler), so the
///   check is two integer compares and retains nothing;
/// - a document (or a first row) nearly always lists its fields in the DocType's form order, so
///   the field after the last one found is tried first.
/// Only a key that fits neither is looked up by hash.
struct FieldLookup {
    enum Found {
        /// A field, by its position in the DocType's `fields`.
        case field(Int)
        /// A standard column; its `RowColumns` slot, or -1.
        case standard(Int)
        case unknown
    }

    /// Whether what is found for each position is kept for the next object (the next row of
    /// a table); a lone document has no next object to save work on.
    let remembering: Bool

    init(remembering: Bool = true) {
        self.remembering = remembering
    }

    /// The keys seen, by position: kept alive here, so a key with the same bits as one of
    /// them is the same string.
    private var keys: [String] = []
    private var keyBits: [(UInt64, UInt64)] = []
    private var found: [Found] = []
    /// Position in `fields` where the next key is expected.
    private var expected = 0
    /// By position in `checkedFacts`: a Link whose target DocType was found installed.
    private var installedTargets: [Bool] = []
    /// By position in `checkedFacts`: where that field's key sits in the current object (-1:
    /// absent). Reset by `startObject`.
    var checkedPositions: [Int] = []

    mutating func startObject(checkedCount: Int) {
        if checkedPositions.count == checkedCount {
            for i in checkedPositions.indices { checkedPositions[i] = -1 }
        } else {
            checkedPositions = [Int](repeating: -1, count: checkedCount)
        }
    }

    /// The 16 bytes of the `String` at `position`, read without retaining it.
    @inline(__always)
    private static func bits(_ keys: UnsafeBufferPointer<String>, _ position: Int) -> (UInt64, UInt64) {
        let raw = UnsafeRawPointer(keys.baseAddress! + position)
        return (raw.load(as: UInt64.self), raw.load(fromByteOffset: 8, as: UInt64.self))
    }

    mutating func find(_ keys: UnsafeBufferPointer<String>, at position: Int, in doctype: DocType) -> Found {
        guard remembering else { return resolve(keys[position], in: doctype) }
        let comparesBits = MemoryLayout<String>.size == 16 && MemoryLayout<String>.stride == 16
        let bits = comparesBits ? Self.bits(keys, position) : (0, 0)
        if position < found.count {
            if comparesBits, keyBits[position] == bits { return found[position] }
            let key = keys[position]
            if self.keys[position] == key {
                // Equal text in other storage: remember this one, whose bits the next row
                // likely shares.
                self.keys[position] = key
                keyBits[position] = bits
                return found[position]
            }
            let result = resolve(key, in: doctype)
            self.keys[position] = key
            keyBits[position] = bits
            found[position] = result
            return result
        }
        let key = keys[position]
        let result = resolve(key, in: doctype)
        if position == found.count {
            // Room for a whole object's keys (its fields and a dozen standard columns) at the
            // first one, not a regrowth every few keys.
            if position == 0 { reserve(doctype.fields.count + 12) }
            self.keys.append(key)
            keyBits.append(bits)
            found.append(result)
        }
        return result
    }

    private mutating func reserve(_ count: Int) {
        keys.reserveCapacity(count)
        keyBits.reserveCapacity(count)
        found.reserveCapacity(count)
    }

    /// Whether the target of the Link field at `checked` was found installed for an earlier row.
    @inline(__always)
    func targetKnownInstalled(_ checked: Int) -> Bool {
        checked < installedTargets.count && installedTargets[checked]
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
            return .field(next)
        }
        // Standard columns (a row has eleven) are no field: known by their bits, they cost
        // no hashing at all, let alone a failed field lookup and then the standard set's.
        if !doctype.declaresCoreColumn, StandardColumns.isCoreColumnByBits(key) { return .standard(RowColumns.slot(of: key)) }
        if let position = doctype.position(of: key) {
            expected = position + 1
            return .field(position)
        }
        return StandardColumns.isStandard(key) ? .standard(RowColumns.slot(of: key)) : .unknown
    }
}

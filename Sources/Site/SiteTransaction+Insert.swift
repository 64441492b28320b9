import DocumentModel
import EventLog
import SiteStreamJSON
import SnapshotStore

extension SiteTransaction {
    /// Inserts a new document through the full lifecycle: defaults, `before_insert`, naming,
    /// the controller's `validate`, coercion and validation, link and unique checks, then
    /// `after_insert` and `on_update` (and `on_submit` when inserted with docstatus 1).
    ///
    /// As in Frappe, a `name` in `input` is ignored and the DocType's naming rule decides,
    /// unless the rule is `prompt` or `keepingName` is true (a replicated document keeping the
    /// producer's name).
    ///
    /// Returns the document as stored. Throws `SiteError` (`.duplicate` for a name that is
    /// taken, `.validation`, `.linkValidation`, `.notFound` for an unknown DocType); nothing of
    /// the transaction is written when it throws out of `Site.write`.
    @discardableResult
    public func insert(_ input: Document, keepingName: Bool = false) throws -> Document {
        try enterHook()
        defer { leaveHook() }
        let doctype = try installedDocType(input.doctype)
        guard !doctype.isChildTable else {
            throw SiteError(.validation, "\(doctype.name) is a child table; insert it as a row of its parent", doctype: doctype.name)
        }
        var document = input
        if document.docstatus == 2 {
            throw SiteError(.validation, "a new \(doctype.name) cannot be inserted cancelled (docstatus 2)", doctype: doctype.name)
        }
        if !keepingName, doctype.namingRule != .prompt {
            document.object["name"] = nil
        }
        applyDefaults(&document, doctype: doctype)
        let controller = site.controllers.controller(for: doctype.name)
        try controller?.beforeInsert(&document, in: self)
        try assignNames(&document, doctype: doctype)
        guard let name = document.name, !name.isEmpty else {
            throw SiteError(.validation, "\(doctype.name) needs a name", doctype: doctype.name)
        }
        if exists(doctype.name, name) {
            throw SiteError(.duplicate, "\(doctype.name) \(name) already exists", doctype: doctype.name, docname: name)
        }
        let stamp = nextTimestamp()
        document.object["owner"] = .string(user)
        document.object["creation"] = .string(stamp)
        document.object["modified"] = .string(stamp)
        document.object["modified_by"] = .string(user)
        document.object["docstatus"] = .int(Int64(document.docstatus))
        if let controller {
            // As in Frappe, `validate` runs before the mandatory and type checks, so it can
            // fill computed mandatory fields (a row's `amount`); the schema then checks its
            // result once.
            try controller.validate(&document, in: self)
            try assignNames(&document, doctype: doctype)
        }
        document = try validated(document, previous: nil, doctype: doctype)
        let links = try checkLinks(document, doctype: doctype)
        try checkUnique(document, doctype: doctype)

        let key = DocumentKey(doctype: doctype.name, name: name)
        record(key, .present(document), distinctLinks: links)
        appendCreate(key, document)

        try controller?.afterInsert(document, in: self)
        try controller?.onUpdate(document, in: self)
        if document.docstatus == 1 { try controller?.onSubmit(document, in: self) }
        return document
    }

    /// Sets every missing field that has a default, in the document and in every row of its
    /// tables (as Frappe does for new rows): literal values, and Frappe's `Today`, `Now` and
    /// `__user`. With `newRowsOnly` (a save), only rows without a name (added by this save)
    /// get defaults, and the document itself none.
    func applyDefaults(_ document: inout Document, doctype: DocType, newRowsOnly: Bool = false) {
        if !newRowsOnly { applyDefaults(&document.object, defaults: doctype.fieldDefaults) }
        for table in doctype.tableFields {
            guard let child = schema.childDocType(of: table), !child.fieldDefaults.isEmpty,
                  case .array(var rows)? = document.object[table.fieldname] else { continue }
            // Written back only when a default was set: a new document's rows are usually the
            // caller's (shared), and storing them unchanged would copy every one of them.
            var changed = false
            let defaults = child.fieldDefaults  // once per table, not per row (see `CoercionPlan`)
            for i in rows.indices {
                guard case .object(var row) = rows[i] else { continue }
                if newRowsOnly, !(row["name"]?.stringValue ?? "").isEmpty { continue }
                if applyDefaults(&row, defaults: defaults) {
                    rows[i] = .object(row)
                    changed = true
                }
            }
            if changed { document.object[table.fieldname] = .array(rows) }
        }
    }

    /// Returns true when it set anything.
    @discardableResult
    private func applyDefaults(_ object: inout JSONObject, defaults: [FieldDefault]) -> Bool {
        var changed = false
        for fieldDefault in defaults {
            if let present = object[fieldDefault.fieldname], !present.isNull { continue }
            let value: JSON
            switch fieldDefault.kind {
            case .today:
                let d = Timestamps.civilDate(microseconds: Timestamps.nowMicroseconds())
                value = .string(String(format: "%04d-%02d-%02d", d.year, d.month, d.day))
            case .now:
                value = .string(String(Timestamps.text(microseconds: Timestamps.nowMicroseconds()).prefix(19)))
            case .user:
                value = .string(user)
            case .literal:
                value = .string(fieldDefault.text)
            }
            object[fieldDefault.fieldname] = value
            changed = true
        }
        return changed
    }

    func assignNames(_ document: inout Document, doctype: DocType) throws {
        let d = Timestamps.civilDate(microseconds: Timestamps.nowMicroseconds())
        var namer = Namer(counter: TransactionSeriesCounter(transaction: self), random: SystemRandomNumberGenerator(),
                          today: CivilDate(year: d.year, month: d.month, day: d.day))
        do {
            try namer.assignNames(to: &document, doctype: doctype, schema: schema)
        } catch let error as NamingError {
            throw SiteError(.validation, error.description, doctype: doctype.name)
        }
    }

    func installedDocType(_ name: String) throws -> DocType {
        guard !name.isEmpty else { throw SiteError(.invalidInput, "the document has no 'doctype'") }
        guard let doctype = schema[name] else {
            throw SiteError(.notFound, "DocType \(name) not found on this site", doctype: name)
        }
        return doctype
    }

    /// Coerces and validates against the DocType, turning `ValidationError` into `SiteError`.
    func validated(_ document: Document, previous: Document?, doctype: DocType) throws -> Document {
        do {
            return try schema.validate(document, doctype: doctype, previous: previous)
        } catch {
            throw SiteError(.validation, error.description, doctype: doctype.name, docname: document.name)
        }
    }
}

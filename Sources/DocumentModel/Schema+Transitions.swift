import SiteStreamJSON

extension Schema {
    /// What is wrong with saving `new` over `old`, by Frappe's document lifecycle:
    /// - docstatus moves 0→0, 0→1 (submit), 1→1 (update after submit), 1→2 (cancel); nothing
    ///   leaves 2: a cancelled document is frozen (amend it into a new one instead);
    /// - while submitted (and when cancelling), only fields marked `allow_on_submit` may change;
    ///   child rows may be added or removed only if their table field allows it, and a row's
    ///   field may change only if the table field or the row's field allows it.
    /// - a field marked `set_only_once` keeps the value it was first saved with.
    /// Both are expected to be coerced (`validate(_:)`), so `12` and `12.0` compare equal anyway.
    public func transitionIssues(from old: Document, to new: Document) -> [ValidationIssue] {
        guard let doctype = self[new.doctype] else {
            return [ValidationIssue(.unknownDocType, doctype: new.doctype, message: "DocType '\(new.doctype)' is not installed on this site")]
        }
        return transitionIssues(from: old, to: new, doctype: doctype)
    }

    func transitionIssues(from old: Document, to new: Document, doctype: DocType) -> [ValidationIssue] {
        let name = doctype.name
        let from = old.docstatus
        let to = new.docstatus
        var onceIssues: [ValidationIssue] = []
        if from != 2 {
            for field in doctype.fields where field.setOnlyOnce && field.fieldtype.isData && !field.fieldtype.isTable {
                let before = old[field.fieldname]
                let isSet: Bool
                switch before {
                case nil, .null?: isSet = false
                case .string(let s)?: isSet = !s.isEmpty
                default: isSet = true
                }
                if isSet, !ValueEquality.equal(before, new[field.fieldname]) {
                    onceIssues.append(ValidationIssue(.setOnlyOnce, doctype: name, field: field.fieldname,
                                                      message: "'\(field.fieldname)' can be set only once and already holds \(before!.briefDescription)"))
                }
            }
        }
        switch (from, to) {
        case (0, 0), (0, 1): return onceIssues
        case (1, 1), (1, 2): break
        case (2, _):
            return [ValidationIssue(.cancelledIsFrozen, doctype: name, field: "docstatus",
                                    message: "\(name) '\(old.name ?? "")' is cancelled and cannot be changed; amend it into a new document instead")]
        case (0, 2):
            return [ValidationIssue(.invalidTransition, doctype: name, field: "docstatus",
                                    message: "a draft cannot be cancelled (docstatus 0 → 2); submit it first or delete it")]
        case (1, 0):
            return [ValidationIssue(.invalidTransition, doctype: name, field: "docstatus",
                                    message: "a submitted document cannot go back to draft (docstatus 1 → 0); cancel and amend it instead")]
        default:
            return [ValidationIssue(.invalidTransition, doctype: name, field: "docstatus",
                                    message: "docstatus \(from) → \(to) is not a valid transition")]
        }
        // Submitted: only allow_on_submit fields and rows may differ.
        let diff = DocumentDiff.between(old, new, doctype: doctype, schema: self)
        var issues: [ValidationIssue] = onceIssues
        let state = to == 2 ? "cancelling" : "after submit"
        for key in diff.changed.keys where key != "docstatus" {
            if let field = doctype.field(named: key), !field.allowOnSubmit {
                issues.append(ValidationIssue(.notAllowedOnSubmit, doctype: name, field: key,
                                              message: "'\(key)' cannot change \(state): the field is not marked 'Allow on Submit'"))
            }
        }
        for table in diff.tables {
            guard let field = doctype.field(named: table) else { continue }
            if field.allowOnSubmit { continue }
            let added = diff.addedRows(of: table).count
            let removed = diff.removedRows(of: table).count
            if added > 0 || removed > 0 {
                issues.append(ValidationIssue(.notAllowedOnSubmit, doctype: name, field: table,
                                              message: "rows of '\(table)' cannot be added or removed \(state) (\(added) added, \(removed) removed): the table is not 'Allow on Submit'"))
            }
            let child = field.targetDocType.flatMap { self[$0] }
            let newRows = new.rows(of: table)
            for change in diff.changedRows(of: table) {
                let rowName = change["name"]?.stringValue ?? ""
                let position = newRows.firstIndex { $0["name"]?.stringValue == rowName }.map { $0 + 1 }
                for key in change.keys where key != "name" {
                    if child?.field(named: key)?.allowOnSubmit == true { continue }
                    issues.append(ValidationIssue(.notAllowedOnSubmit, doctype: child?.name ?? table, field: key,
                                                  table: table, row: position,
                                                  message: "'\(key)' of row '\(rowName)' cannot change \(state): neither the field nor the table '\(table)' is 'Allow on Submit'"))
                }
            }
        }
        return issues
    }

    /// A new document may be saved as a draft or submitted at once; never inserted cancelled.
    public func insertIssues(_ document: Document) -> [ValidationIssue] {
        guard document.docstatus == 2 else { return [] }
        return [ValidationIssue(.invalidTransition, doctype: document.doctype, field: "docstatus",
                                message: "a new document cannot be inserted as cancelled (docstatus 2)")]
    }
}

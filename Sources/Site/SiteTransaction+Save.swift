import DocumentModel
import EventLog
import SiteStreamJSON
import SnapshotStore

extension SiteTransaction {
    /// Saves a full new version of an existing document. What happens follows the docstatus
    /// change, as in Frappe: 0→0 save (`validate`, `on_update`), 0→1 submit (`validate`,
    /// `on_update`, `on_submit`), 1→1 update after submit (`allow_on_submit` fields only,
    /// `on_update_after_submit`), 1→2 cancel (`on_cancel`, logged as Cancel). Anything else is
    /// refused. A `modified` in `input` other than the stored one is refused
    /// (`.timestampMismatch`): someone else saved in between. A save that changes nothing
    /// writes nothing and returns the stored document.
    @discardableResult
    public func save(_ input: Document) throws -> Document {
        try enterHook()
        defer { leaveHook() }
        let doctype = try installedDocType(input.doctype)
        guard let name = input.name, !name.isEmpty else {
            throw SiteError(.invalidInput, "a \(doctype.name) to save needs its 'name'", doctype: doctype.name)
        }
        guard let old = try get(doctype.name, name) else {
            throw SiteError(.notFound, "\(doctype.name) \(name) not found", doctype: doctype.name, docname: name)
        }
        if let given = input.modified, let stored = old.modified, given != stored {
            throw SiteError(.timestampMismatch,
                            "\(doctype.name) \(name) has been modified after you opened it (yours: \(given), now: \(stored)); reload and try again",
                            doctype: doctype.name, docname: name)
        }
        var document = input
        // Standard columns are the site's, not the caller's.
        for column in ["owner", "creation"] { document.object[column] = old.object[column] }
        document.object["modified"] = old.object["modified"]
        document.object["modified_by"] = old.object["modified_by"]
        if document.object["docstatus"] == nil { document.object["docstatus"] = .int(Int64(old.docstatus)) }

        let action = try Action(from: old.docstatus, to: document.docstatus, doctype: doctype, name: name)
        // Rows added in this save get defaults, names and parent columns before validation.
        applyDefaults(&document, doctype: doctype, newRowsOnly: true)
        try assignNames(&document, doctype: doctype)
        let controller = site.controllers.controller(for: doctype.name)
        if let controller, action == .save || action == .submit {
            // Before the schema's checks, as on insert (see `insert`).
            try controller.validate(&document, in: self)
            try assignNames(&document, doctype: doctype)
        }
        document = try validated(document, previous: old, doctype: doctype)
        // The links checked are the new version's index terms too (a cancel checks none and
        // has them worked out by `record`): its rows are walked once.
        var links: [IndexTerms.Link]? = nil
        if action != .cancel {
            links = try checkLinks(document, doctype: doctype)
            try checkUnique(document, doctype: doctype)
        }

        let diff = DocumentDiff.between(old, document, doctype: doctype, schema: schema)
        if diff.isEmpty { return old }
        let stamp = nextTimestamp()
        let stored = try DocumentFold.applyUpdate(diff, to: old, modified: stamp, modifiedBy: user)
        record(DocumentKey(doctype: doctype.name, name: name), .present(stored), distinctLinks: links)
        appendEntry(action == .cancel ? .cancel : .update, doctype: doctype.name, name: name, payload: diff.json, modified: stamp)

        switch action {
        case .save:
            try controller?.onUpdate(stored, in: self)
        case .submit:
            try controller?.onUpdate(stored, in: self)
            try controller?.onSubmit(stored, in: self)
        case .updateAfterSubmit:
            try controller?.onUpdateAfterSubmit(stored, in: self)
        case .cancel:
            try controller?.onCancel(stored, in: self)
        }
        return stored
    }

    /// Merges `changes` into the stored document and saves it (Frappe's `PUT /api/resource`).
    @discardableResult
    public func update(_ doctype: String, _ name: String, with changes: JSONObject) throws -> Document {
        guard var document = try get(doctype, name) else {
            throw SiteError(.notFound, "\(doctype) \(name) not found", doctype: doctype, docname: name)
        }
        for (key, value) in changes where key != "name" && key != "doctype" {
            document.object[key] = value
        }
        return try save(document)
    }

    /// Submits a draft (docstatus 0 → 1).
    @discardableResult
    public func submit(_ doctype: String, _ name: String) throws -> Document {
        guard var document = try get(doctype, name) else {
            throw SiteError(.notFound, "\(doctype) \(name) not found", doctype: doctype, docname: name)
        }
        guard document.docstatus == 0 else {
            throw SiteError(.validation, "\(doctype) \(name) cannot be submitted: its docstatus is \(document.docstatus), not 0 (draft)",
                            doctype: doctype, docname: name)
        }
        document.object["docstatus"] = 1
        return try save(document)
    }

    /// Cancels a submitted document (docstatus 1 → 2).
    @discardableResult
    public func cancel(_ doctype: String, _ name: String) throws -> Document {
        guard var document = try get(doctype, name) else {
            throw SiteError(.notFound, "\(doctype) \(name) not found", doctype: doctype, docname: name)
        }
        guard document.docstatus == 1 else {
            throw SiteError(.validation, "\(doctype) \(name) cannot be cancelled: its docstatus is \(document.docstatus), not 1 (submitted)",
                            doctype: doctype, docname: name)
        }
        document.object["docstatus"] = 2
        return try save(document)
    }

    /// Deletes a document: `on_trash`, then refused while other (not cancelled) documents link
    /// to it, as Frappe does; a submitted document must be cancelled first.
    public func delete(_ doctype: String, _ name: String) throws {
        try enterHook()
        defer { leaveHook() }
        let type = try installedDocType(doctype)
        guard let document = try get(doctype, name) else {
            throw SiteError(.notFound, "\(doctype) \(name) not found", doctype: doctype, docname: name)
        }
        if document.docstatus == 1 {
            throw SiteError(.validation, "\(doctype) \(name) is submitted; cancel it before deleting it", doctype: doctype, docname: name)
        }
        if doctype == SystemDocTypes.user, name == SystemDocTypes.administrator || name == SystemDocTypes.guest {
            throw SiteError(.permission, "the \(name) user cannot be deleted", doctype: doctype, docname: name)
        }
        try site.controllers.controller(for: type.name)?.onTrash(document, in: self)
        let key = DocumentKey(doctype: doctype, name: name)
        let linking = try documentsLinking(to: key)
        if !linking.isEmpty {
            let shown = linking.prefix(5).map { "\($0.doctype) \($0.name)" }.joined(separator: ", ")
            let more = linking.count > 5 ? " and \(linking.count - 5) more" : ""
            throw SiteError(.linkValidation, "cannot delete \(doctype) \(name): it is linked from \(shown)\(more)",
                            doctype: doctype, docname: name)
        }
        record(key, .deleted)
        appendEntry(.delete, doctype: doctype, name: name, payload: ["name": .string(name)], modified: nil)
    }
}

/// What a save does, from the docstatus before and after.
enum Action: Equatable {
    case save, submit, updateAfterSubmit, cancel

    init(from old: Int, to new: Int, doctype: DocType, name: String) throws {
        switch (old, new) {
        case (0, 0): self = .save
        case (0, 1): self = .submit
        case (1, 1): self = .updateAfterSubmit
        case (1, 2): self = .cancel
        case (2, _):
            throw SiteError(.validation, "\(doctype.name) \(name) is cancelled and cannot be changed", doctype: doctype.name, docname: name)
        default:
            throw SiteError(.validation, "\(doctype.name) \(name): docstatus cannot go from \(old) to \(new) (allowed: 0→1 submit, 1→2 cancel)",
                            doctype: doctype.name, docname: name)
        }
        if new != 0, !doctype.isSubmittable {
            throw SiteError(.validation, "\(doctype.name) is not submittable", doctype: doctype.name, docname: name)
        }
    }
}

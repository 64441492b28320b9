import DocumentModel

/// The hooks of one DocType, as Frappe's controllers have them. An app registers its own in a
/// `ControllerRegistry`; every hook has a default that does nothing.
///
/// Hooks run inside the write that triggered them, for local and replicated changes alike:
/// what a hook writes through `transaction` (GL Entries on submit, say) is committed in the
/// same log append as the document, or not at all if any hook throws.
public protocol DocumentController: Sendable {
    /// Before naming, on insert only.
    func beforeInsert(_ document: inout Document, in transaction: SiteTransaction) throws
    /// On insert and on every save of a draft or submit: compute derived values, refuse bad data.
    /// Runs before the schema coerces and checks the document (as Frappe's `validate` runs
    /// before its mandatory checks), so it may fill computed mandatory fields; values may still
    /// be in their incoming form (a number as text), and the schema checks the result.
    func validate(_ document: inout Document, in transaction: SiteTransaction) throws
    func afterInsert(_ document: Document, in transaction: SiteTransaction) throws
    /// After a save or a submit.
    func onUpdate(_ document: Document, in transaction: SiteTransaction) throws
    func onSubmit(_ document: Document, in transaction: SiteTransaction) throws
    func onCancel(_ document: Document, in transaction: SiteTransaction) throws
    /// After a change to a submitted document's `allow_on_submit` fields.
    func onUpdateAfterSubmit(_ document: Document, in transaction: SiteTransaction) throws
    /// Before a delete; throw to refuse it.
    func onTrash(_ document: Document, in transaction: SiteTransaction) throws
}

extension DocumentController {
    public func beforeInsert(_ document: inout Document, in transaction: SiteTransaction) throws {}
    public func validate(_ document: inout Document, in transaction: SiteTransaction) throws {}
    public func afterInsert(_ document: Document, in transaction: SiteTransaction) throws {}
    public func onUpdate(_ document: Document, in transaction: SiteTransaction) throws {}
    public func onSubmit(_ document: Document, in transaction: SiteTransaction) throws {}
    public func onCancel(_ document: Document, in transaction: SiteTransaction) throws {}
    public func onUpdateAfterSubmit(_ document: Document, in transaction: SiteTransaction) throws {}
    public func onTrash(_ document: Document, in transaction: SiteTransaction) throws {}
}

/// The controllers a site runs, by DocType name. Built once and handed to `Site.open`; there is
/// no global registry.
public struct ControllerRegistry: Sendable {
    private var controllers: [String: any DocumentController] = [:]

    public init() {}

    /// The registry with the built-in ERP controllers (Sales Invoice, Customer, …).
    public static var erp: ControllerRegistry {
        var registry = ControllerRegistry()
        ERPControllers.register(into: &registry)
        return registry
    }

    public mutating func register(_ controller: any DocumentController, for doctype: String) {
        controllers[doctype] = controller
    }

    public func controller(for doctype: String) -> (any DocumentController)? {
        controllers[doctype]
    }
}

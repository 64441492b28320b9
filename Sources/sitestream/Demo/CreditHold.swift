import DocumentModel
import Site
import SiteStreamJSON
import Streaming

/// The head office's credit hold in the demo: a Sales Invoice for a Customer marked `disabled`
/// (its account on hold) is refused. Branches do not run this rule, so an invoice a branch
/// accepts fails validation when the head office replays it — the demo's parked document,
/// resynced once the head office lifts the hold.
///
/// It wraps the site's own Sales Invoice controller (totals are computed there first) and
/// adds the check to `validate`; every other hook is the wrapped controller's.
struct CreditHold: DocumentController {
    let inner: any DocumentController

    /// The ERP controllers with the credit hold on Sales Invoice.
    static var registry: ControllerRegistry {
        var registry = ControllerRegistry.sitestream
        if let invoices = registry.controller(for: "Sales Invoice") {
            registry.register(CreditHold(inner: invoices), for: "Sales Invoice")
        }
        return registry
    }

    func validate(_ document: inout Document, in transaction: SiteTransaction) throws {
        try inner.validate(&document, in: transaction)
        guard let customer = document["customer"]?.stringValue, !customer.isEmpty,
              let record = try transaction.get("Customer", customer),
              record["disabled"]?.intValue == 1 || record["disabled"]?.boolValue == true else { return }
        throw SiteError(.validation, "credit hold: Customer \(customer) is on hold at head office; Sales Invoice \(document.name ?? "(new)") is not accepted",
                        doctype: "Sales Invoice", docname: document.name)
    }

    func beforeInsert(_ document: inout Document, in transaction: SiteTransaction) throws { try inner.beforeInsert(&document, in: transaction) }
    func afterInsert(_ document: Document, in transaction: SiteTransaction) throws { try inner.afterInsert(document, in: transaction) }
    func onUpdate(_ document: Document, in transaction: SiteTransaction) throws { try inner.onUpdate(document, in: transaction) }
    func onSubmit(_ document: Document, in transaction: SiteTransaction) throws { try inner.onSubmit(document, in: transaction) }
    func onCancel(_ document: Document, in transaction: SiteTransaction) throws { try inner.onCancel(document, in: transaction) }
    func onUpdateAfterSubmit(_ document: Document, in transaction: SiteTransaction) throws { try inner.onUpdateAfterSubmit(document, in: transaction) }
    func onTrash(_ document: Document, in transaction: SiteTransaction) throws { try inner.onTrash(document, in: transaction) }
}

import DocumentModel
import SiteStreamJSON

/// The hooks of Sales Order and Purchase Order: row amounts and totals as on the invoice
/// (`TransactionTotals`), and the status a draft and a newly submitted order have. Orders post
/// nothing to the ledger.
struct OrderController: DocumentController {
    /// The status an order takes when submitted ("To Deliver and Bill", "To Receive and Bill").
    var submittedStatus: String

    static let salesOrder = OrderController(submittedStatus: "To Deliver and Bill")
    static let purchaseOrder = OrderController(submittedStatus: "To Receive and Bill")

    func validate(_ document: inout Document, in transaction: SiteTransaction) throws {
        TransactionTotals.apply(to: &document)
        let status = document["status"]?.stringValue ?? ""
        if document.docstatus == 0 {
            if status.isEmpty { document.setText("status", "Draft") }
        } else if document.docstatus == 1, status.isEmpty || status == "Draft" {
            document.setText("status", submittedStatus)
        }
    }
}

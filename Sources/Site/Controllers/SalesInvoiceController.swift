import DocumentModel
import SiteStreamJSON

/// The Sales Invoice's hooks, after ERPNext's `SalesInvoice` controller (no taxes, discounts or
/// payments yet):
/// - `validate`: row amounts and totals (`TransactionTotals`), `outstanding_amount` equal to
///   the grand total, `status` (Draft; Unpaid or Paid once submitted), `customer_name` filled
///   from the Customer when empty, and a due date not before the posting date;
/// - `on_submit`: posts the GL Entries: the customer's receivable account is debited with the
///   grand total, each income account (a row's `income_account`, else `defaultIncomeAccount`)
///   credited with its rows' amounts. Nothing is posted for a zero total, as in ERPNext;
/// - `on_cancel`: marks those entries cancelled and posts reversing ones (`GeneralLedger`);
/// - `on_trash` (a draft or cancelled invoice being deleted): deletes its GL Entries, so the
///   delete's link check passes and no ledger line points at a missing voucher.
struct SalesInvoiceController: DocumentController {
    static let doctype = "Sales Invoice"

    /// The account the customer's debt is booked to (ERPNext's `debit_to`).
    var receivableAccount = "Debtors - SS"
    /// Income account for rows that name none.
    var defaultIncomeAccount = "Sales - SS"

    func validate(_ document: inout Document, in transaction: SiteTransaction) throws {
        let name = document.name ?? "(new)"
        let totals = TransactionTotals.apply(to: &document)
        document.setNumber("outstanding_amount", totals.total)
        if document.docstatus == 0 {
            document.setText("status", "Draft")
        } else if document.docstatus == 1 {
            let status = document["status"]?.stringValue ?? ""
            if status.isEmpty || status == "Draft" { document.setText("status", totals.totalCents == 0 ? "Paid" : "Unpaid") }
        }
        if (document["customer_name"]?.stringValue ?? "").isEmpty,
           let customer = document["customer"]?.stringValue, !customer.isEmpty,
           let record = try transaction.get("Customer", customer),
           let customerName = record["customer_name"]?.stringValue {
            document.setText("customer_name", customerName)
        }
        if let posting = document["posting_date"]?.stringValue, let due = document["due_date"]?.stringValue,
           posting.utf8.count == 10, due.utf8.count == 10, due < posting {
            throw SiteError(.validation, "Sales Invoice \(name): 'due_date' (\(due)) cannot be before 'posting_date' (\(posting))",
                            doctype: Self.doctype, docname: document.name)
        }
    }

    func onSubmit(_ document: Document, in transaction: SiteTransaction) throws {
        let postings = self.postings(for: document)
        guard !postings.isEmpty else { return }
        try GeneralLedger.post(postings, voucher: document, postingDate: document["posting_date"] ?? .null,
                               currency: document["currency"] ?? .null, in: transaction)
    }

    func onCancel(_ document: Document, in transaction: SiteTransaction) throws {
        try GeneralLedger.reverse(voucher: document, in: transaction)
    }

    func onTrash(_ document: Document, in transaction: SiteTransaction) throws {
        try GeneralLedger.remove(voucher: document, in: transaction)
    }

    /// The ledger lines of a submitted invoice: one debit to the receivable account, one
    /// credit per income account (in first-seen row order), in cents so they balance exactly.
    func postings(for document: Document) -> [GeneralLedger.Posting] {
        let customer = document["customer"]?.stringValue ?? ""
        // Accounts in first-seen order with their credit; an invoice credits one or a few, so
        // a scan beats hashing every row's account (this runs for every invoice submitted).
        var order: [String] = []
        var cents: [Int64] = []
        if case .array(let rows)? = document.object["items"] {
            for case .object(let row) in rows {
                let amount = Money.cents(Money.number(row["amount"]))
                let account = row["income_account"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? defaultIncomeAccount
                if let i = order.firstIndex(of: account) {
                    cents[i] += amount
                } else {
                    order.append(account)
                    cents.append(amount)
                }
            }
        }
        let total = cents.reduce(0, +)
        guard total != 0 else { return [] }
        var postings = [GeneralLedger.Posting(account: receivableAccount, debitCents: total, creditCents: 0,
                                              partyType: "Customer", party: customer, against: order.joined(separator: ", "))]
        for (account, credit) in zip(order, cents) where credit != 0 {
            postings.append(GeneralLedger.Posting(account: account, debitCents: 0, creditCents: credit,
                                                  partyType: nil, party: nil, against: customer))
        }
        return postings
    }
}

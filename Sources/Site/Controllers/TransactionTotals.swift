import DocumentModel
import SiteStreamJSON

/// Row amounts and document totals of a selling or buying transaction (Sales Invoice, Sales
/// Order, Purchase Order), as ERPNext computes them when there are no taxes or discounts:
/// each row's `amount = qty × rate` rounded to the currency's 2 decimals, `total_qty` the sum
/// of quantities, and `total = net_total = grand_total` the sum of row amounts.
///
/// Sums are taken in whole cents, so the totals are exactly the sum of the rounded rows and
/// ledger postings built from them balance to the cent.
struct TransactionTotals: Equatable {
    var totalQty: Double
    var totalCents: Int64
    /// Each row's amount in cents, in row order.
    var rowCents: [Int64]

    var total: Double { Money.amount(cents: totalCents) }

    /// Computes the totals of `document`'s `table` rows and writes every derived value that
    /// differs from what the document holds (row `amount`, `total_qty`, `total`, `net_total`,
    /// `grand_total`). A document whose values are already right is left untouched.
    @discardableResult
    static func apply(to document: inout Document, table: String = "items") -> TransactionTotals {
        var rowCents: [Int64] = []
        var qtySum = 0.0
        var centsSum: Int64 = 0
        if let position = document.object.index(forKey: table), case .array(var rows) = document.object.value(at: position) {
            // Moved out while amounts are set, the rows and a changed row in turn: changing a
            // copy that is still stored copies all its keys and values.
            document.object.replaceValue(at: position, with: .null)
            rowCents.reserveCapacity(rows.count)
            for i in rows.indices {
                guard case .object(var row) = rows[i] else { continue }
                let qty = Money.number(row["qty"])
                let rate = Money.number(row["rate"])
                let amount = Money.rounded(qty * rate, places: Money.currencyPlaces)
                let cents = Money.cents(amount)
                rowCents.append(cents)
                qtySum += qty
                centsSum += cents
                if !holds(row["amount"], amount) {
                    rows[i] = .null
                    row["amount"] = .double(amount)
                    rows[i] = .object(row)
                }
            }
            document.object.replaceValue(at: position, with: .array(rows))
        }
        let totals = TransactionTotals(totalQty: Money.rounded(qtySum, places: Money.floatPlaces), totalCents: centsSum, rowCents: rowCents)
        document.setNumber("total_qty", totals.totalQty)
        document.setNumber("total", totals.total)
        document.setNumber("net_total", totals.total)
        document.setNumber("grand_total", totals.total)
        return totals
    }

    private static func holds(_ value: JSON?, _ number: Double) -> Bool {
        switch value {
        case .double(let d)?: d == number
        case .int(let i)?: Double(i) == number
        default: false
        }
    }
}

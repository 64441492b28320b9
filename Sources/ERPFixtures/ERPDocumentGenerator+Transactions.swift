public import SiteStreamJSON

/// Transactions: sales invoices, sales orders, purchase orders and the GL entries of an invoice.
/// Each call moves the generator's clock and takes the next number of its naming series.
extension ERPDocumentGenerator {
    /// A `Sales Invoice` with `rows` item rows (`rows >= 1`) for a catalogue customer.
    /// Draft (`docstatus` 0, status "Draft") unless `submitted`, then `docstatus` 1, status "Unpaid".
    /// `outstanding_amount` equals `grand_total`.
    public mutating func salesInvoice(rows: Int, submitted: Bool = false) -> JSON {
        let lines = makeLines(rows)
        return buildSalesInvoice(lines: lines, submitted: submitted)
    }

    /// A `Sales Order` with `rows` item rows for a catalogue customer; every row has a
    /// `delivery_date` on or after the order's. Draft unless `submitted` ("To Deliver and Bill").
    public mutating func salesOrder(rows: Int, submitted: Bool = false) -> JSON {
        precondition(rows >= 1, "a Sales Order needs at least one row")
        let lines = makeLines(rows)
        let (date, day, stamp) = tick()
        counters.salesOrder += 1
        let name = seriesName("SAL-ORD-", day: day, number: counters.salesOrder)
        let customer = random.pick(catalog.customers)
        let currency = SampleText.currencies[customer.currency]
        let docstatus: Int64 = submitted ? 1 : 0
        let deliveryDay = day + 7 + random.below(21)
        let deliveryDate = self.date(day: deliveryDay)
        var o = Self.header(doctype: "Sales Order", name: name, timestamp: stamp, docstatus: docstatus, capacity: 28)
        o.appendUnchecked(key: "naming_series", value: "SAL-ORD-.YYYY.-")
        o.appendUnchecked(key: "customer", value: .string(customer.name))
        o.appendUnchecked(key: "customer_name", value: .string(customer.name))
        o.appendUnchecked(key: "order_type", value: "Sales")
        o.appendUnchecked(key: "territory", value: .string(customer.territory))
        o.appendUnchecked(key: "po_no", value: random.chance(60) ? .string(purchaseOrderNumber()) : .null)
        o.appendUnchecked(key: "transaction_date", value: .string(date))
        o.appendUnchecked(key: "delivery_date", value: .string(deliveryDate))
        o.appendUnchecked(key: "amended_from", value: .null)
        o.appendUnchecked(key: "currency", value: .string(currency.code))
        o.appendUnchecked(key: "conversion_rate", value: .double(currency.conversionRate))
        var items: [JSON] = []
        items.reserveCapacity(lines.count)
        for (i, line) in lines.enumerated() {
            // Rows fall due on the order's delivery date or a little later.
            let rowDelivery = random.chance(70) ? deliveryDate : self.date(day: deliveryDay + random.below(10))
            items.append(row(.salesOrder, line, idx: i + 1, parent: name, stamp: stamp, docstatus: docstatus, rowDate: rowDelivery))
        }
        o.appendUnchecked(key: "items", value: .array(items))
        appendTotals(&o, lines)
        o.appendUnchecked(key: "status", value: submitted ? "To Deliver and Bill" : "Draft")
        o.appendUnchecked(key: "per_delivered", value: .double(0))
        o.appendUnchecked(key: "per_billed", value: .double(0))
        return .object(o)
    }

    /// A `Purchase Order` with `rows` item rows to a catalogue supplier; every row has a
    /// `schedule_date`. Draft unless `submitted` ("To Receive and Bill").
    public mutating func purchaseOrder(rows: Int, submitted: Bool = false) -> JSON {
        precondition(rows >= 1, "a Purchase Order needs at least one row")
        let lines = makeLines(rows)
        let (date, day, stamp) = tick()
        counters.purchaseOrder += 1
        let name = seriesName("PUR-ORD-", day: day, number: counters.purchaseOrder)
        let supplier = random.pick(catalog.suppliers)
        let currency = SampleText.currencies[supplier.currency]
        let docstatus: Int64 = submitted ? 1 : 0
        let scheduleDate = self.date(day: day + 5 + random.below(30))
        var o = Self.header(doctype: "Purchase Order", name: name, timestamp: stamp, docstatus: docstatus, capacity: 26)
        o.appendUnchecked(key: "naming_series", value: "PUR-ORD-.YYYY.-")
        o.appendUnchecked(key: "supplier", value: .string(supplier.name))
        o.appendUnchecked(key: "supplier_name", value: .string(supplier.name))
        o.appendUnchecked(key: "order_confirmation_no", value: .null)
        o.appendUnchecked(key: "transaction_date", value: .string(date))
        o.appendUnchecked(key: "schedule_date", value: .string(scheduleDate))
        o.appendUnchecked(key: "amended_from", value: .null)
        o.appendUnchecked(key: "currency", value: .string(currency.code))
        o.appendUnchecked(key: "conversion_rate", value: .double(currency.conversionRate))
        var items: [JSON] = []
        items.reserveCapacity(lines.count)
        for (i, line) in lines.enumerated() {
            items.append(row(.purchaseOrder, line, idx: i + 1, parent: name, stamp: stamp, docstatus: docstatus, rowDate: scheduleDate))
        }
        o.appendUnchecked(key: "items", value: .array(items))
        appendTotals(&o, lines)
        o.appendUnchecked(key: "status", value: submitted ? "To Receive and Bill" : "Draft")
        o.appendUnchecked(key: "per_received", value: .double(0))
        o.appendUnchecked(key: "per_billed", value: .double(0))
        return .object(o)
    }

    /// The two `GL Entry` documents a submitted `invoice` posts: a debit to "Debtors - SS"
    /// against the customer and a credit to "Sales - SS", each for `grand_total`. Returns `[]`
    /// when `invoice` lacks a name, customer or grand total.
    public mutating func glEntries(for invoice: JSON) -> [JSON] {
        guard let voucher = invoice["name"]?.stringValue, let customer = invoice["customer"]?.stringValue,
            let amount = invoice["grand_total"]?.doubleValue
        else { return [] }
        let postingDate = invoice["posting_date"]?.stringValue ?? cachedDate
        let currency = invoice["currency"]?.stringValue ?? "EUR"
        let (_, day, stamp) = tick()
        let entries: [(account: String, debit: Double, credit: Double, partyType: JSON, party: JSON, against: String)] = [
            ("Debtors - SS", amount, 0, "Customer", .string(customer), "Sales - SS"),
            ("Sales - SS", 0, amount, .null, .null, customer),
        ]
        return entries.map { e in
            counters.glEntry += 1
            let name = seriesName("ACC-GLE-", day: day, number: counters.glEntry)
            var o = Self.header(doctype: "GL Entry", name: name, timestamp: stamp, docstatus: 0, capacity: 22)
            o.appendUnchecked(key: "posting_date", value: .string(postingDate))
            o.appendUnchecked(key: "account", value: .string(e.account))
            o.appendUnchecked(key: "party_type", value: e.partyType)
            o.appendUnchecked(key: "party", value: e.party)
            o.appendUnchecked(key: "debit", value: .double(e.debit))
            o.appendUnchecked(key: "credit", value: .double(e.credit))
            o.appendUnchecked(key: "account_currency", value: .string(currency))
            o.appendUnchecked(key: "against", value: .string(e.against))
            o.appendUnchecked(key: "voucher_type", value: "Sales Invoice")
            o.appendUnchecked(key: "voucher_no", value: .string(voucher))
            o.appendUnchecked(key: "is_opening", value: "No")
            o.appendUnchecked(key: "is_cancelled", value: .int(0))
            o.appendUnchecked(key: "remarks", value: invoice["remarks"] ?? .null)
            return .object(o)
        }
    }
}

// MARK: - Lines and rows

extension ERPDocumentGenerator {
    /// One item row before it becomes JSON: which item, how many halves, the rate in cents.
    struct Line {
        var item: Int
        var qtyHalves: Int
        var rateCents: Int
        var warehouse: String?
        var describe: Bool
        var name: String
        var amountCents: Int { qtyHalves * rateCents / 2 }
    }

    enum RowKind {
        case salesInvoice, salesOrder, purchaseOrder
        var doctype: String {
            switch self {
            case .salesInvoice: "Sales Invoice Item"
            case .salesOrder: "Sales Order Item"
            case .purchaseOrder: "Purchase Order Item"
            }
        }
        var parentType: String {
            switch self {
            case .salesInvoice: "Sales Invoice"
            case .salesOrder: "Sales Order"
            case .purchaseOrder: "Purchase Order"
            }
        }
    }

    mutating func makeLines(_ count: Int) -> [Line] {
        precondition(count >= 1, "a transaction needs at least one row")
        var lines: [Line] = []
        lines.reserveCapacity(count + 1)
        for _ in 0..<count {
            let item = random.below(catalog.items.count)
            // Mostly whole quantities, one row in five a half (2.5 Kg, 0.5 Hour).
            let whole = random.chance(75) ? random.int(in: 1...12) : random.int(in: 13...60)
            let qtyHalves = random.chance(20) ? 2 * whole - 1 : 2 * whole
            var rateCents = catalog.items[item].rateCents
            // One row in ten carries a discount, kept to an even number of cents.
            if random.chance(10) { rateCents = max(2, rateCents * 9 / 10 / 2 * 2) }
            lines.append(Line(
                item: item, qtyHalves: qtyHalves, rateCents: rateCents,
                warehouse: catalog.items[item].isStockItem ? random.pick(SampleText.warehouses) : nil,
                describe: random.chance(85), name: freshRowName(avoiding: lines)))
        }
        return lines
    }

    mutating func freshRowName(avoiding lines: [Line]) -> String {
        while true {
            let name = TextFormatting.hashName(random.next())
            if !lines.contains(where: { $0.name == name }) { return name }
        }
    }

    static func rowHeader(name: String, timestamp: String, docstatus: Int64, idx: Int, capacity: Int) -> JSONObject {
        var o = JSONObject(minimumCapacity: capacity)
        o.appendUnchecked(key: "name", value: .string(name))
        o.appendUnchecked(key: "owner", value: owner)
        o.appendUnchecked(key: "creation", value: .string(timestamp))
        o.appendUnchecked(key: "modified", value: .string(timestamp))
        o.appendUnchecked(key: "modified_by", value: owner)
        o.appendUnchecked(key: "docstatus", value: .int(docstatus))
        o.appendUnchecked(key: "idx", value: .int(Int64(idx)))
        return o
    }

    static func appendRowTrailer(_ o: inout JSONObject, parent: String, parentField: String, parentType: String, doctype: String) {
        o.appendUnchecked(key: "parent", value: .string(parent))
        o.appendUnchecked(key: "parentfield", value: .string(parentField))
        o.appendUnchecked(key: "parenttype", value: .string(parentType))
        o.appendUnchecked(key: "doctype", value: .string(doctype))
    }

    /// An item row of `kind`; `rowDate` is the Sales Order row's `delivery_date` or the
    /// Purchase Order row's `schedule_date` (unused for invoices).
    func row(_ kind: RowKind, _ line: Line, idx: Int, parent: String, stamp: String, docstatus: Int64, rowDate: String) -> JSON {
        let item = catalog.items[line.item]
        var o = Self.rowHeader(name: line.name, timestamp: stamp, docstatus: docstatus, idx: idx, capacity: 26)
        o.appendUnchecked(key: "item_code", value: .string(item.code))
        o.appendUnchecked(key: "item_name", value: .string(item.name))
        o.appendUnchecked(key: "description", value: line.describe ? .string(item.description) : .null)
        switch kind {
        case .salesOrder: o.appendUnchecked(key: "delivery_date", value: .string(rowDate))
        case .purchaseOrder: o.appendUnchecked(key: "schedule_date", value: .string(rowDate))
        case .salesInvoice: break
        }
        o.appendUnchecked(key: "qty", value: Self.quantity(line.qtyHalves))
        o.appendUnchecked(key: "uom", value: .string(item.uom))
        o.appendUnchecked(key: "conversion_factor", value: .double(1))
        o.appendUnchecked(key: "rate", value: Self.money(line.rateCents))
        o.appendUnchecked(key: "amount", value: Self.money(line.amountCents))
        o.appendUnchecked(key: "item_group", value: .string(item.group))
        o.appendUnchecked(key: "warehouse", value: Self.optional(line.warehouse))
        switch kind {
        case .salesInvoice:
            o.appendUnchecked(key: "income_account", value: "Sales - SS")
            o.appendUnchecked(key: "sales_order", value: .null)
            o.appendUnchecked(key: "so_detail", value: .null)
        case .purchaseOrder:
            o.appendUnchecked(key: "sales_order", value: .null)
            o.appendUnchecked(key: "sales_order_item", value: .null)
        case .salesOrder: break
        }
        Self.appendRowTrailer(&o, parent: parent, parentField: "items", parentType: kind.parentType, doctype: kind.doctype)
        return .object(o)
    }

    func appendTotals(_ o: inout JSONObject, _ lines: [Line]) {
        var halves = 0, cents = 0
        for line in lines {
            halves += line.qtyHalves
            cents += line.amountCents
        }
        o.appendUnchecked(key: "total_qty", value: Self.quantity(halves))
        o.appendUnchecked(key: "total", value: Self.money(cents))
        o.appendUnchecked(key: "net_total", value: Self.money(cents))
        o.appendUnchecked(key: "grand_total", value: Self.money(cents))
    }

    mutating func purchaseOrderNumber() -> String {
        "PO-" + TextFormatting.zeroPadded(random.below(1_000_000), width: 6)
    }

    mutating func buildSalesInvoice(lines: [Line], submitted: Bool) -> JSON {
        let (date, day, stamp) = tick()
        counters.invoice += 1
        let name = seriesName("ACC-SINV-", day: day, number: counters.invoice)
        let customer = random.pick(catalog.customers)
        let currency = SampleText.currencies[customer.currency]
        let docstatus: Int64 = submitted ? 1 : 0
        var o = Self.header(doctype: "Sales Invoice", name: name, timestamp: stamp, docstatus: docstatus, capacity: 28)
        o.appendUnchecked(key: "naming_series", value: "ACC-SINV-.YYYY.-")
        o.appendUnchecked(key: "customer", value: .string(customer.name))
        o.appendUnchecked(key: "customer_name", value: .string(customer.name))
        o.appendUnchecked(key: "territory", value: .string(customer.territory))
        o.appendUnchecked(key: "po_no", value: random.chance(50) ? .string(purchaseOrderNumber()) : .null)
        o.appendUnchecked(key: "posting_date", value: .string(date))
        o.appendUnchecked(key: "due_date", value: .string(self.date(day: day + random.pick([0, 14, 30, 60]))))
        o.appendUnchecked(key: "amended_from", value: .null)
        o.appendUnchecked(key: "currency", value: .string(currency.code))
        o.appendUnchecked(key: "conversion_rate", value: .double(currency.conversionRate))
        var items: [JSON] = []
        items.reserveCapacity(lines.count + 1)
        for (i, line) in lines.enumerated() {
            items.append(row(.salesInvoice, line, idx: i + 1, parent: name, stamp: stamp, docstatus: docstatus, rowDate: date))
        }
        o.appendUnchecked(key: "items", value: .array(items))
        appendTotals(&o, lines)
        o.appendUnchecked(key: "outstanding_amount", value: o["grand_total"]!)
        o.appendUnchecked(key: "status", value: submitted ? "Unpaid" : "Draft")
        o.appendUnchecked(key: "remarks", value: random.chance(60) ? .string(random.pick(SampleText.remarks)) : .null)
        return .object(o)
    }
}

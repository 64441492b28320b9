public import SiteStreamJSON

/// Before/after pairs: the standard workload for diff, apply and update replication.
extension ERPDocumentGenerator {
    /// The three top-level fields ``invoiceUpdatePair(rows:)`` changes.
    public static let invoiceUpdateFields = ["po_no", "due_date", "remarks"]
    /// The fields ``customerUpdatePair()`` chooses its three changes from.
    public static let customerUpdateCandidates = [
        "email_id", "mobile_no", "tax_id", "credit_limit", "territory", "customer_group", "customer_details",
    ]

    /// A draft `Sales Invoice` with `rows` rows (`rows >= 1`) and an edited copy of it.
    ///
    /// `new` differs from `old` in exactly:
    /// - three top-level fields, ``invoiceUpdateFields`` (`po_no`, `due_date`, `remarks`), each
    ///   to a value different from the old one;
    /// - one changed row: `qty` and `amount` of one existing row (same `name` and `idx`);
    /// - one added row at the end (`idx` = rows + 1) with a fresh `name` no old row has: the
    ///   changed row's line is split, the new row taking part of its quantity at the same rate.
    ///
    /// Nothing else differs: totals are unchanged because the split keeps the quantity and the
    /// amount, and the standard fields (`name`, `creation`, `modified`, `docstatus`, …) are the
    /// old ones — the site's lifecycle, not the editor, stamps `modified`. Key order is kept; the
    /// added row is appended.
    public mutating func invoiceUpdatePair(rows: Int) -> (old: JSON, new: JSON) {
        var lines = makeLines(rows)
        let split = random.below(rows)
        // The split row needs at least two halves so both parts keep a positive quantity.
        if lines[split].qtyHalves < 2 { lines[split].qtyHalves += 2 }
        let old = buildSalesInvoice(lines: lines, submitted: false)

        let moved = 1 + random.below(lines[split].qtyHalves - 1)   // 1 ... qty-1 halves
        var kept = lines[split]
        kept.qtyHalves -= moved
        var added = lines[split]
        added.qtyHalves = moved
        added.name = freshRowName(avoiding: lines)
        added.warehouse = added.warehouse == nil ? nil : random.pick(SampleText.warehouses)

        var new = old
        new["po_no"] = .string(differentPONumber(from: old["po_no"]))
        let oldDue = old["due_date"]?.stringValue ?? ""
        new["due_date"] = .string(TextFormatting.isoDate(daysSinceEpoch: dayNumber(of: oldDue) + 1 + random.below(30)))
        new["remarks"] = .string(differentRemark(from: old["remarks"]))

        let parent = old["name"]?.stringValue ?? ""
        let stamp = old["creation"]?.stringValue ?? ""
        var items = old["items"]?.arrayValue ?? []
        items[split]["qty"] = Self.quantity(kept.qtyHalves)
        items[split]["amount"] = Self.money(kept.amountCents)
        items.append(row(.salesInvoice, added, idx: rows + 1, parent: parent, stamp: stamp, docstatus: 0, rowDate: ""))
        new["items"] = .array(items)
        return (old, new)
    }

    /// A new customer (as ``newCustomer()``) and a copy with exactly three of
    /// ``customerUpdateCandidates`` changed to different valid values (territory and customer
    /// group to other leaves of their trees). Standard fields are unchanged.
    public mutating func customerUpdatePair() -> (old: JSON, new: JSON) {
        let old = newCustomer()
        var new = old
        var candidates = Self.customerUpdateCandidates
        for _ in 0..<3 {
            let field = candidates.remove(at: random.below(candidates.count))
            let before = old[field] ?? .null
            var after = before
            while after == before {
                switch field {
                case "email_id": after = .string("ap\(random.below(100_000))@customer.example.net")
                case "mobile_no": after = .string("+33 6 " + TextFormatting.zeroPadded(random.below(100_000_000), width: 8))
                case "tax_id": after = .string("FR" + TextFormatting.zeroPadded(random.below(100_000_000_000), width: 11))
                case "credit_limit": after = Self.money(random.int(in: 1...900) * 50_000)
                case "territory": after = .string(random.pick(Catalog.leafTerritories))
                case "customer_group": after = .string(random.pick(Catalog.leafCustomerGroups.filter { $0 != "Individual" }))
                default: after = .string(random.pick(SampleText.customerDetails) + " (rev. \(random.below(100)))")
                }
            }
            new[field] = after
        }
        return (old, new)
    }

    // MARK: - Internals

    mutating func differentPONumber(from old: JSON?) -> String {
        while true {
            let candidate = purchaseOrderNumber()
            if old?.stringValue != candidate { return candidate }
        }
    }

    mutating func differentRemark(from old: JSON?) -> String {
        while true {
            let candidate = random.pick(SampleText.remarks) + " (edited)"
            if old?.stringValue != candidate { return candidate }
        }
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` string the generator wrote.
    func dayNumber(of date: String) -> Int {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return TextFormatting.daysSinceEpoch(januaryFirstOf: configuration.year) }
        // Count from 1 January, then add the days of the months before.
        let cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        let (y, m, d) = (parts[0], parts[1], parts[2])
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        return TextFormatting.daysSinceEpoch(januaryFirstOf: y) + cumulative[m - 1] + (leap && m > 2 ? 1 : 0) + d - 1
    }
}

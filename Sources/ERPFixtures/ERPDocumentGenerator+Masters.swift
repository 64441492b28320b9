public import SiteStreamJSON

/// Master data: the groups, territories, items, customers and suppliers transactions link to.
/// Masters are stamped 08:00 on 1 January of the configured year and do not move the clock.
extension ERPDocumentGenerator {
    /// Every master document, in an order that inserts each document after those it links to:
    /// customer groups, territories, item groups, supplier groups (each parents first), items,
    /// customers, suppliers.
    public func masterData() -> [JSON] {
        customerGroups() + territories() + itemGroups() + supplierGroups() + items() + customers() + suppliers()
    }

    /// `Customer Group` documents, the root "All Customer Groups" first.
    public func customerGroups() -> [JSON] { tree("Customer Group", "customer_group", Catalog.customerGroups) }
    /// `Territory` documents, the root "All Territories" first.
    public func territories() -> [JSON] { tree("Territory", "territory", Catalog.territories) }
    /// `Item Group` documents, the root "All Item Groups" first.
    public func itemGroups() -> [JSON] { tree("Item Group", "item_group", Catalog.itemGroups) }
    /// `Supplier Group` documents, the root "All Supplier Groups" first (the Customer to Supplier
    /// mapping's default group lives here).
    public func supplierGroups() -> [JSON] { tree("Supplier Group", "supplier_group", Catalog.supplierGroups) }

    /// The catalogue's `Item` documents (``Configuration/itemCount`` of them).
    public func items() -> [JSON] {
        let stamp = masterTimestamp
        return catalog.items.map { item in
            var o = Self.header(doctype: "Item", name: item.code, timestamp: stamp, docstatus: 0, capacity: 17)
            o.appendUnchecked(key: "item_code", value: .string(item.code))
            o.appendUnchecked(key: "item_name", value: .string(item.name))
            o.appendUnchecked(key: "item_group", value: .string(item.group))
            o.appendUnchecked(key: "stock_uom", value: .string(item.uom))
            o.appendUnchecked(key: "disabled", value: .int(0))
            o.appendUnchecked(key: "is_stock_item", value: Self.check(item.isStockItem))
            o.appendUnchecked(key: "standard_rate", value: Self.money(item.rateCents))
            o.appendUnchecked(key: "weight_per_unit", value: item.weightGrams.map { .double(Double($0) / 1000) } ?? .null)
            o.appendUnchecked(key: "description", value: .string(item.description))
            return .object(o)
        }
    }

    /// The catalogue's `Customer` documents (``Configuration/customerCount`` of them).
    public func customers() -> [JSON] {
        catalog.customers.map { Self.customerDocument($0, timestamp: masterTimestamp) }
    }

    /// The catalogue's `Supplier` documents (``Configuration/supplierCount`` of them).
    public func suppliers() -> [JSON] {
        let stamp = masterTimestamp
        return catalog.suppliers.map { s in
            var o = Self.header(doctype: "Supplier", name: s.name, timestamp: stamp, docstatus: 0, capacity: 20)
            o.appendUnchecked(key: "supplier_name", value: .string(s.name))
            o.appendUnchecked(key: "supplier_type", value: .string(s.isCompany ? "Company" : "Individual"))
            o.appendUnchecked(key: "supplier_group", value: .string(s.group))
            o.appendUnchecked(key: "country", value: "Germany")
            o.appendUnchecked(key: "tax_id", value: Self.optional(s.taxID))
            o.appendUnchecked(key: "email_id", value: .string(s.email))
            o.appendUnchecked(key: "mobile_no", value: .string(s.mobile))
            o.appendUnchecked(key: "default_currency", value: .string(SampleText.currencies[s.currency].code))
            o.appendUnchecked(key: "disabled", value: .int(0))
            o.appendUnchecked(key: "on_hold", value: .int(0))
            o.appendUnchecked(key: "supplier_details", value: Self.optional(s.details))
            return .object(o)
        }
    }

    /// A customer that no earlier call returned and that is not in the catalogue (its name
    /// continues the catalogue's numbering). It links to the same groups and territories.
    /// Moves the clock.
    public mutating func newCustomer() -> JSON {
        counters.newCustomer += 1
        let party = Catalog.customer(index: configuration.customerCount + counters.newCustomer - 1, random: &random)
        return Self.customerDocument(party, timestamp: tick().timestamp)
    }

    /// An `Address` (hash-named) for the catalogue customer at `index`, linked to it through a
    /// `Dynamic Link` row.
    public mutating func address(forCustomer index: Int) -> JSON {
        let customer = catalog.customers[index]
        let stamp = tick().timestamp
        let name = TextFormatting.hashName(random.next())
        let city = random.below(SampleText.cities.count)
        var o = Self.header(doctype: "Address", name: name, timestamp: stamp, docstatus: 0, capacity: 22)
        o.appendUnchecked(key: "address_title", value: .string(customer.name))
        o.appendUnchecked(key: "address_type", value: .string(random.pick(["Billing", "Shipping", "Office"])))
        o.appendUnchecked(key: "address_line1", value: .string(random.pick(SampleText.streets) + " " + String(random.int(in: 1...240))))
        o.appendUnchecked(key: "address_line2", value: random.chance(30) ? .string("Hinterhaus, 2. OG") : .null)
        o.appendUnchecked(key: "city", value: .string(SampleText.cities[city]))
        o.appendUnchecked(key: "state", value: .null)
        o.appendUnchecked(key: "country", value: .string(SampleText.countries[city]))
        o.appendUnchecked(key: "pincode", value: .string(TextFormatting.zeroPadded(random.below(100_000), width: 5)))
        o.appendUnchecked(key: "email_id", value: .string(customer.email))
        o.appendUnchecked(key: "phone", value: .string(customer.mobile))
        o.appendUnchecked(key: "is_primary_address", value: .int(1))
        o.appendUnchecked(key: "is_shipping_address", value: .int(0))
        o.appendUnchecked(key: "disabled", value: .int(0))
        o.appendUnchecked(key: "links", value: .array([dynamicLink(parent: name, parentType: "Address", stamp: stamp, to: customer.name)]))
        return .object(o)
    }

    /// A `Contact` (hash-named) for the catalogue customer at `index`, linked to it through a
    /// `Dynamic Link` row.
    public mutating func contact(forCustomer index: Int) -> JSON {
        let customer = catalog.customers[index]
        let stamp = tick().timestamp
        let name = TextFormatting.hashName(random.next())
        let first = random.pick(SampleText.firstNames), last = random.pick(SampleText.lastNames)
        var o = Self.header(doctype: "Contact", name: name, timestamp: stamp, docstatus: 0, capacity: 22)
        o.appendUnchecked(key: "first_name", value: .string(first))
        o.appendUnchecked(key: "middle_name", value: .null)
        o.appendUnchecked(key: "last_name", value: .string(last))
        o.appendUnchecked(key: "full_name", value: .string(first + " " + last))
        o.appendUnchecked(key: "email_id", value: .string(customer.email))
        o.appendUnchecked(key: "phone", value: .null)
        o.appendUnchecked(key: "mobile_no", value: .string(customer.mobile))
        o.appendUnchecked(key: "company_name", value: .string(customer.name))
        o.appendUnchecked(key: "designation", value: .string(random.pick(SampleText.designations)))
        o.appendUnchecked(key: "status", value: "Passive")
        o.appendUnchecked(key: "is_primary_contact", value: .int(1))
        o.appendUnchecked(key: "unsubscribed", value: .int(0))
        o.appendUnchecked(key: "links", value: .array([dynamicLink(parent: name, parentType: "Contact", stamp: stamp, to: customer.name)]))
        return .object(o)
    }

    // MARK: - Internals

    var masterTimestamp: String {
        TextFormatting.timestamp(
            date: TextFormatting.isoDate(daysSinceEpoch: TextFormatting.daysSinceEpoch(januaryFirstOf: configuration.year)),
            secondOfDay: 8 * 3_600, microsecond: 0)
    }

    func tree(_ doctype: String, _ base: String, _ nodes: [(String, String?, Bool)]) -> [JSON] {
        let stamp = masterTimestamp
        return nodes.map { name, parent, isGroup in
            var o = Self.header(doctype: doctype, name: name, timestamp: stamp, docstatus: 0, capacity: 11)
            o.appendUnchecked(key: base + "_name", value: .string(name))
            o.appendUnchecked(key: "parent_" + base, value: Self.optional(parent))
            o.appendUnchecked(key: "is_group", value: Self.check(isGroup))
            return .object(o)
        }
    }

    static func customerDocument(_ c: Catalog.Party, timestamp: String) -> JSON {
        var o = header(doctype: "Customer", name: c.name, timestamp: timestamp, docstatus: 0, capacity: 20)
        o.appendUnchecked(key: "customer_name", value: .string(c.name))
        o.appendUnchecked(key: "customer_type", value: .string(c.isCompany ? "Company" : "Individual"))
        o.appendUnchecked(key: "customer_group", value: .string(c.group))
        o.appendUnchecked(key: "territory", value: .string(c.territory))
        o.appendUnchecked(key: "email_id", value: .string(c.email))
        o.appendUnchecked(key: "mobile_no", value: .string(c.mobile))
        o.appendUnchecked(key: "tax_id", value: optional(c.taxID))
        o.appendUnchecked(key: "default_currency", value: .string(SampleText.currencies[c.currency].code))
        o.appendUnchecked(key: "credit_limit", value: money(c.creditLimitCents))
        o.appendUnchecked(key: "disabled", value: .int(0))
        o.appendUnchecked(key: "customer_details", value: optional(c.details))
        return .object(o)
    }

    mutating func dynamicLink(parent: String, parentType: String, stamp: String, to customer: String) -> JSON {
        var row = Self.rowHeader(name: TextFormatting.hashName(random.next()), timestamp: stamp, docstatus: 0, idx: 1, capacity: 14)
        row.appendUnchecked(key: "link_doctype", value: "Customer")
        row.appendUnchecked(key: "link_name", value: .string(customer))
        row.appendUnchecked(key: "link_title", value: .string(customer))
        Self.appendRowTrailer(&row, parent: parent, parentField: "links", parentType: parentType, doctype: "Dynamic Link")
        return .object(row)
    }
}

/// The master records a generator's transactions link to, fixed by the seed at init.
///
/// Transactions pick customers, items and suppliers from here, so every `Link` in a generated
/// document names a document that `ERPDocumentGenerator.masterData()` also returns.
struct Catalog: Sendable {
    struct Item: Sendable {
        var code: String
        var name: String
        var group: String
        var uom: String
        var rateCents: Int          // even, so qty in halves times rate is a whole number of cents
        var description: String
        var isStockItem: Bool
        var weightGrams: Int?
    }

    struct Party: Sendable {
        var name: String
        var isCompany: Bool
        var group: String
        var territory: String       // customers only
        var currency: Int           // index into SampleText.currencies
        var email: String
        var mobile: String
        var taxID: String?
        var creditLimitCents: Int
        var details: String?
    }

    /// (name, parent, is_group) for each tree; parents come before their children.
    static let customerGroups: [(String, String?, Bool)] = [
        ("All Customer Groups", nil, true), ("Commercial", "All Customer Groups", false),
        ("Individual", "All Customer Groups", false), ("Government", "All Customer Groups", false),
        ("Non Profit", "All Customer Groups", false),
    ]
    static let territories: [(String, String?, Bool)] = [
        ("All Territories", nil, true), ("Europe", "All Territories", true), ("Asia", "All Territories", true),
        ("Americas", "All Territories", true), ("Deutschland", "Europe", false), ("France", "Europe", false),
        ("España", "Europe", false), ("Österreich", "Europe", false), ("Polska", "Europe", false),
        ("日本", "Asia", false), ("India", "Asia", false), ("United States", "Americas", false),
        ("Brasil", "Americas", false),
    ]
    static let itemGroups: [(String, String?, Bool)] = [
        ("All Item Groups", nil, true), ("Products", "All Item Groups", false),
        ("Raw Material", "All Item Groups", false), ("Services", "All Item Groups", false),
        ("Consumable", "All Item Groups", false), ("Sub Assemblies", "All Item Groups", false),
    ]
    static let supplierGroups: [(String, String?, Bool)] = [
        ("All Supplier Groups", nil, true), ("Distributor", "All Supplier Groups", false),
        ("Local", "All Supplier Groups", false), ("Raw Material", "All Supplier Groups", false),
        ("Services", "All Supplier Groups", false), ("Hardware", "All Supplier Groups", false),
    ]

    static func leaves(_ tree: [(String, String?, Bool)]) -> [String] { tree.filter { !$0.2 }.map(\.0) }
    static let leafCustomerGroups = leaves(customerGroups)
    static let leafTerritories = leaves(territories)
    static let leafItemGroups = leaves(itemGroups)
    static let leafSupplierGroups = leaves(supplierGroups)

    var items: [Item] = []
    var customers: [Party] = []
    var suppliers: [Party] = []

    init(configuration: ERPDocumentGenerator.Configuration, random: inout SplitMix64) {
        items.reserveCapacity(configuration.itemCount)
        for i in 0..<configuration.itemCount {
            let noun = SampleText.itemNouns[i % SampleText.itemNouns.count]
            let variant = SampleText.itemVariants[(i / SampleText.itemNouns.count) % SampleText.itemVariants.count]
            let group = random.pick(Self.leafItemGroups)
            let isService = group == "Services"
            // Rates spread over four orders of magnitude, as real price lists do.
            let magnitude = random.pick([100, 1_000, 10_000, 100_000])
            let rateCents = 2 * random.int(in: magnitude / 4...magnitude)
            items.append(Item(
                code: "ITM-" + TextFormatting.zeroPadded(i + 1, width: 5),
                name: noun + variant,
                group: group,
                uom: isService ? "Hour" : random.pick(SampleText.uoms),
                rateCents: rateCents,
                description: random.pick(SampleText.descriptions),
                isStockItem: !isService,
                weightGrams: isService || random.chance(30) ? nil : random.int(in: 5...25_000)))
        }
        customers.reserveCapacity(configuration.customerCount)
        for i in 0..<configuration.customerCount {
            customers.append(Self.customer(index: i, random: &random))
        }
        suppliers.reserveCapacity(configuration.supplierCount)
        for i in 0..<configuration.supplierCount {
            let stems = SampleText.supplierStems, suffixes = SampleText.supplierSuffixes
            var name = stems[i % stems.count] + " " + suffixes[(i / stems.count) % suffixes.count]
            let round = i / (stems.count * suffixes.count)
            if round > 0 { name += " (\(round + 1))" }
            suppliers.append(Party(
                name: name, isCompany: true, group: random.pick(Self.leafSupplierGroups), territory: "",
                currency: random.chance(80) ? 0 : random.int(in: 1...3),
                email: "orders\(i + 1)@supplier.example.com",
                mobile: "+49 160 " + TextFormatting.zeroPadded(random.below(10_000_000), width: 7),
                taxID: random.chance(85) ? "DE" + TextFormatting.zeroPadded(random.below(1_000_000_000), width: 9) : nil,
                creditLimitCents: 0, details: random.chance(50) ? random.pick(SampleText.customerDetails) : nil))
        }
    }

    /// The customer at `index`; names are unique by index (stem × suffix, then a round number).
    static func customer(index i: Int, random: inout SplitMix64) -> Party {
        let stems = SampleText.customerStems, suffixes = SampleText.customerSuffixes
        var name = stems[i % stems.count] + " " + suffixes[(i / stems.count) % suffixes.count]
        let round = i / (stems.count * suffixes.count)
        if round > 0 { name += " (\(round + 1))" }
        let group = random.pick(leafCustomerGroups)
        return Party(
            name: name, isCompany: group != "Individual", group: group,
            territory: random.pick(leafTerritories),
            currency: random.chance(70) ? 0 : random.int(in: 1...3),
            email: "accounts\(i + 1)@customer.example.com",
            mobile: "+49 151 " + TextFormatting.zeroPadded(random.below(10_000_000), width: 7),
            taxID: random.chance(80) ? "DE" + TextFormatting.zeroPadded(random.below(1_000_000_000), width: 9) : nil,
            creditLimitCents: random.chance(20) ? 0 : random.int(in: 10...500) * 100_000,
            details: random.chance(40) ? random.pick(SampleText.customerDetails) : nil)
    }
}

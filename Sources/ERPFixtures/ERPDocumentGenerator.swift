import SiteStreamJSON

/// A seeded source of ERP documents that are valid against the fixture DocTypes.
///
/// Promises:
/// - **Deterministic.** Two generators made with the same seed and configuration, asked the same
///   calls in the same order, return equal documents — on every machine and Swift version (the
///   generator uses only its own integer PRNG (SplitMix64) and its own text formatting; no
///   clock, no locale, no `Hasher`). Different seeds give different documents.
/// - **Valid.** Documents carry `doctype`, `name`, `owner`, `creation`, `modified`,
///   `modified_by`, `docstatus`, `idx` and the DocType's fields with values of the field's type:
///   `Data`/`Select`/`Date`/`Text` as strings (or `null` where the field is optional), `Check` and
///   `Int` as integers, `Float`/`Currency`/`Percent` as doubles. Select values are among the
///   field's options; every `Link` names a document that ``masterData()`` returns (or, for
///   `amended_from`, `sales_order`, is `null`).
/// - **Consistent numbers.** Money is built from whole cents, quantities from halves:
///   `amount == qty × rate` exactly in cents, `total`, `net_total`, `grand_total` and (for
///   invoices) `outstanding_amount` are the sum of the row amounts, `total_qty` the sum of `qty`.
/// - **Child rows** carry `name` (ten hex digits, unique within the document), `idx` (1, 2, …),
///   `parent`, `parentfield`, `parenttype`, `doctype` and the parent's standard fields.
/// - **Names** follow each DocType's naming rule: `field:` DocTypes are named by that field,
///   naming series give `ACC-SINV-2026-00001`, `SAL-ORD-2026-00001`, `PUR-ORD-2026-00001`,
///   `ACC-GLE-2026-00001` (counted per generator, so never repeated by one generator), hash-named
///   DocTypes get ten hex digits.
/// - **Timestamps** come from a generator clock that starts at 08:00 on 1 January of
///   ``Configuration/year`` and moves forward 1–120 s per transaction, so posting dates rise
///   through a run.
///
/// Not `Sendable`-shared state: each task makes its own generator (a value type).
///
/// ```swift
/// var generator = ERPDocumentGenerator(seed: 42)            // branch 2: (seed: 42, stream: 2)
/// for master in generator.masterData() { try site.insert(master) }
/// let invoice = generator.salesInvoice(rows: 20)
/// let (old, new) = generator.invoiceUpdatePair(rows: 20)
/// ```
public struct ERPDocumentGenerator: Sendable {
    /// How many master records the catalogue holds, and the year the clock starts in.
    public struct Configuration: Sendable, Hashable {
        public var itemCount: Int
        public var customerCount: Int
        public var supplierCount: Int
        public var year: Int

        public init(itemCount: Int = 200, customerCount: Int = 100, supplierCount: Int = 20, year: Int = 2026) {
            precondition(itemCount > 0 && customerCount > 0 && supplierCount > 0, "catalogue sizes must be positive")
            self.itemCount = itemCount
            self.customerCount = customerCount
            self.supplierCount = supplierCount
            self.year = year
        }
    }

    public let seed: UInt64
    public let configuration: Configuration
    /// Which transaction stream of `seed` this generator draws (see ``init(seed:configuration:stream:)``).
    public let stream: UInt64

    var random: SplitMix64
    let catalog: Catalog
    /// Seconds since 1970-01-01 of the generator's clock.
    var clock: Int
    var cachedDay = Int.min
    var cachedDate = ""
    var counters = Counters()

    struct Counters: Sendable {
        var invoice = 0, salesOrder = 0, purchaseOrder = 0, glEntry = 0, newCustomer = 0
    }

    /// A generator drawing the default transaction stream (0) of `seed`.
    public init(seed: UInt64, configuration: Configuration = Configuration()) {
        self.init(seed: seed, configuration: configuration, stream: 0)
    }

    /// A generator whose catalogue (``masterData()``) depends on `seed` and `configuration`
    /// only, and whose transactions depend on `seed` and `stream` as well.
    ///
    /// Give each simulated branch the head office's seed and its own `stream`: the branches
    /// then link to the same replicated masters but write different invoices. Stream 0 is the
    /// default stream of `seed`.
    public init(seed: UInt64, configuration: Configuration = Configuration(), stream: UInt64) {
        self.seed = seed
        self.configuration = configuration
        self.stream = stream
        // The catalogue draws from its own stream so that it does not depend on later calls.
        var catalogRandom = SplitMix64(seed: seed ^ 0x5EED_CA7A_1060_0001)
        catalog = Catalog(configuration: configuration, random: &catalogRandom)
        if stream == 0 {
            random = SplitMix64(seed: seed)
        } else {
            // Scramble (seed, stream) into one seed so neighbouring streams share no prefix.
            var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
            random = SplitMix64(seed: mixer.next())
        }
        clock = TextFormatting.daysSinceEpoch(januaryFirstOf: configuration.year) * 86_400 + 8 * 3_600
    }

    /// Item codes of the catalogue, in ``items()`` order.
    public var itemCodes: [String] { catalog.items.map(\.code) }
    /// Customer names of the catalogue, in ``customers()`` order.
    public var customerNames: [String] { catalog.customers.map(\.name) }
    /// Supplier names of the catalogue, in ``suppliers()`` order.
    public var supplierNames: [String] { catalog.suppliers.map(\.name) }
}

// MARK: - Shared building blocks

extension ERPDocumentGenerator {
    static let owner: JSON = "Administrator"

    /// Moves the clock forward and returns the new day's date and a timestamp.
    mutating func tick() -> (date: String, day: Int, timestamp: String) {
        clock += 1 + random.below(120)
        let day = clock / 86_400
        let date = isoDate(day: day)
        let stamp = TextFormatting.timestamp(date: date, secondOfDay: clock % 86_400, microsecond: random.below(1_000_000))
        return (date, day, stamp)
    }

    mutating func isoDate(day: Int) -> String {
        if day == cachedDay { return cachedDate }
        cachedDay = day
        cachedDate = TextFormatting.isoDate(daysSinceEpoch: day)
        return cachedDate
    }

    /// A date string for `day` without touching the one-entry cache of the clock's day.
    func date(day: Int) -> String {
        day == cachedDay ? cachedDate : TextFormatting.isoDate(daysSinceEpoch: day)
    }

    /// `prefix` + year + `-` + five-digit counter: Frappe's `PREFIX-.YYYY.-` series.
    func seriesName(_ prefix: String, day: Int, number: Int) -> String {
        prefix + String(TextFormatting.civil(daysSinceEpoch: day).year) + "-" + TextFormatting.zeroPadded(number, width: 5)
    }

    /// The standard fields every document starts with.
    static func header(doctype: String, name: String, timestamp: String, docstatus: Int64, capacity: Int) -> JSONObject {
        var o = JSONObject(minimumCapacity: capacity)
        o.appendUnchecked(key: "doctype", value: .string(doctype))
        o.appendUnchecked(key: "name", value: .string(name))
        o.appendUnchecked(key: "owner", value: owner)
        o.appendUnchecked(key: "creation", value: .string(timestamp))
        o.appendUnchecked(key: "modified", value: .string(timestamp))
        o.appendUnchecked(key: "modified_by", value: owner)
        o.appendUnchecked(key: "docstatus", value: .int(docstatus))
        o.appendUnchecked(key: "idx", value: .int(0))
        return o
    }

    static func money(_ cents: Int) -> JSON { .double(Double(cents) / 100) }
    static func quantity(_ halves: Int) -> JSON { .double(Double(halves) / 2) }
    static func optional(_ s: String?) -> JSON { s.map(JSON.string) ?? .null }
    static func check(_ b: Bool) -> JSON { .int(b ? 1 : 0) }
}

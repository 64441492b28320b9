import Foundation
import SiteStreamJSON

/// JSON parse and serialize throughput on Frappe-shaped documents, ours next to Foundation's
/// `JSONSerialization` on the same bytes.
///
/// Figures (MB/s of JSON text): `json.parse` and `json.serialize` on 20-row Sales Invoices
/// (INTERFACE.md), `json.parse.foundation` / `json.serialize.foundation` for comparison, and the
/// same four with a suffix for 1-row invoices (`.invoice1`), 200-row invoices (`.invoice200`)
/// and Customers (`.customer`). With `--emit-workload DIR` the measured documents are written
/// to `DIR/json/<workload>.jsonl`, one compact document per line.
public struct JSONBenchmarks: BenchmarkGroup {
    public var name: String { "json" }
    public init() {}

    struct Workload {
        var id: String  // "" for the headline 20-row invoices
        var label: String
        var documents: [JSON]
    }

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        var generator = BenchDocumentGenerator(seed: 20_261_129)
        let scale = context.quick ? 1 : 4
        let workloads = [
            Workload(id: "", label: "invoice20", documents: (0..<(50 * scale)).map { generator.salesInvoice(number: $0, rows: 20) }),
            Workload(id: ".invoice1", label: "invoice1", documents: (0..<(400 * scale)).map { generator.salesInvoice(number: $0, rows: 1) }),
            Workload(id: ".invoice200", label: "invoice200", documents: (0..<(5 * scale)).map { generator.salesInvoice(number: $0, rows: 200) }),
            Workload(id: ".customer", label: "customer", documents: (0..<(1000 * scale)).map { generator.customer(number: $0) }),
        ]
        let targetBytes = Double(context.quick ? 4 << 20 : 16 << 20)
        for workload in workloads {
            let texts = workload.documents.map { $0.serialized() }
            let bytes = texts.reduce(0) { $0 + $1.count }
            let average = bytes / texts.count
            if let dir = context.workloadDirectory {
                try emit(texts, named: workload.label, under: dir)
            }
            // Sanity before timing: our text parses back to the value, and Foundation reads it.
            for (doc, text) in zip(workload.documents.prefix(3), texts) {
                guard try JSON(parsing: text) == doc else { throw BenchError("json: \(workload.label) does not round-trip") }
                _ = try JSONSerialization.jsonObject(with: Data(text))
            }
            let passes = max(1, Int((targetBytes / Double(bytes)).rounded(.up)))
            let foundationPasses = max(1, passes / 4)
            let note = "\(texts.count) × \(average) B \(workload.label), \(passes) passes"
            var sink = 0

            var cpu = ThreadCPUClock()
            let parse = try measureRates(runs: context.runs) {
                for _ in 0..<passes {
                    for text in texts { sink &+= try JSON(parsing: text).objectValue?.count ?? 0 }
                }
                return Double(bytes * passes) / 1e6
            }
            let parseCPU = cpu.rate(megabytes: Double(bytes * passes * context.runs) / 1e6)
            report(Figure(id: "json.parse" + workload.id, unit: "MB/s", samples: parse, note: note + parseCPU))

            cpu = ThreadCPUClock()
            let serialize = measureRates(runs: context.runs) {
                for _ in 0..<passes {
                    for doc in workload.documents { sink &+= doc.serialized().count }
                }
                return Double(bytes * passes) / 1e6
            }
            let serializeCPU = cpu.rate(megabytes: Double(bytes * passes * context.runs) / 1e6)
            report(Figure(id: "json.serialize" + workload.id, unit: "MB/s", samples: serialize, note: note + serializeCPU))

            let datas = texts.map { Data($0) }
            let foundationParse = try measureRates(runs: context.runs) {
                for _ in 0..<foundationPasses {
                    for data in datas { sink &+= (try JSONSerialization.jsonObject(with: data) as? NSDictionary)?.count ?? 0 }
                }
                return Double(bytes * foundationPasses) / 1e6
            }
            report(Figure(id: "json.parse.foundation" + workload.id, unit: "MB/s", samples: foundationParse,
                          note: "JSONSerialization on the same bytes"))

            let objects = try datas.map { try JSONSerialization.jsonObject(with: $0) }
            let foundationSerialize = try measureRates(runs: context.runs) {
                var produced = 0
                for _ in 0..<foundationPasses {
                    for object in objects { produced += try JSONSerialization.data(withJSONObject: object).count }
                }
                sink &+= produced
                return Double(produced) / 1e6
            }
            report(Figure(id: "json.serialize.foundation" + workload.id, unit: "MB/s", samples: foundationSerialize,
                          note: "JSONSerialization from its own parse"))
            if sink == 42 { print("") }  // keeps the measured work observable
        }
    }

    /// This thread's CPU time, for a note beside the wall-clock figures: on a shared machine
    /// the wall clock also counts time the thread spent waiting for a core.
    struct ThreadCPUClock {
        let start = Self.now()

        static func now() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        }

        /// ", 412 MB/s per CPU-second" for `megabytes` processed since `start`.
        func rate(megabytes: Double) -> String {
            let seconds = max(Self.now() - start, 1e-9)
            return ", \(Int((megabytes / seconds).rounded())) MB/s per CPU-second"
        }
    }

    func emit(_ texts: [[UInt8]], named label: String, under dir: URL) throws {
        let folder = dir.appendingPathComponent("json", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var lines: [UInt8] = []
        for text in texts {
            lines += text
            lines.append(UInt8(ascii: "\n"))
        }
        try Data(lines).write(to: folder.appendingPathComponent("\(label).jsonl"))
    }
}

// MARK: - Stand-in document generator


// TODO(json): replace with ERPFixtures' seeded generator once it lands on main; this private
// stand-in only exists so the JSON figures have realistic input in the meantime.

/// Seeded Frappe-shaped documents: Sales Invoices (~40 top-level fields, item rows of ~25
/// fields: names, dates, ints, money as decimals, nulls) and Customers.
private struct BenchDocumentGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    mutating func pick(_ options: [String]) -> String { options[int(0...(options.count - 1))] }

    /// Money: two decimals, as Frappe's Currency fields carry them.
    mutating func money(_ range: ClosedRange<Int>) -> Double { Double(int(range)) / 100 }

    static let companies = ["Grant Plastics Ltd.", "Wayne Enterprises", "Société Générale d'Équipement", "Müller & Söhne GmbH",
                            "Acme Corp", "東京トレーディング株式会社", "Café Olé S.A.", "Northwind Traders"]
    static let items = ["SKU-00017", "WIDGET-BLUE", "BOLT-M8x40", "PAINT-RAL9010", "CABLE-CAT6-305", "DESK-OAK-160", "CHAIR-ERGO"]
    static let descriptions = ["<p>Widget, blue – 10 pack</p>", "Hex bolt M8×40, zinc plated", "Paint \"Pure White\" 5 L",
                               "Cat 6 cable, 305 m reel", "Oak desk 160 cm", "Ergonomic chair with lumbar support"]

    mutating func timestamp() -> String {
        "2026-\(pad(int(1...12)))-\(pad(int(1...28))) \(pad(int(0...23))):\(pad(int(0...59))):\(pad(int(0...59))).\(int(100_000...999_999))"
    }

    mutating func date() -> String { "2026-\(pad(int(1...12)))-\(pad(int(1...28)))" }

    func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    mutating func salesInvoice(number: Int, rows: Int) -> JSON {
        let name = "ACC-SINV-2026-\(String(number + 10_000))"
        let customer = pick(Self.companies)
        let created = timestamp()
        var items: [JSON] = []
        var total = 0.0
        var totalQty = 0
        for idx in 1...max(rows, 1) {
            let qty = int(1...40)
            let rate = money(100...250_000)
            let amount = (Double(qty) * rate * 100).rounded() / 100
            total += amount
            totalQty += qty
            let code = pick(Self.items)
            items.append([
                "name": .string(String(next() % 0xFFFF_FFFF_FF, radix: 16)), "owner": "accounts@example.com",
                "creation": .string(created), "modified": .string(created), "modified_by": "accounts@example.com",
                "docstatus": 1, "idx": .int(Int64(idx)), "item_code": .string(code), "item_name": .string(code.lowercased()),
                "description": .string(pick(Self.descriptions)), "uom": "Nos", "conversion_factor": 1.0,
                "qty": .double(Double(qty)), "price_list_rate": .double(rate), "discount_percentage": 0.0,
                "rate": .double(rate), "amount": .double(amount), "net_amount": .double(amount),
                "income_account": "Sales - GP", "cost_center": "Main - GP", "warehouse": "Stores - GP",
                "batch_no": nil, "serial_no": nil, "parent": .string(name), "parentfield": "items",
                "parenttype": "Sales Invoice", "doctype": "Sales Invoice Item",
            ])
        }
        let tax = (total * 0.19 * 100).rounded() / 100
        let grand = total + tax
        return [
            "name": .string(name), "owner": "accounts@example.com", "creation": .string(created),
            "modified": .string(created), "modified_by": "accounts@example.com", "docstatus": 1, "idx": 0,
            "title": .string(customer), "naming_series": "ACC-SINV-.YYYY.-", "customer": .string(customer),
            "customer_name": .string(customer), "company": "Grant Plastics Ltd.", "posting_date": .string(date()),
            "posting_time": "14:32:07.123456", "set_posting_time": 0, "due_date": .string(date()), "is_pos": 0,
            "is_return": 0, "return_against": nil, "currency": "EUR", "conversion_rate": 1.0,
            "selling_price_list": "Standard Selling", "price_list_currency": "EUR", "plc_conversion_rate": 1.0,
            "total_qty": .double(Double(totalQty)), "base_total": .double(total), "total": .double(total),
            "net_total": .double(total), "total_taxes_and_charges": .double(tax), "base_grand_total": .double(grand),
            "grand_total": .double(grand), "rounding_adjustment": 0.0, "rounded_total": .double(grand.rounded()),
            "outstanding_amount": .double(grand), "debit_to": "Debtors - GP", "status": "Unpaid", "remarks": nil,
            "territory": "All Territories", "customer_group": "Commercial", "language": "en",
            "doctype": "Sales Invoice", "items": .array(items),
            "taxes": [[
                "charge_type": "On Net Total", "account_head": "VAT 19% - GP", "rate": 19.0, "tax_amount": .double(tax),
                "total": .double(grand), "description": "VAT 19%", "idx": 1, "doctype": "Sales Taxes and Charges",
            ]],
        ]
    }

    mutating func customer(number: Int) -> JSON {
        let name = "\(pick(Self.companies)) \(number)"
        let created = timestamp()
        return [
            "name": .string(name), "owner": "sales@example.com", "creation": .string(created), "modified": .string(created),
            "modified_by": "sales@example.com", "docstatus": 0, "idx": 0, "naming_series": "CUST-.YYYY.-",
            "customer_name": .string(name), "customer_type": "Company", "customer_group": "Commercial",
            "territory": "All Territories", "default_currency": "EUR", "tax_id": .string("DE\(int(100_000_000...999_999_999))"),
            "disabled": 0, "is_frozen": 0, "credit_limit": .double(money(0...10_000_000)), "email_id": "orders@example.com",
            "mobile_no": nil, "website": nil, "customer_details": nil, "language": "de", "doctype": "Customer",
        ]
    }
}

import DocumentModel
import Foundation
import Logging
import Site
import SiteStreamJSON
import Streaming

/// Event streaming without HTTP: an empty consumer catching up a producer's backlog of
/// Customers (~0.6 KB, one Link fetched once as a dependency) through `LocalProducerClient`
/// (every message goes through its wire bytes), replies of 1000 entries / 4 MB, both sites
/// with durability `interval`. The HTTP figure `stream.catchup` (over loopback) belongs to the
/// server; the ratio of the two is the transport's cost.
public struct StreamBenchmarks: BenchmarkGroup {
    public let name = "stream"

    public init() {}

    /// What the consumer asks for: everything, the half its condition lets through, or all
    /// of it through a Document Type Mapping (Customer → Supplier).
    enum Mode: String, CaseIterable, Sendable {
        case plain, filtered, mapped
    }

    public func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        let backlog = context.size(full: 50_000, quick: 10_000, smoke: 500)
        var rates: [Mode: [Double]] = [:]
        var ratios: [Mode: [Double]] = [:]
        var cpuRatios: [Mode: [Double]] = [:]
        for run in 0..<context.runs {
            // The three modes alternate within each run, so a ratio compares like with like.
            var runRates: [Mode: (rate: Double, cpuRate: Double)] = [:]
            for mode in Mode.allCases {
                let directory = try context.freshDirectory("stream-catchup-\(mode.rawValue)-\(run)")
                runRates[mode] = try Self.blocking { try await Self.catchUp(backlog: backlog, mode: mode, in: directory) }
                try? FileManager.default.removeItem(at: directory)
                rates[mode, default: []].append(runRates[mode]!.rate)
            }
            for mode in [Mode.filtered, .mapped] {
                ratios[mode, default: []].append(runRates[mode]!.rate / runRates[.plain]!.rate)
                cpuRatios[mode, default: []].append(runRates[mode]!.cpuRate / runRates[.plain]!.cpuRate)
            }
        }
        report(Figure(id: "stream.catchup.inprocess", unit: "entries/s", samples: rates[.plain]!,
                      note: "\(backlog)-entry Customer backlog, in-process client (wire bytes, no HTTP), 1000-entry replies, durability interval"))
        report(Figure(id: "stream.filtered_ratio", unit: "ratio", samples: ratios[.filtered]!,
                      note: "records replayed/s with condition doc.customer_type == 'Individual' (passes half) ÷ plain records/s, same run"))
        report(Figure(id: "stream.mapped_ratio", unit: "ratio", samples: ratios[.mapped]!,
                      note: "records replayed/s through the Customer to Supplier mapping ÷ plain records/s, same run"))
        // Producer and consumer share the process: the same ratios by CPU time (user+sys, all
        // threads), which the machine's load cannot inflate.
        report(Figure(id: "stream.filtered_ratio.cpu", unit: "ratio", samples: cpuRatios[.filtered]!,
                      note: "records replayed per process CPU-second with the condition ÷ plain, same run"))
        report(Figure(id: "stream.mapped_ratio.cpu", unit: "ratio", samples: cpuRatios[.mapped]!,
                      note: "records replayed per process CPU-second through the mapping ÷ plain, same run"))
        for (id, text, document, note) in Self.conditionCases() {
            let condition = try Condition(text)
            let iterations = context.size(full: 400_000, quick: 100_000, smoke: 2_000)
            var samples: [Double] = []
            for _ in 0..<context.runs {
                var passed = 0
                let started = monotonicNanoseconds()
                for _ in 0..<iterations where try condition.evaluate(document) { passed += 1 }
                let elapsed = Double(monotonicNanoseconds() - started)
                precondition(passed == 0 || passed == iterations)
                samples.append(elapsed / Double(iterations))
            }
            report(Figure(id: id, unit: "ns/entry", samples: samples, note: note))
        }
    }

    /// The conditions timed per entry, with the documents they run on.
    static func conditionCases() -> [(String, String, JSONObject, String)] {
        let customer: JSONObject = [
            "name": "Customer 1", "customer_name": "Customer 1", "customer_type": "Company", "customer_group": "Retail",
            "territory": "North", "email_id": "c1@example.com", "disabled": 0, "credit_limit": 5000.0,
        ]
        var invoice: JSONObject = ["name": "ACC-SINV-2026-00001", "customer": "Customer 1", "grand_total": 1234.5, "docstatus": 1]
        var rows: [JSON] = []
        for i in 0..<20 {
            var row = JSONObject()
            row["name"] = .string("row\(i)")
            row["item_code"] = .string("ITEM-\(i)")
            row["item_group"] = "Tools"
            row["qty"] = .int(Int64(i + 1))
            row["rate"] = 10.0
            row["amount"] = .double(Double(i + 1) * 10)
            rows.append(.object(row))
        }
        invoice["items"] = .array(rows)
        return [
            ("condition.eval.simple", "doc.customer_type == 'Company' and doc.territory in ('North', 'East') and not doc.disabled", customer,
             "a parsed condition on a Customer: ==, in a tuple, not"),
            ("condition.eval.child_rows", "any(row.item_group == 'Spares' and row.qty > 5 for row in doc.items)", invoice,
             "any() over a 20-row Sales Invoice that matches no row (all rows walked)"),
        ]
    }

    /// One catch-up: records replayed per second, and per second of the process's CPU time.
    static func catchUp(backlog: Int, mode: Mode, in directory: URL) async throws -> (rate: Double, cpuRate: Double) {
        var logger = Logger(label: "bench.stream")
        logger.logLevel = .error
        func site(_ name: String) async throws -> Site {
            let layout = SiteLayout(root: directory.appendingPathComponent(name))
            try await Site.create(at: layout, name: name, url: nil, settings: BenchSiteSettings.make(), logger: logger)
            return try Site.open(at: layout, controllers: ControllerRegistry(), logger: logger)
        }
        let producerSite = try await site("producer")
        let consumerSite = try await site("consumer")
        defer {
            try? producerSite.close()
            try? consumerSite.close()
        }
        let producer = StreamProducer(site: producerSite, logger: logger)
        let consumer = StreamConsumer(site: consumerSite, logger: logger)
        let client = LocalProducerClient(producer: producer)
        if mode == .mapped {
            try await consumerSite.write { tx in
                try tx.insert(Document(doctype: "Supplier Group", ["supplier_group_name": "All Supplier Groups"]))
                try tx.insert(Document(doctype: "Document Type Mapping", [
                    "mapping_name": "Customer to Supplier", "local_doctype": "Supplier", "remote_doctype": "Customer",
                    "field_mapping": [
                        ["local_fieldname": "supplier_name", "remote_fieldname": "customer_name"],
                        ["local_fieldname": "supplier_type", "remote_fieldname": "customer_type"],
                        ["local_fieldname": "supplier_group", "default_value": "All Supplier Groups"],
                    ],
                ]))
            }
        }
        let options: Subscription.DocTypeOptions = switch mode {
        case .plain: .init("Customer")
        case .filtered: .init("Customer", condition: "doc.customer_type == 'Individual'")
        case .mapped: .init("Customer", mapping: "Customer to Supplier")
        }
        try await consumer.subscribe(Subscription(producerURL: "local", apiKey: "k", apiSecret: "s", doctypes: [options]), client: client)
        try await producer.approve(consumer: "consumer", doctypes: ["Customer"])
        _ = try await producerSite.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Retail"])) }
        for start in stride(from: 0, to: backlog, by: 500) {
            try await producerSite.write { tx in
                for i in start..<min(start + 500, backlog) {
                    try tx.insert(Document(doctype: "Customer", [
                        "customer_name": .string("Customer \(i)"), "customer_type": i % 2 == 0 ? "Individual" : "Company", "customer_group": "Retail",
                        "email_id": .string("c\(i)@example.com"), "customer_details": .string(String(repeating: "d", count: 300)),
                    ]))
                }
            }
        }
        // With durability interval a write is acknowledged before it is durable, and readers see
        // only durable entries: wait for the last one, or the pull may stop short of it.
        let written = producerSite.log.lastWrittenSequence
        if written > 0 { _ = await producerSite.log.waitForDurable(after: written - 1) }
        let started = monotonicNanoseconds()
        let cpuStarted = SiteBenchmarks.processCPUSeconds()
        let pulled = try await consumer.pull(producer: "producer", client: client, maxEntries: 1000, maxBytes: 4 << 20)
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        let cpu = SiteBenchmarks.processCPUSeconds() - cpuStarted
        let expected = mode == .filtered ? (backlog + 1) / 2 : backlog
        guard pulled.synced == expected && pulled.failed == 0 else {
            throw BenchError("stream: the catch-up replayed \(pulled.synced) of \(expected) (\(pulled.failed) failed)")
        }
        return (Double(pulled.synced) / seconds, Double(pulled.synced) / cpu)
    }

    /// Runs async work from the harness's synchronous `run` (which runs on a thread of its own).
    @discardableResult
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<T, any Error>?
        Task {
            do { result = .success(try await body()) } catch { result = .failure(error) }
            semaphore.signal()
        }
        semaphore.wait()
        return try result!.get()
    }
}

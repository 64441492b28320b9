import Foundation
import ERPFixtures
import SiteStreamJSON

/// JSON parse and serialize throughput on Frappe-shaped documents, ours next to Foundation's
/// `JSONSerialization` on the same bytes.
///
/// Figures (MB/s of JSON text): `json.parse` and `json.serialize` on 20-row Sales Invoices
/// (INTERFACE.md), `json.parse.foundation` / `json.serialize.foundation` for comparison, and the
/// same four with a suffix for 1-row invoices (`.invoice1`), 200-row invoices (`.invoice200`)
/// and Customers (`.customer`); each of ours also as `….cpu` (MB per second of the measuring
/// thread's CPU time, which a busy machine does not dilute). One untimed pass warms caches and
/// the parser's intern tables first. With `--emit-workload DIR` the measured documents are written
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
        var generator = ERPDocumentGenerator(seed: 20_261_129)
        let scale = context.size(full: 4, quick: 1, smoke: 1)
        let workloads = [
            Workload(id: "", label: "invoice20", documents: (0..<(50 * scale)).map { _ in generator.salesInvoice(rows: 20, submitted: true) }),
            Workload(id: ".invoice1", label: "invoice1", documents: (0..<(400 * scale)).map { _ in generator.salesInvoice(rows: 1, submitted: true) }),
            Workload(id: ".invoice200", label: "invoice200", documents: (0..<(5 * scale)).map { _ in generator.salesInvoice(rows: 200, submitted: true) }),
            Workload(id: ".customer", label: "customer", documents: (0..<(1000 * scale)).map { _ in generator.newCustomer() }),
        ]
        let targetBytes = Double(context.size(full: 16 << 20, quick: 4 << 20, smoke: 256 << 10))
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

            let parse = try measureRatesWithCPU(runs: context.runs) {
                for _ in 0..<passes {
                    for text in texts { sink &+= try JSON(parsing: text).objectValue?.count ?? 0 }
                }
                return Double(bytes * passes) / 1e6
            }
            report(Figure(id: "json.parse" + workload.id, unit: "MB/s", samples: parse.wall, note: note))
            report(Figure(id: "json.parse" + workload.id + ".cpu", unit: "MB/cpu-s", samples: parse.cpu,
                          note: "the same per second of this thread's CPU time"))

            let serialize = measureRatesWithCPU(runs: context.runs) {
                for _ in 0..<passes {
                    for doc in workload.documents { sink &+= doc.serialized().count }
                }
                return Double(bytes * passes) / 1e6
            }
            report(Figure(id: "json.serialize" + workload.id, unit: "MB/s", samples: serialize.wall, note: note))
            report(Figure(id: "json.serialize" + workload.id + ".cpu", unit: "MB/cpu-s", samples: serialize.cpu,
                          note: "the same per second of this thread's CPU time"))

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

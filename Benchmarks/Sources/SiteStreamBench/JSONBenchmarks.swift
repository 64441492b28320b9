import Foundation
import ERPFixtures
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

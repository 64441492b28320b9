import Foundation

// The json and diff groups write their inputs while they run (the exact documents and pairs
// they time); here they only add the manifest listing those files.

extension JSONBenchmarks: WorkloadEmitting {
    func emitWorkload(_ context: BenchContext, into files: inout WorkloadFiles) throws {
        try files.recordWrittenLines(what: "documents parsed and serialized, one compact JSON document a line (`json.parse.<file>` figures)")
        files.note("seed", 20_261_129)
        try files.finish(description: "JSON parse/serialize: ERPDocumentGenerator(seed: 20261129) Sales Invoices of 20, 1 and 200 rows (submitted) and Customers; each file is timed in passes until ~16 MB (--quick 4 MB) were read",
                         quick: context.quick, smoke: context.smoke)
    }
}

extension DiffBenchmarks: WorkloadEmitting {
    func emitWorkload(_ context: BenchContext, into files: inout WorkloadFiles) throws {
        try files.recordWrittenLines(what: #"update pairs {"old": …, "new": …}, one a line: 3 changed fields, 1 changed row, 1 added row; cycled until the figure's document count is reached"#)
        files.note("seed", "0xD1FF + rows")
        files.note("reparsed", "the .reparsed figures use the 20-row pairs, each side serialized and parsed on its own")
        try files.finish(description: "diff build/apply on Sales Invoice update pairs from ERPDocumentGenerator.invoiceUpdatePair (documents already parsed)",
                         quick: context.quick, smoke: context.smoke)
    }
}

extension WorkloadFiles {
    /// Records every `.jsonl` file already in the group's directory with its line count.
    mutating func recordWrittenLines(what: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        guard !names.isEmpty else { throw BenchError("bench: group \(group) wrote no workload files") }
        for name in names {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            let lines = data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            record(name, what: what, count: lines)
        }
    }
}

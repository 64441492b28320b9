import DocumentModel
import ERPFixtures
import Foundation
import SiteStreamJSON

/// `diff.build` and `diff.apply`: documents per second for Sales Invoice update pairs from the
/// ERPFixtures generator (three changed fields, one changed row, one added row), documents
/// already parsed. The headline figures use 20-row invoices; `.1row` and `.200row` variants
/// show how the cost scales with the table. Each figure also comes as `….cpu`, per second of
/// the measuring thread's CPU time (what a busy machine does not dilute), after a warm-up run.
///
/// The generator makes the new version by editing a copy of the old one, so unchanged values
/// share storage and compare by identity. On a site the two versions are parsed separately
/// (stored bytes against a request body) and every long text is compared byte by byte: the
/// `.reparsed` variants measure that case, old and new each serialized and parsed on its own.
///
/// 500 distinct 20-row pairs take about 40 MB as parsed values, more than this machine's
/// last-level cache, so the headline figures include a cache miss for most values an apply
/// copies or a build reads. A site diffs and folds a document it has just read, which is in
/// cache: the `.cached` variants cycle 16 pairs (about 1.3 MB) to show that case, and the
/// ratio between the two shows how much of a figure is memory latency.
struct DiffBenchmarks: BenchmarkGroup {
    let name = "diff"

    /// One workload: distinct pairs, cycled until `documents` diffs have been made per run.
    struct Variant {
        var rows: Int
        var suffix: String
        var distinctPairs: Int
        var documents: Int
        /// Parse old and new separately so they share no storage.
        var reparsed = false

        var noteSuffix: String {
            reparsed ? ", parsed apart" : distinctPairs <= 16 ? ", \(distinctPairs) pairs cycled (in cache)" : ""
        }
    }

    func run(_ context: BenchContext, report: (Figure) -> Void) throws {
        let schema = try Self.fixtureSchema()
        // --quick keeps the group to a few seconds on an idle machine.
        let scale = context.size(full: 5, quick: 1, smoke: 1)
        // --smoke: a fiftieth of the documents and few distinct pairs, enough to run every path.
        let divisor = context.smoke ? 50 : 1
        let pairs = context.smoke ? 10 : 500
        let variants = [
            Variant(rows: 20, suffix: "", distinctPairs: pairs, documents: 20_000 * scale / divisor),
            Variant(rows: 1, suffix: ".1row", distinctPairs: pairs, documents: 40_000 * scale / divisor),
            Variant(rows: 200, suffix: ".200row", distinctPairs: min(pairs, 100), documents: 2_000 * scale / divisor),
            Variant(rows: 20, suffix: ".reparsed", distinctPairs: pairs, documents: 20_000 * scale / divisor, reparsed: true),
            Variant(rows: 20, suffix: ".cached", distinctPairs: min(pairs, 16), documents: 20_000 * scale / divisor),
        ]
        for variant in variants {
            var generator = ERPDocumentGenerator(seed: 0xD1FF + UInt64(variant.rows))
            var pairs: [(old: Document, new: Document)] = []
            pairs.reserveCapacity(variant.distinctPairs)
            for _ in 0..<variant.distinctPairs {
                let (old, new) = generator.invoiceUpdatePair(rows: variant.rows)
                let (oldJSON, newJSON) = variant.reparsed
                    ? (try JSON(parsing: old.serialized()), try JSON(parsing: new.serialized())) : (old, new)
                guard let o = Document(json: oldJSON), let n = Document(json: newJSON) else {
                    throw BenchError("generator returned a non-object")
                }
                pairs.append((o, n))
            }
            // The `.cached` pairs are the first 16 of the 20-row file (same seed), so not written again.
            if let dir = context.workloadDirectory, !variant.reparsed, variant.suffix != ".cached" {
                try Self.writeWorkload(pairs, to: dir.appendingPathComponent("diff", isDirectory: true),
                                       file: "sales-invoice-\(variant.rows)-rows.jsonl")
            }
            // The workload must be what the figure says it is.
            let sample = try DocumentDiff.between(pairs[0].old, pairs[0].new, in: schema)
            guard sample.changed.count == 3, sample.addedRows(of: "items").count == 1, sample.changedRows(of: "items").count == 1 else {
                throw BenchError("diff workload is not 3 changed fields + 1 added row + 1 changed row: \(sample.json.serializedString())")
            }

            var sink = 0
            let build = try measureRatesWithCPU(runs: context.runs) {
                var done = 0
                while done < variant.documents {
                    for pair in pairs {
                        let diff = try DocumentDiff.between(pair.old, pair.new, in: schema)
                        sink &+= diff.changed.count
                    }
                    done += pairs.count
                }
                return Double(done)
            }
            report(Figure(id: "diff.build" + variant.suffix, unit: "docs/s", samples: build.wall,
                          note: "\(variant.rows)-row Sales Invoice, 3 fields + 1 row changed, 1 row added" + variant.noteSuffix))
            report(Figure(id: "diff.build" + variant.suffix + ".cpu", unit: "docs/cpu-s", samples: build.cpu,
                          note: "the same per second of this thread's CPU time"))

            let diffs = try pairs.map { try DocumentDiff.between($0.old, $0.new, in: schema) }
            let apply = try measureRatesWithCPU(runs: context.runs) {
                var done = 0
                while done < variant.documents {
                    for i in pairs.indices {
                        let applied = try diffs[i].apply(to: pairs[i].old)
                        sink &+= applied.object.count
                    }
                    done += pairs.count
                }
                return Double(done)
            }
            report(Figure(id: "diff.apply" + variant.suffix, unit: "docs/s", samples: apply.wall,
                          note: "\(variant.rows)-row Sales Invoice, new document returned, old kept" + variant.noteSuffix))
            report(Figure(id: "diff.apply" + variant.suffix + ".cpu", unit: "docs/cpu-s", samples: apply.cpu,
                          note: "the same per second of this thread's CPU time"))
            if sink == 42 { print("") }  // keeps the work observable to the optimiser
        }
    }

    /// The built-in ERP DocTypes (the ones the generator's documents are valid against).
    static func fixtureSchema() throws -> Schema {
        let files = ERPFixtures.docTypeFiles.map { (name: $0.name, bytes: Array($0.json.utf8)) }
        return try Schema.loading(files).schema
    }

    /// Writes the measured pairs as JSON lines `{"old": …, "new": …}`.
    static func writeWorkload(_ pairs: [(old: Document, new: Document)], to directory: URL, file: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var bytes: [UInt8] = []
        for pair in pairs {
            let line: JSON = ["old": pair.old.json, "new": pair.new.json]
            line.serialize(into: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        try Data(bytes).write(to: directory.appendingPathComponent(file))
    }
}

import EventLog
import Foundation
import SiteStreamJSON
import SnapshotStore

extension LogBenchmarks: WorkloadEmitting {
    func emitWorkload(_ context: BenchContext, into files: inout WorkloadFiles) throws {
        func line(_ draft: EntryDraft, _ extra: JSONObject) -> JSON {
            var o = extra
            o["update_type"] = .string("\(draft.updateType)")
            o["doctype"] = .string(draft.doctype)
            o["docname"] = .string(draft.docname)
            o["payload_base64"] = .string(Data(draft.payload).base64EncodedString())
            return .object(o)
        }
        for (label, bytes) in [("256b", 256), ("1k", 1024), ("8k", 8192)] {
            // Appender a appends its own batch (seed a) again and again until the time is up.
            let batches = (0..<8).map { Self.drafts(count: Self.batchSize, payloadBytes: bytes, seed: UInt64($0)) }
            try files.writeLines("append-\(label).jsonl", what: "the batch each appender appends over and over (appender a: seed a; 1 appender uses appender 0's)",
                                 count: 8 * Self.batchSize) { i in
                line(batches[i / Self.batchSize][i % Self.batchSize], ["appender": .int(Int64(i / Self.batchSize))])
            }
        }
        let readCount = context.size(full: 250_000, quick: 60_000, smoke: 2_000)
        let readBatch = Self.drafts(count: 1000, payloadBytes: 1024, seed: 3)
        try files.writeLines("read-fill.jsonl", what: "entries of the log read back (log.read.verify): these 1000 repeated", count: readCount) { i in
            line(readBatch[i % 1000], [:])
        }
        let lookupCount = context.size(full: 10_000_000, quick: 1_000_000, smoke: 20_000)
        let lookupBatch = Self.drafts(count: 1000, payloadBytes: 32, seed: 3)
        try files.writeLines("lookup-fill.jsonl", what: "entries of the log looked up in (log.lookup.p99): these 1000 repeated", count: lookupCount) { i in
            line(lookupBatch[i % 1000], [:])
        }
        files.note("durations", .string("each append run lasts \(context.size(full: 0.5, quick: 0.2, smoke: 0.1)) s for sizes × durability none / interval:2 / always × 1 and 8 appenders, batches of \(Self.batchSize)"))
        files.note("lookups", "20,000 random sequences per run: x = 0x2545F4914F6CDD1D; x ^= x << 13; x ^= x >> 7; x ^= x << 17; sequence = x % count + 1")
        try files.finish(description: "Event Update Log appends, reads and lookups; payloads are incompressible (xorshift of the seed), compression off",
                         quick: context.quick, smoke: context.smoke)
    }
}

extension StoreBenchmarks: WorkloadEmitting {
    func emitWorkload(_ context: BenchContext, into files: inout WorkloadFiles) throws {
        func line(_ i: Int) throws -> JSON {
            guard case .put(let key, let document, let terms) = Self.customer(i) else { throw BenchError("store: customer(\(i)) is not a put") }
            return [
                "doctype": .string(key.doctype), "name": .string(key.name), "document": try JSON(parsing: document),
                "terms": .array(terms.map { term -> JSON in ["index": .string(term.index), "value": .string(term.value)] }),
            ]
        }
        let puts = context.size(full: 200_000, quick: 50_000, smoke: 2_000)
        try files.writeLines("puts.jsonl", what: "store.put: one put per apply, in order; store.get reads these back", count: puts, line)
        let total = context.size(full: 1_000_000, quick: 100_000, smoke: 2_000)
        try files.writeLines("fold-and-open.jsonl", what: "store.fold / store.rebuild / store.open.1m: the same documents, 0..<measured", count: total, line)
        files.note("rule", "document i is StoreBenchmarks.customer(i): name CUST-%07d, customer_group = [Commercial, Individual, Retail, Government, Non Profit][i % 5], territory Territory-(i % 10), a 700-byte notes field")
        files.note("gets", "random gets: state = 12345; state = state * 6364136223846793005 + 1442695040888963407; i = (state >> 33) % puts")
        try files.finish(description: "the snapshot store on its own: ~1 KB Customer documents with three index terms each",
                         quick: context.quick, smoke: context.smoke)
    }
}

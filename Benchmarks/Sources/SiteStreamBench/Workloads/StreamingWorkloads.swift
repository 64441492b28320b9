import Foundation
import SiteStreamJSON

extension StreamBenchmarks: WorkloadEmitting {
    func emitWorkload(_ context: BenchContext, into files: inout WorkloadFiles) throws {
        let backlog = context.size(full: 50_000, quick: 10_000, smoke: 500)
        try files.writeBacklog(count: backlog, alternatingTypes: true,
                               what: "the producer's Customers, inserted 500 per write after a Customer Group \"Retail\"; every run and mode writes the same backlog")
        let subscriptions: [JSON] = [
            ["mode": "plain", "doctype": "Customer"],
            ["mode": "filtered", "doctype": "Customer", "condition": "doc.customer_type == 'Individual'"],
            ["mode": "mapped", "doctype": "Customer", "mapping": "Customer to Supplier",
             "consumer_documents": [
                 ["doctype": "Supplier Group", "supplier_group_name": "All Supplier Groups"],
                 ["doctype": "Document Type Mapping", "mapping_name": "Customer to Supplier", "local_doctype": "Supplier", "remote_doctype": "Customer",
                  "field_mapping": [
                      ["local_fieldname": "supplier_name", "remote_fieldname": "customer_name"],
                      ["local_fieldname": "supplier_type", "remote_fieldname": "customer_type"],
                      ["local_fieldname": "supplier_group", "default_value": "All Supplier Groups"],
                  ]],
             ]],
        ]
        try files.writeLines("subscriptions.jsonl", what: "the consumer's subscription in each mode (stream.catchup.inprocess, filtered_ratio, mapped_ratio), with what the consumer holds first",
                             count: subscriptions.count) { subscriptions[$0] }
        let conditions = Self.conditionCases()
        let iterations = context.size(full: 400_000, quick: 100_000, smoke: 2_000)
        try files.writeLines("conditions.jsonl", what: "condition.eval.*: the condition and the document it is evaluated on, \(iterations) times per run",
                             count: conditions.count) { i in
            let (id, text, document, _) = conditions[i]
            return ["figure": .string(id), "condition": .string(text), "document": .object(document)]
        }
        files.note("pull", "in-process LocalProducerClient, replies of at most 1000 entries / 4 MB, both sites durability interval")
        try files.finish(description: "streaming without HTTP: an empty consumer catching up a Customer backlog plain, filtered and mapped; conditions evaluated alone",
                         quick: context.quick, smoke: context.smoke)
    }
}

extension CatchUpBenchmarks: WorkloadEmitting {
    func emitWorkload(_ context: BenchContext, into files: inout WorkloadFiles) throws {
        let backlog = context.size(full: 1_000_000, quick: 100_000, smoke: 2_000)
        let (first, masters) = MixedBacklog.start()
        var generator = first
        try files.writeLines("mixed-masters.jsonl", what: "stream.catchup: the producer's master documents, written first in one write (those of the subscribed DocTypes are backlog entries)",
                             count: masters.count) { masters[$0] }
        let blocks = backlog / MixedBacklog.entriesPerBlock
        try files.writeLines("mixed-blocks.jsonl", what: "stream.catchup: the blocks after the masters, \(MixedBacklog.blocksPerWrite) a round of three writes (every block's Creates, then its two saves, then the invoice's submit); each line is one block: customer (old, new), single, invoice (old, new)",
                             count: blocks) { _ in
            let block = MixedBacklog.Block(&generator)
            return ["customer": ["old": block.customer.old, "new": block.customer.new], "single": block.single,
                    "invoice": ["old": block.invoice.old, "new": block.invoice.new]]
        }
        files.note("mixed_seed", .int(Int64(MixedBacklog.seed)))
        files.note("mixed_subscription", .array(MixedBacklog.doctypes.map(JSON.string)))
        files.note("mixed_rule", "the site names each Create itself; a save is the diff from old to new applied to the stored document; the submit is Site submit (posting GL Entries, not subscribed)")
        try files.writeBacklog(count: backlog, alternatingTypes: false,
                               what: "stream.catchup.customers: the producer's Customers, written 1000 per write after a Customer Group \"Retail\", then pulled by `sitestream pull`")
        files.note("consumer", "sitestream init --name consumer; sitestream producer add --doctype for each subscribed DocType (approved by the producer); sitestream pull, timed from spawn to exit")
        files.note("local_fold", "the reference: a second consumer \"local\" set up the same way (init, producer add, approved) before the backlog is written; after the HTTP pull the producer exports its entries as a bundle (not timed) and `sitestream import --site DIR BUNDLE` replays them, timed from spawn to exit; local_ratio = HTTP rate ÷ local rate")
        try files.finish(description: "end-to-end catch-up over loopback HTTP with the consumer in its own process: the mixed backlog (stream.catchup), then Customers alone (stream.catchup.customers)",
                         quick: context.quick, smoke: context.smoke)
    }
}

extension OfflineBenchmarks: WorkloadEmitting {
    func emitWorkload(_ context: BenchContext, into files: inout WorkloadFiles) throws {
        let backlog = context.size(full: 1_000_000, quick: 100_000, smoke: 2_000)
        try files.writeBacklog(count: backlog, alternatingTypes: false,
                               what: "the producer's Customers, written 500 per write after a Customer Group \"Retail\"; each run exports them for its own consumer and imports the bundle")
        files.note("runs", .int(Int64(context.runs)))
        files.note("local_fold", "the reference: the same Creates read from the producer's log file and inserted through a fresh subscribed consumer site's lifecycle as replicas, 256 per transaction; offline.import_ratio = import rate ÷ this rate (the two take turns going first)")
        files.note("disk_raw", "offline.disk.raw: as many bytes as the bundle, written in 1 MiB writes with one fdatasync in the same directory right after each export; offline.export.disk_ratio = export MB/s ÷ this")
        try files.finish(description: "offline catch-up: export a consumer's backlog as a bundle, verify and import it on an empty consumer (both sites durability interval:2)",
                         quick: context.quick, smoke: context.smoke)
    }
}

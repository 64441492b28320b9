import ERPFixtures
import Foundation
import SiteStreamJSON

extension SiteBenchmarks: WorkloadEmitting {
    func emitWorkload(_ context: BenchContext, into files: inout WorkloadFiles) throws {
        // The same draws, in the same order, as SiteBenchmarks.run.
        let customers = context.size(full: 100_000, quick: 20_000, smoke: 500)
        let invoices = context.size(full: 10_000, quick: 2_000, smoke: 100)
        var generator = ERPDocumentGenerator(seed: 20_261_129)
        let master = generator.masterData()
        let customerInputs = (0..<min(customers, WorkloadFiles.maxLines)).map { _ in generator.newCustomer() }
        if customers > WorkloadFiles.maxLines { for _ in WorkloadFiles.maxLines..<customers { _ = generator.newCustomer() } }
        let invoiceInputs = (0..<min(invoices, WorkloadFiles.maxLines)).map { _ in generator.salesInvoice(rows: 20, submitted: true) }
        try files.writeLines("master.jsonl", what: "master data inserted in one write into every fresh site before timing", count: master.count) { master[$0] }
        try files.writeLines("customers.jsonl", what: "site.insert.customer: inserts through the full lifecycle (8 writer tasks; .single: 1 writer, the first quarter)",
                             count: customers) { customerInputs[$0] }
        try files.writeLines("invoices.jsonl", what: "site.insert.invoice: 20-row Sales Invoices inserted submitted (8 writer tasks; .single: the first quarter)",
                             count: invoices) { invoiceInputs[$0] }
        let total = context.size(full: 1_000_000, quick: 100_000, smoke: 2_000)
        var bulk = ERPDocumentGenerator(seed: 99)
        try files.writeLines("large-site.jsonl", what: "site.rebuild / site.open.1m: Customers written 1000 per transaction",
                             count: total) { _ in bulk.newCustomer() }
        files.note("seeds", "ERPDocumentGenerator(seed: 20261129): masterData(), then the customers, then the invoices; the large site: ERPDocumentGenerator(seed: 99).newCustomer() × measured")
        try files.finish(description: "a whole site (durability interval:2): inserts through the lifecycle, store rebuild from the log, opening a large site",
                         quick: context.quick, smoke: context.smoke)
    }
}

extension RESTBenchmarks: WorkloadEmitting {
    func emitWorkload(_ context: BenchContext, into files: inout WorkloadFiles) throws {
        let perClient = context.size(full: 600, quick: 150, smoke: 10)
        let clients = Self.clients
        let runs = context.runs
        // Inserts: run r, client c, request i sends this body (RESTBenchmarks.run).
        func body(_ run: Int, _ client: Int, _ i: Int) -> String {
            #"{"customer_name":"Bench \#(run)-\#(client)-\#(i)","customer_type":"Company","customer_group":"Retail","territory":null}"#
        }
        let perRun = clients * perClient
        try files.writeLines("inserts.jsonl", what: "rest.insert: every request; each client sends its requests in order on one keep-alive connection",
                             count: runs * perRun) { n in
            let (run, client, i) = (n / perRun, (n % perRun) / perClient, n % perClient)
            let parsed = try JSON(parsing: body(run, client, i))
            return ["run": .int(Int64(run)), "client": .int(Int64(client)), "method": "POST", "path": "/api/resource/Customer", "body": parsed]
        }
        // Gets: the same seeded picks among the inserted names as RESTBenchmarks.run.
        var names: [String] = []
        for run in 0..<runs { for client in 0..<clients { for i in 0..<perClient { names.append("Bench \(run)-\(client)-\(i)") } } }
        var gets: [JSON] = []
        for run in 0..<runs {
            var state = UInt64(run + 1) &* 0x9E37_79B9_7F4A_7C15
            for client in 0..<clients {
                for _ in 0..<perClient {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let name = names[Int((state >> 33) % UInt64(names.count))]
                    gets.append(["run": .int(Int64(run)), "client": .int(Int64(client)), "method": "GET",
                                 "path": .string("/api/resource/Customer/" + name.replacingOccurrences(of: " ", with: "%20"))])
                }
            }
        }
        try files.writeLines("gets.jsonl", what: "rest.get: every request, after the inserts", count: gets.count) { gets[$0] }
        files.note("setup", .string(#"one site, durability interval:2, a Customer Group "Retail", an Administrator API key; \#(clients) clients, Authorization: token KEY:SECRET"#))
        try files.finish(description: "the REST API over loopback: Customer inserts and random gets, \(clients) keep-alive clients",
                         quick: context.quick, smoke: context.smoke)
    }
}

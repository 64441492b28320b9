import CrashChildSupport
import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming
import Testing

/// A consumer pulling from a producer is SIGKILLed at random moments, again and again, while
/// the producer keeps changing between rounds. After every kill and at the end the consumer
/// holds every change exactly once: documents equal the producer's, no duplicate replicas,
/// and exactly one GL Entry per replicated submit or cancel (a replay run twice would post twice).
@Suite("Streaming: a consumer killed at any moment", .serialized)
struct StreamingCrashTests {
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    /// What the producer holds, tracked by the test to choose changes.
    struct Workload {
        var customers: [String] = []
        var invoiceCustomers: Set<String> = []
        var addressed: Set<String> = []
        var addresses: [String] = []
        var drafts: [String] = []
        var submitted: [String] = []
        var counter = 0

        /// One round of changes: inserts, updates, deletes, submits and cancels.
        mutating func round(_ site: Site, _ random: inout Random) async throws {
            var copy = self
            copy = try await site.write { tx in
                var w = copy
                for _ in 0..<4 {
                    w.counter += 1
                    let name = "Cust \(w.counter)"
                    try tx.insert(Docs.customer(name, group: "Group \(w.counter % 3)"))
                    w.customers.append(name)
                }
                return w
            }
            for _ in 0..<3 {
                let name = copy.customers[random.below(copy.customers.count)]
                let details = "v\(random.next() % 1000)"
                try await site.write { tx in try tx.update("Customer", name, with: ["customer_details": .string(details)]) }
            }
            // Only customers nothing links to can be deleted.
            if let victim = copy.customers.filter({ !copy.invoiceCustomers.contains($0) && !copy.addressed.contains($0) })
                .dropFirst(random.below(3)).first {
                try await site.write { tx in try tx.delete("Customer", victim) }
                copy.customers.removeAll { $0 == victim }
            }
            let linked = copy.customers[random.below(copy.customers.count)]
            let address: String = try await site.write { tx in
                try tx.insert(Docs.address("Office of \(linked)", linkedTo: [("Customer", linked)])).name!
            }
            copy.addresses.append(address)
            copy.addressed.insert(linked)
            if let some = copy.addresses.randomElement(using: &random) {
                try await site.write { tx in try tx.update("Address", some, with: ["city": .string("City \(random.next() % 100)")]) }
            }
            let customer = copy.customers[random.below(copy.customers.count)]
            copy.invoiceCustomers.insert(customer)
            let invoice: String = try await site.write { tx in
                try tx.insert(Docs.invoice(customer: customer, items: [("ITEM-\(random.below(4))", 2, 5)])).name!
            }
            copy.drafts.append(invoice)
            if copy.drafts.count > 1 {
                let draft = copy.drafts.removeFirst()
                try await site.write { tx in try tx.submit("Sales Invoice", draft) }
                copy.submitted.append(draft)
            }
            if copy.submitted.count > 2, random.below(2) == 0 {
                let done = copy.submitted.removeFirst()
                try await site.write { tx in try tx.cancel("Sales Invoice", done) }
            }
            self = copy
        }
    }

    @Test func killedConsumerNeitherLosesNorDuplicatesAChange() async throws {
        let producerDirectory = try TemporaryDirectory("crash-producer")
        let consumerDirectory = try TemporaryDirectory("crash-consumer")
        defer {
            producerDirectory.cleanUp()
            consumerDirectory.cleanUp()
        }
        var random = Random(state: UInt64(UInt32(truncatingIfNeeded: getpid())) | 1)
        let producerLayout = SiteLayout(root: producerDirectory.url)
        let consumerLayout = SiteLayout(root: consumerDirectory.url)
        var settings = SiteSettings()
        settings.durability = .always
        try await Site.create(at: producerLayout, name: "head-office", url: nil, settings: settings)
        try await Site.create(at: consumerLayout, name: "branch-1", url: nil, settings: settings)

        var workload = Workload()
        do {
            let producerSite = try Site.open(at: producerLayout, controllers: ControllerRegistry())
            let consumerSite = try Site.open(at: consumerLayout, controllers: ControllerRegistry())
            try await producerSite.write { tx in
                try tx.insert(Docs.itemGroup("Tools"))
                for g in 0..<3 { try tx.insert(Docs.customerGroup("Group \(g)")) }
                for i in 0..<4 { try tx.insert(Docs.item("ITEM-\(i)", group: "Tools")) }
            }
            let producer = StreamProducer(site: producerSite)
            try await StreamConsumer(site: consumerSite).subscribe(Subscription(
                producerURL: "local", apiKey: "k", apiSecret: "s",
                doctypes: [.init("Customer"), .init("Address", useSameName: false), .init("Sales Invoice")]),
                client: LocalProducerClient(producer: producer))
            try await producer.approve(consumer: "branch-1", doctypes: ["Customer", "Address", "Sales Invoice"])
            try await workload.round(producerSite, &random)
            try producerSite.close()
            try consumerSite.close()
        }

        var kills = 0
        var midPull = 0
        var round = 0
        while kills < 24 {
            round += 1
            let producerSite = try Site.open(at: producerLayout, controllers: ControllerRegistry())
            try await workload.round(producerSite, &random)
            try producerSite.close()

            let progress = consumerDirectory.url.deletingLastPathComponent().appendingPathComponent("progress-\(getpid())-\(round)")
            FileManager.default.createFile(atPath: progress.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: progress) }
            let child = try CrashChild.start(["streaming-pull", producerDirectory.url.path, consumerDirectory.url.path, progress.path])
            // Kill after a random number of committed records (0 = right after opening), then
            // 0–3 ms more so the kill also lands inside writes.
            let target = random.below(8) + 1
            let reached = CrashChild.waitUntil(seconds: 120) {
                let lines = (try? String(contentsOf: progress, encoding: .utf8))?.split(separator: "\n") ?? []
                return lines.count >= target || lines.last == "done" || !child.isRunning
            }
            #expect(reached, "round \(round): the child made no progress within 120 s")
            usleep(UInt32(random.below(3000)))
            let wasRunning = child.isRunning
            CrashChild.kill(child)
            if wasRunning { kills += 1 }
            let lines = (try? String(contentsOf: progress, encoding: .utf8))?.split(separator: "\n") ?? []
            if wasRunning && lines.last != "done" { midPull += 1 }
            if !wasRunning {
                #expect(child.terminationStatus == 0, "round \(round): the child failed with status \(child.terminationStatus)")
            }
            try checkExactlyOnce(consumerLayout, producerLayout: producerLayout, complete: false)
        }
        #expect(midPull >= 20, "only \(midPull) of \(kills) kills landed during a pull")

        // Let a last child finish, then the consumer must equal the producer.
        let progress = consumerDirectory.url.deletingLastPathComponent().appendingPathComponent("progress-\(getpid())-final")
        FileManager.default.createFile(atPath: progress.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: progress) }
        let child = try CrashChild.start(["streaming-pull", producerDirectory.url.path, consumerDirectory.url.path, progress.path])
        child.waitUntilExit()
        #expect(child.terminationStatus == 0)
        try checkExactlyOnce(consumerLayout, producerLayout: producerLayout, complete: true)
        print("streaming crash test: \(kills) kills (\(midPull) during a pull) over \(round) rounds")
    }

    /// No duplicates and one GL Entry per submit or cancel, always; with `complete`, the
    /// consumer's replicated documents equal the producer's one for one.
    func checkExactlyOnce(_ consumerLayout: SiteLayout, producerLayout: SiteLayout, complete: Bool) throws {
        let consumer = try Site.open(at: consumerLayout, controllers: ControllerRegistry())
        defer { try? consumer.close() }
        let addresses = try consumer.list("Address", limit: Int.max)
        let remotes = addresses.compactMap { $0["remote_docname"]?.stringValue }
        #expect(remotes.count == addresses.count, "an Address without its remote name")
        #expect(Set(remotes).count == remotes.count, "an Address replicated twice: \(remotes.sorted())")
        let postings = try consumer.list("GL Entry", limit: Int.max)
        for invoice in try consumer.list("Sales Invoice", limit: Int.max) {
            let count = postings.filter { $0["voucher_no"]?.stringValue == invoice.name }.count
            #expect(count == invoice.docstatus, "\(invoice.name ?? "") has docstatus \(invoice.docstatus) and \(count) GL Entries")
        }
        let failures = try consumer.list("Event Sync Log", limit: 10)
        #expect(failures.count == 0, "a replay failed: \(failures.first?["error"]?.stringValue ?? "")")
        guard complete else { return }
        let producer = try Site.open(at: producerLayout, controllers: ControllerRegistry())
        defer { try? producer.close() }
        for doctype in ["Customer", "Sales Invoice"] {
            let theirs = try producer.list(doctype, limit: Int.max)
            let ours = try consumer.list(doctype, limit: Int.max)
            #expect(ours.map(\.name) == theirs.map(\.name), "\(doctype) names differ")
            for (a, b) in zip(ours, theirs) { #expect(replicatedFields(a) == replicatedFields(b), "\(doctype) \(a.name ?? "") differs") }
        }
        let theirs = try producer.list("Address", limit: Int.max)
        #expect(addresses.count == theirs.count)
        for address in theirs {
            let ours = try consumer.replicatedDocument("Address", site: "head-office", docname: address.name!)
            #expect(replicatedFields(ours) == replicatedFields(address), "Address \(address.name!) differs")
        }
    }
}

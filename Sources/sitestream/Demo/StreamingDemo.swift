import DocumentModel
import ERPFixtures
import Foundation
import Logging
import Site
import SiteServer
import SiteStreamJSON
import Streaming

/// The main job: a head office and two branches served on loopback. The branches subscribe to
/// the head office's master data; the head office subscribes to each branch's Sales Invoices
/// (named by its own series, remembering the branch's name). Everything crosses real HTTP:
/// registration, approval, pings, batched pulls, dependency fetches.
struct StreamingDemo {
    static let masterDocTypes = ["Customer Group", "Territory", "Item Group", "Item", "Customer"]

    let root: URL
    let invoicesPerBranch: Int
    let progress: ProgressLine
    let logger: Logger

    struct Outcome {
        var report: String
        var passed: Bool
        var failure: String?
    }

    func run() async throws -> Outcome {
        progress.note("starting head-office, branch-north and branch-south on loopback")
        let office = try await DemoNode.start(name: "head-office", port: try DemoNode.freePort(), root: root,
                                              controllers: CreditHold.registry, logger: logger)
        let north = try await DemoNode.start(name: "branch-north", port: try DemoNode.freePort(), root: root, logger: logger)
        let south = try await DemoNode.start(name: "branch-south", port: try DemoNode.freePort(), root: root, logger: logger)
        let nodes = [office, north, south]
        do {
            let outcome = try await stream(office: office, branches: [north, south])
            await Self.stop(nodes)
            return outcome
        } catch {
            await Self.stop(nodes)
            throw error
        }
    }

    /// Stops every pull loop before any server, so no site tries to reach one already gone.
    static func stop(_ nodes: [DemoNode]) async {
        for node in nodes { node.served.stopPullLoops() }
        for node in nodes { await node.stop() }
    }

    /// The customer the head office has on credit hold when a branch invoices it.
    static let heldCustomer = "Kestrel Traders"

    private func stream(office: DemoNode, branches: [DemoNode]) async throws -> Outcome {
        var notes: [String] = []
        // Subscriptions, both ways, and their approval on the producing side.
        for branch in branches {
            try await branch.served.consumer.subscribe(
                Subscription(producerURL: office.url, apiKey: office.key.apiKey, apiSecret: office.key.apiSecret,
                             doctypes: Self.masterDocTypes.map { .init($0) }),
                client: office.client)
            _ = try await office.served.producer.approve(consumer: branch.name, doctypes: Self.masterDocTypes)
            try await office.served.consumer.subscribe(
                Subscription(producerURL: branch.url, apiKey: branch.key.apiKey, apiSecret: branch.key.apiSecret,
                             doctypes: [.init("Sales Invoice", useSameName: false)]),
                client: branch.client)
            _ = try await branch.served.producer.approve(consumer: office.name, doctypes: ["Sales Invoice"])
        }
        for node in [office] + branches { try node.served.startPullLoops() }
        notes.append("branches subscribed to \(Self.masterDocTypes.joined(separator: ", ")) at head-office; head-office to each branch's Sales Invoices")

        // Master data at the head office flows down, with one customer on credit hold.
        let generator = ERPDocumentGenerator(seed: 2026)
        let masters = generator.masterData().filter { Self.masterDocTypes.contains($0["doctype"]?.stringValue ?? "") }
        try await office.site.write { tx in
            for json in masters { try tx.insert(Document(json: json)!) }
            let group = masters.first { $0["doctype"]?.stringValue == "Customer Group" }?["name"] ?? .null
            try tx.insert(Document(doctype: "Customer", ["customer_name": .string(Self.heldCustomer), "customer_type": "Company",
                                                         "customer_group": group, "disabled": 1]))
        }
        progress.note("head-office: \(masters.count + 1) master documents written")
        try await waitUntil("master data at the branches", timeout: 120) {
            branches.allSatisfy { branch in Self.masterDocTypes.allSatisfy { branch.site.count($0) == office.site.count($0) } }
        }

        // A master change after the first sync: the update flows as a diff.
        let customer = generator.customerNames[0]
        _ = try await office.site.write { tx in try tx.update("Customer", customer, with: ["mobile_no": "+1 555 0100"]) }
        notes.append("head-office updated Customer \(customer); the branches received the diff")

        // Invoices at the branches flow up.
        var held: String?
        for (b, branch) in branches.enumerated() {
            var branchGenerator = ERPDocumentGenerator(seed: 2026, stream: UInt64(b + 1))
            var names: [String] = []
            for i in 0..<invoicesPerBranch {
                let json = branchGenerator.salesInvoice(rows: 1 + i % 20)
                let invoice = try await branch.site.write { tx in try tx.insert(Document(json: json)!) }
                names.append(invoice.name!)
                progress.update("\(branch.name): writing Sales Invoices", done: i + 1, total: invoicesPerBranch, unit: "invoices")
            }
            for name in names.prefix(invoicesPerBranch / 2) {
                _ = try await branch.site.write { tx in try tx.submit("Sales Invoice", name) }
            }
            _ = try await branch.site.write { tx in try tx.cancel("Sales Invoice", names[0]) }
            // An update with child-row changes: drop a row, change a row, add a row.
            var draft = try branch.site.get("Sales Invoice", names[invoicesPerBranch - 1])!
            var rows = draft.rows(of: "items")
            if rows.count >= 2 {
                rows.removeFirst()
                rows[0]["qty"] = .double((rows[0]["qty"]?.doubleValue ?? 1) + 1)
            }
            var added = rows.first ?? [:]
            added["name"] = nil
            added["idx"] = nil
            rows.append(added)
            draft.setRows(rows, of: "items")
            let edited = draft
            _ = try await branch.site.write { tx in try tx.save(edited) }
            if b == 0 {
                // The branch invoices the customer the head office holds, and submits it.
                var fields = branchGenerator.salesInvoice(rows: 2).objectValue ?? [:]
                fields["customer"] = .string(Self.heldCustomer)
                fields["customer_name"] = .string(Self.heldCustomer)
                fields["territory"] = nil
                let json = JSON.object(fields)
                let invoice = try await branch.site.write { tx in try tx.insert(Document(json: json)!) }
                _ = try await branch.site.write { tx in try tx.submit("Sales Invoice", invoice.name!) }
                held = invoice.name!
            }
            progress.note("\(branch.name): \(invoicesPerBranch) invoices written, \(invoicesPerBranch / 2) submitted, 1 cancelled, 1 edited")
        }
        notes.append("each branch wrote \(invoicesPerBranch) Sales Invoices (half submitted, one cancelled, one edited with row changes)")

        // The held customer's invoice fails validation at the head office and is parked.
        let north = branches[0]
        try await waitUntil("the held invoice to be parked at head-office", timeout: 120) {
            ((try? office.served.consumer.syncLog(status: .failed, producer: north.name)) ?? []).contains { $0.remoteName == held }
        }
        let parked = try office.served.consumer.syncLog(status: .failed, producer: north.name).first { $0.remoteName == held }!
        let waiting = try office.served.consumer.syncLog(status: .waiting, producer: north.name).filter { $0.remoteName == held }.count
        progress.note("head-office parked \(north.name)'s \(held!) (\(waiting) later entry waiting): \(parked.error ?? "")")
        progress.finish()
        notes.append("head-office refused \(north.name)'s \(held!) (\(parked.error ?? "validation failed")); Event Sync Log \(parked.id) Failed, \(waiting) waiting behind it; everything else flowed")

        // The head office lifts the hold (the change flows down too) and resyncs the parked invoice.
        _ = try await office.site.write { tx in try tx.update("Customer", Self.heldCustomer, with: ["disabled": 0]) }
        let resync = try await resyncParked(office: office, producer: north)
        progress.note("head-office lifted the hold on \(Self.heldCustomer); resync applied \(resync.synced) entries")
        progress.finish()
        notes.append("head-office lifted the hold on \(Self.heldCustomer) and resynced: \(resync.synced) parked entries applied" + (resync.failures.isEmpty ? "" : ", \(resync.failures.count) still failing"))

        try await waitUntil("branch invoices at the head office", timeout: 180) {
            (try? branches.allSatisfy { try Self.invoiceDifferences(office: office, branch: $0).isEmpty }) ?? false
        }
        try await waitUntil("master data changes at the branches", timeout: 60) {
            (try? branches.allSatisfy { try Self.masterDifferences(office: office, branch: $0).isEmpty }) ?? false
        }
        // Every consumer reads up to its producers' ends: a ping makes each pull loop ask again.
        let nodes = [office] + branches
        try await waitUntil("every consumer to catch up (lag 0)", timeout: 60) {
            for node in nodes {
                for producer in (try? node.served.consumer.producers()) ?? [] { node.served.notify(producerID: producer.siteID) }
            }
            return ((try? Self.lag(of: nodes)) ?? [:]).values.allSatisfy { $0 == 0 }
        }

        // The check, document by document.
        var problems: [String] = []
        for branch in branches {
            problems += try Self.masterDifferences(office: office, branch: branch)
            problems += try Self.invoiceDifferences(office: office, branch: branch)
        }
        if try !office.served.consumer.syncLog(status: .failed).isEmpty || !office.served.consumer.syncLog(status: .waiting).isEmpty {
            problems.append("head-office still has parked entries in its Event Sync Log")
        }
        var report = try summary(nodes) + "\n" + notes.map { "- \($0)" }.joined(separator: "\n") + "\n"
        if let first = problems.first {
            report += "check FAILED: \(problems.count) difference(s), first: \(first)\n"
            return Outcome(report: report, passed: false, failure: first)
        }
        let compared = branches.reduce(0) { $0 + $1.site.count("Sales Invoice") } + (masters.count + 1) * branches.count
        report += "check passed: \(compared) replicated documents equal their originals field by field\n"
        return Outcome(report: report, passed: true)
    }

    /// Resyncs the head office's parked documents from `producer`, retrying while a pull
    /// from it holds the claim; an automatic retry that got there first counts as done.
    private func resyncParked(office: DemoNode, producer: DemoNode) async throws -> StreamConsumer.ResyncReport {
        let start = Date()
        while true {
            do {
                return try await office.served.consumer.resyncFailed(producer: producer.name, client: producer.client)
            } catch let error as StreamError where error.code == .conflict && Date().timeIntervalSince(start) < 60 {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Polls `condition` every 100 ms, with a progress line, until it holds or `timeout` passes.
    func waitUntil(_ what: String, timeout: Double, _ condition: () -> Bool) async throws {
        let start = Date()
        while !condition() {
            let elapsed = Date().timeIntervalSince(start)
            if elapsed > timeout { throw CLIError("demo: \(what) did not arrive within \(Int(timeout)) s") }
            progress.note(String(format: "waiting for %@ (%.1f s)", what, elapsed))
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func masterDifferences(office: DemoNode, branch: DemoNode) throws -> [String] {
        var problems: [String] = []
        for doctype in masterDocTypes {
            guard let type = office.site.schema[doctype] else { continue }
            for original in try office.site.list(doctype, limit: Int.max) {
                guard let copy = try branch.site.get(doctype, original.name!) else {
                    problems.append("\(branch.name) lacks \(doctype) \(original.name!)")
                    continue
                }
                if !DocumentDiff.between(copy, original, doctype: type, schema: office.site.schema).isEmpty {
                    problems.append("\(branch.name)'s \(doctype) \(original.name!) differs from head-office's")
                }
            }
        }
        return problems
    }

    static func invoiceDifferences(office: DemoNode, branch: DemoNode) throws -> [String] {
        var problems: [String] = []
        let type = office.site.schema["Sales Invoice"]!
        for original in try branch.site.list("Sales Invoice", limit: Int.max) {
            guard let copy = try office.site.replicatedDocument("Sales Invoice", site: branch.name, docname: original.name!) else {
                problems.append("head-office lacks \(branch.name)'s Sales Invoice \(original.name!)")
                continue
            }
            // Rows are compared by content: the head office names the copy, so parent columns differ.
            var a = original, b = copy
            for table in ["items"] {
                a.setRows(a.rows(of: table).map(Self.rowContent), of: table)
                b.setRows(b.rows(of: table).map(Self.rowContent), of: table)
            }
            if !DocumentDiff.between(b, a, doctype: type, schema: office.site.schema).isEmpty {
                problems.append("head-office's copy \(copy.name!) of \(branch.name)'s \(original.name!) differs")
            }
        }
        return problems
    }

    static func rowContent(_ row: JSONObject) -> JSONObject {
        var row = row
        for column in ["parent", "parenttype", "parentfield"] { row[column] = nil }
        return row
    }
}

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
        let office = try await DemoNode.start(name: "head-office", port: try DemoNode.freePort(), root: root, logger: logger)
        let north = try await DemoNode.start(name: "branch-north", port: try DemoNode.freePort(), root: root, logger: logger)
        let south = try await DemoNode.start(name: "branch-south", port: try DemoNode.freePort(), root: root, logger: logger)
        let nodes = [office, north, south]
        do {
            let outcome = try await stream(office: office, branches: [north, south])
            for node in nodes { await node.stop() }
            return outcome
        } catch {
            for node in nodes { await node.stop() }
            throw error
        }
    }

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

        // Master data at the head office flows down.
        var generator = ERPDocumentGenerator(seed: 2026)
        let masters = generator.masterData().filter { Self.masterDocTypes.contains($0["doctype"]?.stringValue ?? "") }
        try await office.site.write { tx in
            for json in masters { try tx.insert(Document(json: json)!) }
        }
        progress.note("head-office: \(masters.count) master documents written")
        try await waitUntil("master data at the branches", timeout: 120) {
            branches.allSatisfy { branch in Self.masterDocTypes.allSatisfy { branch.site.count($0) == office.site.count($0) } }
        }

        // A master change after the first sync: the update flows as a diff.
        let customer = generator.customerNames[0]
        _ = try await office.site.write { tx in try tx.update("Customer", customer, with: ["mobile_no": "+1 555 0100"]) }
        notes.append("head-office updated Customer \(customer); the branches received the diff")

        // Invoices at the branches flow up.
        for (b, branch) in branches.enumerated() {
            var branchGenerator = ERPDocumentGenerator(seed: 2026, stream: UInt64(b + 1))
            var names: [String] = []
            for i in 0..<invoicesPerBranch {
                let json = branchGenerator.salesInvoice(rows: 1 + i % 20)
                let invoice = try await branch.site.write { tx in try tx.insert(Document(json: json)!) }
                names.append(invoice.name!)
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
            progress.note("\(branch.name): \(invoicesPerBranch) invoices written, \(invoicesPerBranch / 2) submitted, 1 cancelled, 1 edited")
        }
        notes.append("each branch wrote \(invoicesPerBranch) Sales Invoices (half submitted, one cancelled, one edited with row changes)")

        try await waitUntil("branch invoices at the head office", timeout: 180) {
            (try? branches.allSatisfy { try Self.invoiceDifferences(office: office, branch: $0).isEmpty }) ?? false
        }

        // The check, document by document.
        var problems: [String] = []
        for branch in branches {
            problems += try Self.masterDifferences(office: office, branch: branch)
            problems += try Self.invoiceDifferences(office: office, branch: branch)
        }
        var report = try summary([office] + branches) + "\n" + notes.map { "- \($0)" }.joined(separator: "\n") + "\n"
        if let first = problems.first {
            report += "check FAILED: \(problems.count) difference(s), first: \(first)\n"
            return Outcome(report: report, passed: false, failure: first)
        }
        let compared = branches.reduce(0) { $0 + $1.site.count("Sales Invoice") } + masters.count * branches.count
        report += "check passed: \(compared) replicated documents equal their originals field by field\n"
        return Outcome(report: report, passed: true)
    }

    /// Polls `condition` every 100 ms, with a progress line, until it holds or `timeout` passes.
    private func waitUntil(_ what: String, timeout: Double, _ condition: () -> Bool) async throws {
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

    func summary(_ nodes: [DemoNode]) throws -> String {
        var lines = ["", "site           documents  log entries  synced  failed"]
        for node in nodes {
            var documents = 0
            for doctype in node.site.schema.names { documents += node.site.count(doctype) }
            var synced: UInt64 = 0, failed: UInt64 = 0
            for producer in try node.served.consumer.producers() {
                let status = try node.served.consumer.status(producer: producer.name)
                synced += status.watermark?.synced ?? 0
                failed += status.watermark?.failed ?? 0
            }
            lines.append(node.name.padding(toLength: 13, withPad: " ", startingAt: 0)
                         + String(format: "  %9d  %11d  %6d  %6d", documents, Int(node.site.log.lastWrittenSequence), Int(synced), Int(failed)))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

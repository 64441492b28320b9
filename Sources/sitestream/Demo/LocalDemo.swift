import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON

/// The head-office part of the demo: everything a single site does today.
struct LocalDemo {
    struct Outcome {
        var report: String
        var passed: Bool
        var failure: String?
    }

    let root: URL
    let invoices: Int
    let progress: ProgressLine

    func run() async throws -> Outcome {
        let headOffice = SiteLayout(root: root.appendingPathComponent("head-office", isDirectory: true))
        progress.note("creating site head-office in \(headOffice.root.path)")
        try await Site.create(at: headOffice, name: "head-office", url: nil, logger: CLILogging.logger())
        var site = try Site.open(at: headOffice, logger: CLILogging.logger())
        var generator = ERPDocumentGenerator(seed: 2026)
        var notes: [String] = []

        let masters = generator.masterData()
        try await site.write { tx in
            for json in masters { try tx.insert(Document(json: json)!) }
        }
        progress.note("head-office: \(masters.count) master documents (groups, territories, items, customers, suppliers)")

        var names: [String] = []
        for i in 0..<invoices {
            let json = generator.salesInvoice(rows: 1 + i % 20)
            let invoice = try await site.write { tx in try tx.insert(Document(json: json)!) }
            names.append(invoice.name!)
            if i % 50 == 49 { progress.note("head-office: \(i + 1)/\(invoices) Sales Invoices inserted") }
        }
        for name in names.prefix(invoices / 2) {
            _ = try await site.write { tx in try tx.submit("Sales Invoice", name) }
        }
        let cancelled = names[0]
        _ = try await site.write { tx in try tx.cancel("Sales Invoice", cancelled) }
        notes.append("submitted \(invoices / 2) invoices, cancelled \(cancelled)")

        // An update with child-row changes: drop the first row, change the second, add one.
        let edited = names[invoices - 1]
        var draft = try site.get("Sales Invoice", edited)!
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
        let savedDraft = draft
        _ = try await site.write { tx in try tx.save(savedDraft) }
        notes.append("saved \(edited) with a row removed, a row changed and a row added")

        // A document the site refuses, then fixed.
        var bad = generator.salesInvoice(rows: 2)
        bad["customer"] = "No Such Customer"
        let refused = bad
        do {
            _ = try await site.write { tx in try tx.insert(Document(json: refused)!) }
            return Outcome(report: "", passed: false, failure: "an invoice for a missing customer was accepted")
        } catch let error as SiteError {
            notes.append("refused as expected: \(error.message)")
        }
        var fixed = bad
        fixed["customer"] = .string(generator.customerNames[0])
        let fixedCopy = fixed
        let accepted = try await site.write { tx in try tx.insert(Document(json: fixedCopy)!) }
        notes.append("after fixing the customer it was accepted as \(accepted.name!)")

        let summary = try summarise(site, title: "head-office")
        let before = try DemoCheck.snapshot(site)
        try site.close()

        // The check: rebuild the store from the log in a copy and compare every document.
        progress.note("check: rebuilding the store from the Event Update Log")
        let copy = SiteLayout(root: root.appendingPathComponent("head-office-rebuilt", isDirectory: true))
        try DemoCheck.copySite(headOffice, to: copy, withoutStore: true)
        site = try Site.open(at: copy, logger: CLILogging.logger())
        let after = try DemoCheck.snapshot(site)
        try site.close()
        let mismatch = DemoCheck.firstDifference(before, after)
        var report = summary + "\n" + notes.map { "- \($0)" }.joined(separator: "\n") + "\n"
        if let mismatch {
            report += "check FAILED: \(mismatch)\n"
            return Outcome(report: report, passed: false, failure: mismatch)
        }
        report += "check passed: \(after.count) documents rebuilt from the log are identical to the live store\n"
        return Outcome(report: report, passed: true)
    }

    func summarise(_ site: Site, title: String) throws -> String {
        var rows: [[String]] = []
        for doctype in site.schema.names where site.count(doctype) > 0 {
            rows.append([doctype, String(site.count(doctype))])
        }
        var text = "\n\(title): \(site.log.lastWrittenSequence) log entries\n"
        let widths = [rows.map { $0[0].count }.max() ?? 8, rows.map { $0[1].count }.max() ?? 4]
        for row in rows {
            text += "  " + row[0].padding(toLength: widths[0], withPad: " ", startingAt: 0) + "  "
                + String(repeating: " ", count: widths[1] - row[1].count) + row[1] + "\n"
        }
        return text
    }
}

enum DemoCheck {
    static func snapshot(_ site: Site) throws -> [String: [UInt8]] {
        var all: [String: [UInt8]] = [:]
        for doctype in site.schema.names {
            for document in try site.list(doctype, limit: Int.max) {
                all["\(doctype)/\(document.name ?? "")"] = document.json.serialized()
            }
        }
        return all
    }

    static func firstDifference(_ a: [String: [UInt8]], _ b: [String: [UInt8]]) -> String? {
        for key in a.keys.sorted() where a[key] != b[key] {
            return b[key] == nil ? "\(key) is missing after the rebuild" : "\(key) differs after the rebuild"
        }
        for key in b.keys.sorted() where a[key] == nil { return "\(key) appeared after the rebuild" }
        return nil
    }

    /// Copies a closed site's files (optionally leaving out the store, so opening rebuilds it).
    static func copySite(_ from: SiteLayout, to: SiteLayout, withoutStore: Bool) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: to.root, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: from.root.path) {
            if withoutStore && name == from.storeDirectory.lastPathComponent { continue }
            if name == "site.lock" { continue }
            try fm.copyItem(at: from.root.appendingPathComponent(name), to: to.root.appendingPathComponent(name))
        }
    }
}

import CrashChildSupport
import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import SnapshotStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What the crash child last acknowledged about one document.
enum AcknowledgedState: Equatable {
    case written(modified: String, hash: String)
    case deleted
}

@Suite(.serialized) struct SiteCrashTests {
    /// The crash child's hash rule (Tests/CrashChild/SiteScenarios.swift), repeated so the test
    /// shares no code with the child.
    static func hash(_ document: Document) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in document.json.serialized() { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    static func parse(_ lines: [String], into acknowledged: inout [String: AcknowledgedState]) -> Int {
        var count = 0
        for line in lines {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch parts.first {
            case "put" where parts.count == 5:
                acknowledged["\(parts[1])/\(parts[2])"] = .written(modified: parts[3], hash: parts[4])
                count += 1
            case "del" where parts.count == 3:
                acknowledged["\(parts[1])/\(parts[2])"] = .deleted
                count += 1
            default:
                Issue.record("unexpected line from the crash child: \(line)")
            }
        }
        return count
    }

    /// The documents the log deletes somewhere ("DocType/name").
    static func deletedInLog(_ site: Site) throws -> Set<String> {
        var deleted = Set<String>()
        var cursor: LogCursor? = nil
        while true {
            let batch = try site.log.read(after: cursor, maxEntries: 4096, maxBytes: 8 << 20)
            guard batch.count > 0 else { break }
            for record in try batch.records() where record.updateType == .delete {
                deleted.insert("\(record.doctype)/\(record.docname)")
            }
            cursor = batch.next
        }
        return deleted
    }

    /// Every acknowledged write is there with exactly its content or a later version of it
    /// (or was deleted by a later write the child had no time to report, which the log must
    /// then hold); an acknowledged delete stays deleted.
    static func checkAcknowledged(_ acknowledged: [String: AcknowledgedState], in site: Site) throws {
        let deleted = try deletedInLog(site)
        for (key, state) in acknowledged {
            let slash = key.firstIndex(of: "/")!
            let doctype = String(key[..<slash]), name = String(key[key.index(after: slash)...])
            let document = try site.get(doctype, name)
            switch state {
            case .deleted:
                #expect(document == nil, "\(key) was deleted (acknowledged) but is back")
            case .written(let modified, let hash):
                guard let document else {
                    if !deleted.contains(key) { Issue.record("\(key) was acknowledged (modified \(modified)) but is missing") }
                    continue
                }
                let now = document.modified ?? ""
                if now == modified {
                    #expect(Self.hash(document) == hash, "\(key) at modified \(modified) does not hold the acknowledged content")
                } else {
                    #expect(now > modified, "\(key) went back from \(modified) to \(now)")
                }
            }
        }
    }

    /// Nothing is half there: every invoice's ledger matches its docstatus, and no entry
    /// points at a missing invoice.
    static func checkLedger(_ site: Site) throws {
        func cents(_ v: JSON?) -> Int64 { Int64(((v?.doubleValue ?? 0) * 100).rounded()) }
        var entries: [String: [Document]] = [:]
        for entry in try site.list("GL Entry", limit: Int.max) {
            entries[entry["voucher_no"]?.stringValue ?? "", default: []].append(entry)
        }
        var invoices = Set<String>()
        for invoice in try site.list("Sales Invoice", limit: Int.max) {
            let name = invoice.name!
            invoices.insert(name)
            let lines = entries[name] ?? []
            let debit = lines.reduce(Int64(0)) { $0 + cents($1["debit"]) }
            let credit = lines.reduce(Int64(0)) { $0 + cents($1["credit"]) }
            #expect(debit == credit, "\(name): ledger does not balance (\(debit) vs \(credit))")
            switch invoice.docstatus {
            case 0:
                #expect(lines.isEmpty, "draft \(name) has \(lines.count) ledger entries")
            case 1:
                #expect(!lines.isEmpty && lines.allSatisfy { $0["is_cancelled"] == 0 }, "submitted \(name) lacks its live ledger entries")
                let receivable = lines.filter { $0["party"] != nil && $0["party"] != .null }
                #expect(receivable.reduce(Int64(0)) { $0 + cents($1["debit"]) } == cents(invoice["grand_total"]),
                        "submitted \(name): receivable debit is not the grand total")
            default:
                #expect(lines.count % 2 == 0 && !lines.isEmpty && lines.allSatisfy { $0["is_cancelled"] == 1 },
                        "cancelled \(name) lacks its reversed ledger entries")
            }
        }
        for voucher in entries.keys {
            #expect(invoices.contains(voucher), "ledger entries for \(voucher), which does not exist")
        }
    }

    /// The store equals the log folded into a fresh store, document by document.
    static func checkStoreMatchesLog(_ directory: URL, _ site: Site) throws {
        let copy = directory.deletingLastPathComponent().appendingPathComponent(directory.lastPathComponent + "-refold")
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: directory, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.removeItem(at: SiteLayout(root: copy).storeDirectory)
        let refolded = try Site.open(at: SiteLayout(root: copy))
        defer { try? refolded.close() }
        let ours = try SiteFixture.snapshot(site), theirs = try SiteFixture.snapshot(refolded)
        #expect(ours.keys.sorted() == theirs.keys.sorted(), "the store and the log hold different documents")
        for (key, bytes) in ours where theirs[key] != bytes {
            Issue.record("\(key) differs between the store and the log")
        }
        let series = DocumentKey(doctype: "__meta", name: "series")
        #expect(try site.store.get(series) == refolded.store.get(series), "naming-series counters differ from the log's")
    }

    @Test func acknowledgedWritesSurviveSIGKILLAndTheStoreAgreesWithTheLog() throws {
        let dir = try TemporaryDirectory("crash")
        defer { dir.cleanUp() }
        let siteDir = dir.url.appendingPathComponent("site", isDirectory: true)
        var random = SystemRandomNumberGenerator()
        var acknowledged: [String: AcknowledgedState] = [:]
        var kills = 0, lines = 0, reopened = 0
        let cycles = 60
        for cycle in 0..<cycles {
            let child = try CrashChild.startCollecting(["site-write", siteDir.path, String(1000 + cycle)])
            // Kill at a random moment: sometimes while it opens (or creates) the site, mostly
            // after a random number of acknowledged writes, with a random extra delay.
            let target = cycle == 0 ? 5 : Int.random(in: 0...30, using: &random)
            if target > 0 {
                let started = CrashChild.waitUntil(seconds: 60) { child.lines.count >= target || !child.process.isRunning }
                #expect(started, "cycle \(cycle): the child printed \(child.lines.count) lines in 60 s")
            }
            usleep(UInt32.random(in: 0...(target == 0 ? 300_000 : 3_000), using: &random))
            let killed = child.kill()
            if killed { kills += 1 } else {
                Issue.record("cycle \(cycle): the child exited by itself (\(child.process.terminationStatus)): \(child.errorOutput)")
            }
            lines += Self.parse(child.lines.all, into: &acknowledged)

            // Reopen and check after most kills; after some, leave the crashed site for the
            // next child to recover.
            if cycle % 3 != 1 || cycle == cycles - 1 {
                guard SiteLayout(root: siteDir).exists else { continue }
                let site = try Site.open(at: SiteLayout(root: siteDir))
                defer { try? site.close() }
                reopened += 1
                #expect(site.store.lastAppliedSequence == site.log.lastSequence)
                try Self.checkAcknowledged(acknowledged, in: site)
                // A SIGKILL can end a multi-page log write at a page boundary; the log marks each
                // transaction's records as one group and recovery cuts a torn group whole, so
                // an invoice's submit never survives without its GL Entries.
                try Self.checkLedger(site)
                if cycle % 10 == 9 || cycle == cycles - 1 {
                    try Self.checkStoreMatchesLog(siteDir, site)
                }
            }
        }
        print("site crash test: \(kills) SIGKILLs, \(lines) acknowledged writes, \(acknowledged.count) documents checked, \(reopened) reopenings")
        #expect(kills >= 50)
        #expect(lines >= 200, "the children acknowledged only \(lines) writes; the test checked too little")
        #expect(reopened >= 30)
    }

    /// Two processes never write one site: the second gets an error naming the holder.
    @Test func aSecondProcessIsToldWhoHoldsTheSite() async throws {
        let dir = try TemporaryDirectory("hold")
        defer { dir.cleanUp() }
        try await SiteFixture.makeSite(in: dir.url).close()
        let ready = dir.url.appendingPathComponent("ready")
        let child = try CrashChild.startCollecting(["site-hold", dir.url.path, ready.path])
        let holding = CrashChild.waitUntil(seconds: 60) { FileManager.default.fileExists(atPath: ready.path) || !child.process.isRunning }
        #expect(holding && child.process.isRunning, "the holder did not start: \(holding ? child.errorOutput : "timeout")")
        let error = #expect(throws: SiteError.self) { try Site.open(at: SiteLayout(root: dir.url)) }
        #expect(error?.code == .locked)
        #expect(error?.message.contains("pid \(child.process.processIdentifier)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(dir.url.path) == true)
        _ = child.kill()
        // The kernel drops the lock with the process: the site opens again.
        let site = try Site.open(at: SiteLayout(root: dir.url))
        try site.close()
    }
}

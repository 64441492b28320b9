import DocumentModel
import ERPFixtures
import EventLog
import Foundation
import Logging
@testable import Site
import SiteStreamJSON
@testable import SnapshotStore
import SystemPackage
import Testing

/// The rebuild folds the log on one thread and applies to the store on another, with a few
/// batches between them (`Leveler`, `LevelFold`, `PendingBatches`). With tiny batches every
/// document's history crosses batch boundaries, so a document's state before a batch often
/// lives only in a batch the store has not applied yet. The rebuilt store must hold what the
/// live one held: the same documents byte for byte, the same index terms, the same naming
/// series and replication keys.
@Suite struct RebuildPipelineTests {
    /// Creates updated many times, deletes, deletes then creates again, child-row changes,
    /// submits, cancels, and replicated writes carrying stream and replica marks (one relayed
    /// from a third site, whose origin key the fold reads back).
    static func writeMixedHistory(_ site: Site) async throws {
        var generator = ERPDocumentGenerator(seed: 41)
        try await SiteFixture.insertMasterData(site, generator: generator)
        var customers: [String] = []
        for _ in 0..<4 {
            let batch = (0..<10).map { _ in Document(json: generator.newCustomer())! }
            customers += try await site.write { tx in try batch.map { try tx.insert($0).name! } }
        }
        for round in 0..<3 {
            for (i, name) in customers.enumerated() where i % 3 == round {
                _ = try await site.write { tx in try tx.update("Customer", name, with: ["customer_details": .string("round \(round) \(i)")]) }
            }
        }
        try await site.write { tx in try tx.delete("Customer", customers[1]) }
        let again = Document(json: generator.newCustomer())!
        try await site.write { tx in
            try tx.delete("Customer", customers[2])
            _ = try tx.insert(again)
        }
        var invoices: [String] = []
        for i in 0..<6 {
            let json = generator.salesInvoice(rows: 2 + i % 3)
            invoices.append(try await site.write { tx in try tx.insert(Document(json: json)!) }.name!)
        }
        for (i, name) in invoices.enumerated() {
            // Child-row deltas: one row changed, one removed, one added.
            _ = try await site.write { tx in
                let current = try tx.get("Sales Invoice", name)!
                guard case .array(var rows)? = current["items"] else { return current }
                if case .object(var first)? = rows.first {
                    first["qty"] = .int(Int64(7 + i))
                    rows[0] = .object(first)
                }
                rows.removeLast()
                if case .object(var added)? = rows.first {
                    added["name"] = nil
                    added["idx"] = nil
                    added["qty"] = .int(3)
                    rows.append(.object(added))
                }
                return try tx.update("Sales Invoice", name, with: ["items": .array(rows)])
            }
            switch i % 3 {
            case 0: _ = try await site.write { tx in try tx.submit("Sales Invoice", name) }
            case 1:
                _ = try await site.write { tx in try tx.submit("Sales Invoice", name) }
                _ = try await site.write { tx in try tx.cancel("Sales Invoice", name) }
            default: try await site.write { tx in try tx.delete("Sales Invoice", name) }
            }
        }
        for i in 0..<8 {
            let document = Document(json: generator.newCustomer())!
            _ = try await site.write { tx in
                let inserted = try tx.insert(document)
                tx.markReplica(doctype: "Customer", name: inserted.name!,
                               ReplicaMark(producer: "branch", sequence: UInt64(100 + i), remoteName: "R-\(i % 3)"),
                               origin: Origin(site: i % 2 == 0 ? "branch" : "far-site", sequence: UInt64(500 + i)))
                tx.setStreamMark(StreamMark(producer: "branch", sequence: UInt64(100 + i),
                                            cursor: LogCursor(segment: 1, offset: UInt64(64 * (i + 1))), outcome: .synced))
                return inserted
            }
        }
    }

    /// Everything the store holds: each key's bytes, and each index term as "index=value→key".
    static func contents(_ store: SnapshotStore) throws -> (documents: [String: [UInt8]], terms: Set<String>) {
        var documents: [String: [UInt8]] = [:]
        for doctype in store.doctypes {
            try store.scan(doctype: doctype) { key, bytes in
                documents[key.description] = bytes
                return true
            }
        }
        let terms: Set<String> = store.state.withLock { state in
            var terms = Set<String>()
            for (number, index) in state.index.termNames.enumerated() {
                state.index.termTables[number].forEach { value, ids in
                    for id in ids { terms.insert("\(index)=\(value)→\(state.index.key(of: id))") }
                }
            }
            return terms
        }
        return (documents, terms)
    }

    /// Deletes the site's store, then opens its log and a new empty store, and a leveler for them.
    static func openForRebuild(_ url: URL) throws -> (EventLog, SnapshotStore, Leveler) {
        let layout = SiteLayout(root: url)
        try FileManager.default.removeItem(at: layout.storeDirectory)
        let logger = Logger(label: "test.rebuild")
        let (schema, _) = try SchemaLoader.load(layout: layout, builtins: true)
        let log = try EventLog(directory: layout.logDirectory.path, logger: logger)
        let store = try SnapshotStore(directory: FilePath(layout.storeDirectory.path), logger: logger)
        return (log, store, Leveler(log: log, store: store, schema: schema, logger: logger))
    }

    /// Rebuilds the site's store with the given tuning, then hands the log and store to `body`.
    static func rebuild(_ url: URL, batchEntries: Int, depth: Int, stopAfter: UInt64 = .max,
                        _ body: (EventLog, SnapshotStore) throws -> Void) throws {
        let (log, store, opened) = try openForRebuild(url)
        var leveler = opened
        defer { try? log.close() }
        leveler.batchEntries = batchEntries
        leveler.handoffDepth = depth
        leveler.stopAfter = stopAfter
        try leveler.level()
        try body(log, store)
    }

    @Test(arguments: [(1, 1), (3, 2), (5, 3), (4096, 2)])
    func foldingAcrossBatchesGivesTheLiveStore(batchEntries: Int, depth: Int) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url)
        try await Self.writeMixedHistory(site)
        let live = try Self.contents(site.store)
        #expect(live.documents.keys.contains { $0.hasPrefix("__replica/") })
        #expect(live.documents.keys.contains { $0.hasPrefix("__stream/") })
        try site.close()
        try Self.rebuild(dir.url, batchEntries: batchEntries, depth: depth) { log, store in
            #expect(store.lastAppliedSequence == log.lastSequence)
            let rebuilt = try Self.contents(store)
            #expect(rebuilt.documents.keys.sorted() == live.documents.keys.sorted())
            for (key, bytes) in live.documents where rebuilt.documents[key] != bytes {
                Issue.record("\(key) differs after the rebuild")
            }
            #expect(rebuilt.terms.symmetricDifference(live.terms).sorted() == [])
            try store.close()
        }
    }

    /// A rebuild stopped part way, with its store dropped unclosed (a crash: the write buffer
    /// is lost, nothing is checkpointed), then the site reopened: it levels the rest and ends
    /// with the live documents.
    @Test(arguments: [10, 80, 200])
    func aRebuildCutShortIsFinishedOnReopen(stopAfter: UInt64) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url)
        try await Self.writeMixedHistory(site)
        let live = try Self.contents(site.store)
        let last = site.log.lastSequence
        try site.close()
        #expect(stopAfter < last)
        try Self.rebuild(dir.url, batchEntries: 7, depth: 2, stopAfter: stopAfter) { _, store in
            #expect(store.lastAppliedSequence == stopAfter)
        }
        let reopened = try Site.open(at: SiteLayout(root: dir.url))
        defer { try? reopened.close() }
        #expect(reopened.store.lastAppliedSequence == last)
        let rebuilt = try Self.contents(reopened.store)
        #expect(rebuilt.documents == live.documents)
        #expect(rebuilt.terms.symmetricDifference(live.terms).sorted() == [])
    }

    /// A store failure on the applying side stops the fold thread and is reported; nothing
    /// hangs.
    @Test func aStoreFailureStopsTheRebuild() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url)
        try await Self.writeMixedHistory(site)
        try site.close()
        let (log, store, opened) = try Self.openForRebuild(dir.url)
        var leveler = opened
        defer { try? log.close() }
        try store.close()
        leveler.batchEntries = 2
        #expect(throws: SnapshotStoreError.self) { try leveler.level() }
    }
}

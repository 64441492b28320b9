import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON
import SnapshotStore
import Synchronization
import Testing

/// `Site.writeConcurrently` runs a transaction outside the writer lock and checks under it
/// that nothing it read changed meanwhile. Each race below is made to happen for certain: the
/// body, on its first run (outside the lock), lets another writer commit before returning.
/// That writer must win, and the concurrent transaction must then get exactly the answer
/// `write` would give after it (refused, or done on the new state), never a silent overwrite.
@Suite struct ConcurrentWriteTests {
    static func customer(_ name: String, group: String = "Commercial") -> Document {
        Document(doctype: "Customer", ["customer_name": .string(name), "customer_group": .string(group)])
    }

    /// Runs `body` through `writeConcurrently`; on its first run, `interloper` commits through
    /// `write` after `body` has done its reads. Returns the result, or the error.
    static func race<T: Sendable>(_ site: Site, body: (SiteTransaction) throws -> T,
                                  interloper: (SiteTransaction) throws -> Void) throws -> T {
        var firstRun = true
        return try site.writeConcurrentlySynchronously { tx in
            let value = try body(tx)
            if firstRun {
                firstRun = false
                try site.writeSynchronously { other in try interloper(other) }
            }
            return value
        }
    }

    static func makeSite(_ dir: TemporaryDirectory) async throws -> (Site, ERPDocumentGenerator) {
        let site = try await SiteFixture.makeSite(in: dir.url)
        let generator = ERPDocumentGenerator(seed: 77)
        try await SiteFixture.insertMasterData(site, generator: generator)
        return (site, generator)
    }

    @Test func twoInsertsOfOneNameOneWins() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, _) = try await Self.makeSite(dir)
        defer { try? site.close() }
        let error = #expect(throws: SiteError.self) {
            try Self.race(site, body: { tx in try tx.insert(Self.customer("Twin Ltd", group: "Commercial")) },
                          interloper: { tx in try tx.insert(Self.customer("Twin Ltd", group: "Individual")) })
        }
        #expect(error?.code == .duplicate)
        #expect(try site.get("Customer", "Twin Ltd")?["customer_group"]?.stringValue == "Individual", "the first commit must stand")
        #expect(site.writerStatistics.retries.load(ordering: .relaxed) == 1)
    }

    @Test func twoInsertsOfOneUniqueValueOneWins() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, _) = try await Self.makeSite(dir)
        defer { try? site.close() }
        // Another name, the same unique `customer_name`.
        let other = Document(doctype: "Customer", name: "Other Name", ["customer_name": "Unique Co", "customer_group": "Commercial"])
        let error = #expect(throws: SiteError.self) {
            try Self.race(site, body: { tx in try tx.insert(other, keepingName: true) },
                          interloper: { tx in try tx.insert(Self.customer("Unique Co")) })
        }
        #expect(error?.code == .duplicate)
        #expect(error?.message.contains("unique") == true)
        #expect(!site.exists("Customer", "Other Name"))
        #expect(site.names(whereUnique: "customer_name", of: "Customer", equals: "Unique Co") == ["Unique Co"])
    }

    @Test func aLinkDeletedMeanwhileIsRefused() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, _) = try await Self.makeSite(dir)
        defer { try? site.close() }
        try await site.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Short Lived"])) }
        let error = #expect(throws: SiteError.self) {
            try Self.race(site, body: { tx in try tx.insert(Self.customer("Orphan Ltd", group: "Short Lived")) },
                          interloper: { tx in try tx.delete("Customer Group", "Short Lived") })
        }
        #expect(error?.code == .linkValidation)
        #expect(!site.exists("Customer", "Orphan Ltd"))
    }

    /// The other way round: the delete checked that nothing links to the group, but a
    /// document linking to it was committed meanwhile (seen through the link index's term).
    @Test func aDeleteIsRefusedWhenALinkToItWasCommittedMeanwhile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, _) = try await Self.makeSite(dir)
        defer { try? site.close() }
        try await site.write { tx in try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Newly Used"])) }
        let error = #expect(throws: SiteError.self) {
            try Self.race(site, body: { tx in try tx.delete("Customer Group", "Newly Used") },
                          interloper: { tx in try tx.insert(Self.customer("Late Linker", group: "Newly Used")) })
        }
        #expect(error?.code == .linkValidation)
        #expect(site.exists("Customer Group", "Newly Used"))
        #expect(site.exists("Customer", "Late Linker"))
        #expect(site.writerStatistics.retries.load(ordering: .relaxed) == 1)
    }

    /// The harness's serial-CPU figure: summed only while asked for, by either path.
    @Test(arguments: WritePath.allCases)
    func lockedCPUIsSummedOnlyWhenMeasuring(_ path: WritePath) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, _) = try await Self.makeSite(dir)
        defer { try? site.close() }
        try await path.write(site) { tx in _ = try tx.insert(Self.customer("Unmeasured Co")) }
        #expect(site.writerStatistics.lockedCPUNanoseconds.load(ordering: .relaxed) == 0)
        site.writerStatistics.measuresLockedCPU.store(true, ordering: .relaxed)
        for i in 0..<20 {
            try await path.write(site) { tx in _ = try tx.insert(Self.customer("Measured \(i)")) }
        }
        #expect(site.writerStatistics.lockedCPUNanoseconds.load(ordering: .relaxed) > 0)
    }

    @Test func anUpdateRacingAnotherIsMadeOnTopOfIt() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, _) = try await Self.makeSite(dir)
        defer { try? site.close() }
        try await site.write { tx in try tx.insert(Self.customer("Saved Twice")) }
        var error: (any Error)?
        do {
            _ = try Self.race(site, body: { tx in try tx.update("Customer", "Saved Twice", with: ["customer_details": "mine"]) },
                          interloper: { tx in try tx.update("Customer", "Saved Twice", with: ["customer_details": "theirs"]) })
        } catch let thrown { error = thrown }
        // The locked rerun reads the interloper's version; `update` merges into it, so the
        // second save goes through on top of the first instead of silently replacing it.
        #expect(error == nil)
        let stored = try #require(try site.get("Customer", "Saved Twice"))
        #expect(stored["customer_details"]?.stringValue == "mine")
        #expect(site.writerStatistics.retries.load(ordering: .relaxed) == 1)
    }

    @Test func aSaveOfAnOpenedVersionIsRefusedWhenAnotherSavedFirst() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, _) = try await Self.makeSite(dir)
        defer { try? site.close() }
        let opened = try await site.write { tx in try tx.insert(Self.customer("Opened Co")) }
        var mine = opened
        mine.object["customer_details"] = "mine"
        let error = #expect(throws: SiteError.self) {
            try Self.race(site, body: { tx in try tx.save(mine) },
                          interloper: { tx in try tx.update("Customer", "Opened Co", with: ["customer_details": "theirs"]) })
        }
        #expect(error?.code == .timestampMismatch)
        #expect(try site.get("Customer", "Opened Co")?["customer_details"]?.stringValue == "theirs")
    }

    @Test func invoicesWrittenAtOnceGetDistinctNamesWithoutRetrying() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var (site, generator) = try await Self.makeSite(dir)
        defer { try? site.close() }
        let mine = Document(json: generator.salesInvoice(rows: 3, submitted: true))!
        let theirs = Document(json: generator.salesInvoice(rows: 3, submitted: true))!
        let inserted = try Self.race(site, body: { tx in try tx.insert(mine) }, interloper: { tx in try tx.insert(theirs) })
        // Nothing the two share was written by the other, so the optimistic commit stands.
        #expect(site.writerStatistics.retries.load(ordering: .relaxed) == 0)
        #expect(site.count("Sales Invoice") == 2)
        let names = try site.list("GL Entry", limit: 100).compactMap(\.name)
        #expect(Set(names).count == names.count && names.count == 4, "GL Entry names: \(names)")
        #expect(try site.get("Sales Invoice", inserted.name!) != nil)
        // A later write sees both, and the log and store agree after a reopen.
        let before = try SiteFixture.snapshot(site)
        let layout = site.layout
        try site.close()
        site = try Site.open(at: layout)
        #expect(try SiteFixture.snapshot(site) == before)
    }

    @Test func manyWritersInsertingCollidingNamesLeaveExactlyOneOfEach() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (site, _) = try await Self.makeSite(dir)
        defer { try? site.close() }
        let names = (0..<60).map { "Collider \($0)" }
        let wins = try await withThrowingTaskGroup(of: [String].self) { group in
            for writer in 0..<6 {
                group.addTask {
                    var won: [String] = []
                    for name in names {
                        do {
                            _ = try await site.writeConcurrently { tx in try tx.insert(Self.customer(name, group: writer % 2 == 0 ? "Commercial" : "Individual")) }
                            won.append(name)
                        } catch let error as SiteError where error.code == .duplicate {}
                    }
                    return won
                }
            }
            var all: [String] = []
            for try await won in group { all += won }
            return all
        }
        #expect(wins.sorted() == names.sorted(), "every name must be inserted by exactly one writer")
        #expect(site.count("Customer") >= names.count)
        for name in names {
            #expect(site.names(whereUnique: "customer_name", of: "Customer", equals: name) == [name])
        }
    }
}

import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON
import Testing

@Suite struct SiteRebuildTests {
    /// Writes a mix of inserts, updates with row changes, submits, cancels and deletes.
    static func writeHistory(_ site: Site, seed: UInt64) async throws {
        var generator = ERPDocumentGenerator(seed: seed)
        try await SiteFixture.insertMasterData(site, generator: generator)
        var names: [String] = []
        for i in 0..<30 {
            let json = generator.salesInvoice(rows: 1 + i % 5)
            let inserted = try await site.write { tx in try tx.insert(Document(json: json)!) }
            names.append(inserted.name!)
        }
        for (i, name) in names.enumerated() {
            switch i % 4 {
            case 0:
                _ = try await site.write { tx in try tx.update("Sales Invoice", name, with: ["remarks": .string("note \(i) ✓")]) }
            case 1:
                _ = try await site.write { tx in try tx.submit("Sales Invoice", name) }
            case 2:
                _ = try await site.write { tx in
                    try tx.submit("Sales Invoice", name)
                    return try tx.cancel("Sales Invoice", name)
                }
            default:
                try await site.write { tx in try tx.delete("Sales Invoice", name) }
            }
        }
    }

    @Test func reopeningKeepsEveryDocumentAndNamingContinues() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var site = try await SiteFixture.makeSite(in: dir.url)
        try await Self.writeHistory(site, seed: 11)
        let before = try SiteFixture.snapshot(site)
        try site.close()
        site = try Site.open(at: SiteLayout(root: dir.url))
        defer { try? site.close() }
        #expect(try SiteFixture.snapshot(site) == before)
        // The naming series carries on where it stopped: no name is handed out twice.
        var generator = ERPDocumentGenerator(seed: 99)
        try await SiteFixture.insertMasterDataIfMissing(site, generator: generator)
        let json = generator.salesInvoice(rows: 1)
        let fresh = try await site.write { tx in try tx.insert(Document(json: json)!) }
        #expect(before["Sales Invoice/\(fresh.name!)"] == nil)
    }

    @Test func deletingTheStoreRebuildsItFromTheLogIdentically() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var site = try await SiteFixture.makeSite(in: dir.url)
        try await Self.writeHistory(site, seed: 5)
        #expect(try SiteFixture.snapshot(site).count > 30)
        site = try SiteFixture.rebuildExpectingSameDocuments(site, at: dir.url)
        try site.close()
    }
}

extension SiteFixture {
    /// Closes `site`, deletes its store and reopens it, so the store is rebuilt from the log;
    /// expects every document byte for byte as before. Returns the reopened site.
    static func rebuildExpectingSameDocuments(_ site: Site, at url: URL) throws -> Site {
        let before = try snapshot(site)
        // And the same index terms: per index name, as many values and postings.
        func terms(_ site: Site) -> [String: [Int]] {
            Dictionary(uniqueKeysWithValues: site.store.indexFootprint.terms.map { ($0.index, [$0.values, $0.postings]) })
        }
        let termsBefore = terms(site)
        try site.close()
        try FileManager.default.removeItem(at: SiteLayout(root: url).storeDirectory)
        let reopened = try Site.open(at: SiteLayout(root: url))
        let after = try snapshot(reopened)
        #expect(terms(reopened) == termsBefore)
        #expect(after.keys.sorted() == before.keys.sorted())
        for (key, bytes) in before where after[key] != bytes {
            Issue.record("\(key) differs after rebuild")
        }
        return reopened
    }

    /// Inserts the generator's master data that the site does not have yet.
    static func insertMasterDataIfMissing(_ site: Site, generator: ERPDocumentGenerator) async throws {
        let documents = generator.masterData()
        try await site.write { tx in
            for json in documents {
                let document = Document(json: json)!
                if let name = document.name, tx.exists(document.doctype, name) { continue }
                try tx.insert(document)
            }
        }
    }
}

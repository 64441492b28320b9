import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON
import Testing

/// The rebuild folds a batch of log entries per store write, keeping Creates unparsed until
/// needed; what it stores and indexes must be what the live path stored.
@Suite struct RebuildBatchTests {
    /// Many documents in one batch, with Creates later updated,
    /// deleted, or deleted and created again inside the same batch; then the store is deleted
    /// and rebuilt. Documents and index terms (link lookups, the delete check) must match.
    @Test func rebuildingManyDocumentsInOneBatchGivesTheLiveStore() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var site = try await SiteFixture.makeSite(in: dir.url)
        var generator = ERPDocumentGenerator(seed: 31)
        try await SiteFixture.insertMasterData(site, generator: generator)
        var names: [String] = []
        for _ in 0..<12 {
            let batch = (0..<100).map { _ in Document(json: generator.newCustomer())! }
            names += try await site.write { tx in try batch.map { try tx.insert($0).name! } }
        }
        for (i, name) in names.enumerated() where i % 10 < 3 {
            switch i % 10 {
            case 0: _ = try await site.write { tx in try tx.update("Customer", name, with: ["customer_details": .string("changed \(i)")]) }
            case 1: try await site.write { tx in try tx.delete("Customer", name) }
            default:
                let again = Document(json: generator.newCustomer())!
                try await site.write { tx in
                    try tx.delete("Customer", name)
                    _ = try tx.insert(again)
                }
            }
        }
        let json = generator.salesInvoice(rows: 3)
        let invoice = try await site.write { tx in try tx.insert(Document(json: json)!) }
        site = try SiteFixture.rebuildExpectingSameDocuments(site, at: dir.url)
        defer { try? site.close() }
        // The invoice's links were indexed by the rebuild: its customer cannot be deleted.
        let customer = invoice["customer"]!.stringValue!
        await #expect(throws: SiteError.self) { try await site.write { tx in try tx.delete("Customer", customer) } }
    }
}

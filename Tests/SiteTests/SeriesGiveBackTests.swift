import DocumentModel
import ERPFixtures
import Foundation
import Site
import SiteStreamJSON
import Synchronization
import Testing

/// A transaction that comes to nothing hands back the naming-series values it took, so with one
/// writer at a time a refused write leaves no gap: the next insert gets the very names the
/// refused one had (the invoice's series and its GL Entries', two values of one series).
@Suite struct SeriesGiveBackTests {
    struct Refused: Error {}

    @Test func aRefusedWriteLeavesNoGapInItsSeries() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url)
        defer { try? site.close() }
        var generator = ERPDocumentGenerator(seed: 5)
        try await SiteFixture.insertMasterData(site, generator: generator)
        let invoices = (0..<3).map { _ in Document(json: generator.salesInvoice(rows: 2, submitted: true))! }

        // Two invoices (four GL Entries) taken, then refused.
        let taken = Mutex<[String]>([])
        #expect(throws: Refused.self) {
            try site.writeSynchronously { tx in
                for invoice in invoices.prefix(2) {
                    let name = try tx.insert(invoice).name!
                    taken.withLock { $0.append(name) }
                }
                throw Refused()
            }
        }
        #expect(site.count("Sales Invoice") == 0 && site.count("GL Entry") == 0)

        let first = try site.writeSynchronously { tx in try tx.insert(invoices[2]).name! }
        let second = try site.writeSynchronously { tx in try tx.insert(invoices[0]).name! }
        #expect([first, second] == taken.withLock { $0 })
        let ledger = try site.list("GL Entry", limit: 10).compactMap(\.name).sorted()
        #expect(ledger.count == 4)
        #expect(ledger.map { $0.suffix(5) } == ["00001", "00002", "00003", "00004"], "GL Entry names: \(ledger)")
    }
}

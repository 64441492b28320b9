import DocumentModel
import ERPFixtures
import Foundation
import SiteStreamJSON
import SnapshotStore
import Testing

@testable import Site

/// The lifecycle builds a document's `linkto` index terms from the distinct links its link check
/// returns; a rebuild builds them from the document alone. Both must give the same terms, in the
/// same order, for documents whose rows link the same targets again and again.
@Suite struct LinkTermsTests {
    @Test func termsFromTheLinkCheckEqualTermsFromTheDocument() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sitestream-terms-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = try await SiteFixture.makeSite(in: dir)
        defer { try? site.close() }
        var generator = ERPDocumentGenerator(seed: 7)
        try await SiteFixture.insertMasterData(site, generator: generator)
        var invoice = Document(json: generator.salesInvoice(rows: 6, submitted: true))!
        // Rows 4–6 repeat rows 1–3, so every target is linked at least twice.
        var rows = invoice.rows(of: "items")
        for i in 0..<3 {
            var copy = rows[i]
            copy["name"] = nil
            copy["idx"] = nil
            rows[3 + i] = copy
        }
        invoice.setRows(rows, of: "items")
        let input = invoice

        let mismatches: [String] = try await site.write { tx in
            let stored = try tx.insert(input)
            var found: [String] = []
            for key in tx.touched {
                guard let recorded = tx.pendingTerms[key], let document = try tx.get(key.doctype, key.name),
                      let doctype = tx.schema[key.doctype] else { continue }
                let rebuilt = IndexTerms.terms(for: document, doctype: doctype, schema: tx.schema)
                if recorded != rebuilt { found.append("\(key): \(recorded) against \(rebuilt)") }
            }
            let links = IndexTerms.links(of: stored.object, doctype: tx.schema["Sales Invoice"]!, schema: tx.schema)
            let linkTerms = tx.pendingTerms[DocumentKey(doctype: "Sales Invoice", name: stored.name!)]!.filter { $0.index == IndexTerms.linkTo }
            if linkTerms.count != Set(links.map { IndexTerms.linkValue(doctype: $0.doctype, name: $0.name) }).count {
                found.append("\(linkTerms.count) link terms for \(links.count) links")
            }
            return found
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}

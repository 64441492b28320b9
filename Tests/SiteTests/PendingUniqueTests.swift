import DocumentModel
import Foundation
import SiteStreamJSON
import Testing

@testable import Site

/// A unique value taken by a document inserted earlier in the same transaction is refused,
/// and one freed by an update earlier in it can be taken again: for transactions of a few
/// documents (whose pending terms are looked at one by one) and of many (which build a term
/// index), so both ways answer alike.
@Suite struct PendingUniqueTests {
    @Test(arguments: [3, SiteTransaction.termIndexThreshold + 8])
    func uniqueValuesWithinOneTransaction(documents: Int) async throws {
        let dir = try TemporaryDirectory("pending-unique")
        defer { dir.cleanUp() }
        let (site, _) = try await ConcurrentWriteTests.makeSite(dir)
        defer { try? site.close() }
        let taken = "Taken \(documents - 2)"

        let error = await #expect(throws: SiteError.self) {
            try await site.write { tx in
                for i in 0..<documents { try tx.insert(ConcurrentWriteTests.customer("Taken \(i)")) }
                let other = Document(doctype: "Customer", name: "Another Name", ["customer_name": .string(taken), "customer_group": "Commercial"])
                try tx.insert(other, keepingName: true)
            }
        }
        #expect(error?.code == .duplicate)
        #expect(error?.message.contains(taken) == true)
        #expect(!site.exists("Customer", "Taken 0"), "the refused transaction wrote nothing")

        try await site.write { tx in
            for i in 0..<documents { try tx.insert(ConcurrentWriteTests.customer("Freed \(i)")) }
            // The first Customer's name changes: its old customer_name is free again.
            try tx.update("Customer", "Freed 0", with: ["customer_name": "Renamed 0"])
            let reuse = Document(doctype: "Customer", name: "Reuse", ["customer_name": "Freed 0", "customer_group": "Commercial"])
            try tx.insert(reuse, keepingName: true)
        }
        #expect(site.names(whereUnique: "customer_name", of: "Customer", equals: "Freed 0") == ["Reuse"])
        #expect(site.names(whereUnique: "customer_name", of: "Customer", equals: "Renamed 0") == ["Freed 0"])
    }
}

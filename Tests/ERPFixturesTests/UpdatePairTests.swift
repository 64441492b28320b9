import Testing
import SiteStreamJSON
@testable import ERPFixtures

/// The update pairs differ exactly as promised: the standard diff/apply workload.
@Suite struct UpdatePairTests {
    @Test(arguments: [UInt64(0), 1, 42, 99, .max], [1, 2, 5, 20])
    func invoicePairDiffersInThreeFieldsOneChangedRowAndOneAddedRow(seed: UInt64, rows: Int) throws {
        var generator = ERPDocumentGenerator(seed: seed)
        var checker = DocumentChecker(doctypes: try loadFixtureDocTypes(), masters: generator.masterData())
        for _ in 0..<25 {
            let (old, new) = generator.invoiceUpdatePair(rows: rows)
            #expect(checker.problems(old) == [] && checker.problems(new) == [])
            #expect(old["docstatus"] == .int(0), "the pair edits a draft")

            var topLevel = changedKeys(old, new)
            #expect(topLevel.remove("items") != nil, "the rows must change")
            #expect(topLevel == Set(ERPDocumentGenerator.invoiceUpdateFields))
            #expect(old.objectValue?.keys == new.objectValue?.keys, "key order is kept")

            let oldRows = try #require(old["items"]?.arrayValue), newRows = try #require(new["items"]?.arrayValue)
            #expect(oldRows.count == rows && newRows.count == rows + 1)
            let changed = zip(oldRows, newRows).filter { $0 != $1 }
            #expect(changed.count == 1, "exactly one existing row changes")
            if let (before, after) = changed.first {
                #expect(changedKeys(before, after) == ["qty", "amount"])
                #expect(before["name"] == after["name"] && before["idx"] == after["idx"])
            }
            let added = try #require(newRows.last)
            #expect(added["idx"] == .int(Int64(rows + 1)))
            let addedName = try #require(added["name"]?.stringValue)
            #expect(!oldRows.contains { $0["name"]?.stringValue == addedName }, "the added row needs a fresh name")
            for key in ["total", "net_total", "grand_total", "total_qty", "outstanding_amount"] {
                #expect(old[key] == new[key], "\(key) must not change: the split keeps quantity and amount")
            }
            checker.known["Sales Invoice", default: []].insert(old["name"]?.stringValue ?? "")
        }
    }

    @Test(arguments: [UInt64(0), 1, 42, 99, .max])
    func customerPairDiffersInExactlyThreeFields(seed: UInt64) throws {
        var generator = ERPDocumentGenerator(seed: seed)
        let checker = DocumentChecker(doctypes: try loadFixtureDocTypes(), masters: generator.masterData())
        var fieldsSeen = Set<String>()
        for _ in 0..<50 {
            let (old, new) = generator.customerUpdatePair()
            #expect(checker.problems(old) == [] && checker.problems(new) == [])
            let changed = changedKeys(old, new)
            #expect(changed.count == 3 && changed.isSubset(of: Set(ERPDocumentGenerator.customerUpdateCandidates)))
            #expect(old.objectValue?.keys == new.objectValue?.keys)
            fieldsSeen.formUnion(changed)
        }
        #expect(fieldsSeen == Set(ERPDocumentGenerator.customerUpdateCandidates), "over 50 pairs every candidate field should change")
    }
}

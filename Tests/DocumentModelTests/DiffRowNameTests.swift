import DocumentModel
import SiteStreamJSON
import Testing

/// Rows are matched by the UTF-8 bytes of their names, by the diff builder (on every path) and by
/// `apply` alike, as Frappe's Python compares names by code points.
@Suite struct DiffRowNameTests {
    let schema = TestDocTypes.schema

    /// "é" precomposed and "e" + combining accent are equal `String`s but different names. The
    /// builder's slow path (rows out of order) once matched them with `==`, so renaming a row
    /// from one to the other gave no diff and apply kept the old name.
    @Test func canonicallyEquivalentNamesAreDifferentRows() throws {
        let decomposed = "e\u{301}"
        let precomposed = "\u{e9}"
        #expect(decomposed == precomposed)  // what makes this case worth a test
        let old = Document(doctype: "Test Invoice", name: "I-1", [
            "items": [
                ["name": "r1", "idx": 1, "item_code": "A"],
                ["name": .string(decomposed), "idx": 2, "item_code": "B"],
            ],
        ])
        var new = old
        // r1 moves behind the renamed row, so the builder leaves its in-order fast path.
        new.setRows([
            ["name": .string(precomposed), "idx": 1, "item_code": "B"],
            ["name": "r1", "idx": 2, "item_code": "A"],
        ], of: "items")
        let diff = try DocumentDiff.between(old, new, in: schema)
        #expect(diff.removedRows(of: "items") == [decomposed])
        #expect(diff.addedRows(of: "items").map { $0["name"] } == [.string(precomposed)])
        let applied = try diff.apply(to: old)
        let names = applied.rows(of: "items").compactMap { $0["name"]?.stringValue }
        #expect(names.map { Array($0.utf8) } == [Array("r1".utf8), Array(precomposed.utf8)])
    }

    /// A changed row whose name is held in other storage than the document's (long names, as
    /// after parsing each version on its own) is still found.
    @Test func changedRowFoundWhateverTheStorage() throws {
        let long = String(repeating: "row-", count: 8)
        let old = Document(doctype: "Test Invoice", name: "I-1", [
            "items": [["name": .string(long + "1"), "idx": 1, "item_code": "A", "qty": 1.0]],
        ])
        let change = try DocumentDiff(json: ["row_changed": ["items": [["name": .string(String(long.reversed().reversed()) + "1"), "qty": 2.0]]]])
        let applied = try change.apply(to: old)
        #expect(applied.rows(of: "items").first?["qty"] == 2.0)
        // A name that is not there is still an error.
        let missing = try DocumentDiff(json: ["row_changed": ["items": [["name": "nope", "qty": 2.0]]]])
        #expect(throws: DiffError.self) { try missing.apply(to: old) }
    }
}

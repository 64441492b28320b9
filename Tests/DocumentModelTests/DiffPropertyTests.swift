import DocumentModel
import SiteStreamJSON
import Testing

@Suite struct DiffPropertyTests {
    let schema = TestDocTypes.schema

    @Test(arguments: 0..<8)
    func applyingTheDiffOfAToBGivesB(batch: Int) throws {
        var gen = DocumentMutator(seed: 0xD1FF_0000 + UInt64(batch))
        for iteration in 0..<250 {
            let a = gen.document()
            let reorder = iteration % 3 == 0
            let b = gen.edit(a, allowReorder: reorder)
            let diff = try DocumentDiff.between(a, b, in: schema)
            let applied = try diff.apply(to: a)
            let problems = Declared.differences(applied, b, orderMatters: !reorder)
            #expect(problems.isEmpty, "seed batch \(batch) iteration \(iteration): \(problems)\ndiff: \(diff.json.serializedString())")
            // Applying twice equals applying once, exactly.
            #expect(try diff.apply(to: applied) == applied, "batch \(batch) iteration \(iteration): second apply changed the document")
            // Nothing is left to diff afterwards.
            #expect(try DocumentDiff.between(applied, b, in: schema).isEmpty)
            // The wire form reads back to the same diff, also through bytes.
            #expect(try DocumentDiff(json: diff.json) == diff)
            let reparsed = try DocumentDiff(json: JSON(parsing: diff.json.serialized()))
            #expect(try reparsed.apply(to: a) == applied)
            // Only declared fields (and docstatus) are mentioned.
            let declared = Set(TestDocTypes.invoice.dataFields.map(\.fieldname)).union(["docstatus"])
            #expect(Set(diff.changed.keys).isSubset(of: declared))
            // idx is 1…n wherever rows were added or removed.
            for table in diff.tables where !diff.addedRows(of: table).isEmpty || !diff.removedRows(of: table).isEmpty {
                #expect(applied.rows(of: table).map { $0["idx"]?.intValue ?? 0 } == Array(1...Int64(max(1, applied.rows(of: table).count))).prefix(applied.rows(of: table).count).map { $0 })
            }
        }
    }

    @Test(arguments: 0..<4)
    func aDocumentHasNoDiffWithItselfOrAReorderedCopyOfItsKeys(seed: Int) throws {
        var gen = DocumentMutator(seed: 0xC0FFEE + UInt64(seed))
        for _ in 0..<200 {
            let a = gen.document()
            #expect(try DocumentDiff.between(a, a, in: schema).isEmpty)
            // Same content, keys in reverse order and integers written as doubles: no diff.
            var o = JSONObject()
            for (k, v) in a.object.reversed() {
                if case .int(let i) = v, k != "docstatus" { o[k] = .double(Double(i)) } else { o[k] = v }
            }
            #expect(try DocumentDiff.between(a, Document(o), in: schema).isEmpty)
        }
    }

    @Test func frappeUpdateFormatOnAKnownCase() throws {
        let old = Document(doctype: "Test Invoice", name: "I-1", [
            "docstatus": 0, "customer": "Acme", "grand_total": 30.0, "remarks": "x", "modified": "a",
            "items": [
                ["name": "r1", "idx": 1, "item_code": "A", "qty": 1.0],
                ["name": "r2", "idx": 2, "item_code": "B", "qty": 2.0],
                ["name": "r3", "idx": 3, "item_code": "C", "qty": 3.0],
            ],
        ])
        var new = old
        new["customer"] = "Beta"
        new["remarks"] = nil
        new["modified"] = "b"
        new.docstatus = 1
        new["grand_total"] = 30  // same value as an integer: not a change
        new.setRows([
            ["name": "r1", "idx": 1, "item_code": "A", "qty": 1.0],
            ["name": "r3", "idx": 2, "item_code": "C", "qty": 4.0, "modified": "b"],
            ["name": "r4", "idx": 3, "item_code": "D", "qty": 1.0],
        ], of: "items")
        let diff = try DocumentDiff.between(old, new, in: schema)
        let expected: JSON = [
            "changed": ["customer": "Beta", "remarks": nil, "docstatus": 1],
            "added": ["items": [["name": "r4", "idx": 3, "item_code": "D", "qty": 1.0]]],
            "removed": ["items": ["r2"]],
            "row_changed": ["items": [["name": "r3", "qty": 4.0]]],
        ]
        #expect(diff.json == expected)
        #expect(try DocumentDiff(json: expected) == diff)
        let applied = try diff.apply(to: old)
        #expect(applied.rows(of: "items").map { $0["name"]!.stringValue! } == ["r1", "r3", "r4"])
        #expect(applied.rows(of: "items").map { $0["idx"]!.intValue! } == [1, 2, 3])
        #expect(applied.rows(of: "items")[2]["parent"] == "I-1")
        #expect(applied.rows(of: "items")[2]["parentfield"] == "items")
        #expect(applied["modified"] == "a")  // not part of a diff: the site stamps it
        #expect(applied.docstatus == 1)
        #expect(!diff.isEmpty)
        #expect(DocumentDiff().json == ["changed": [:], "added": [:], "removed": [:], "row_changed": [:]])
    }

    @Test func longTextsOfEqualLengthAreComparedByteByByte() throws {
        let a = String(repeating: "x", count: 40) + "A"
        let b = String(repeating: "x", count: 40) + "B"
        let old = Document(doctype: "Test Invoice", name: "I-1", [
            "remarks": .string(a), "creation": .string(a),
            "items": [["name": "r1", "description": .string(a), "parent": .string(a)]],
        ])
        var new = Document(doctype: "Test Invoice", name: "I-1", [
            "remarks": .string(b), "creation": .string(b),
            "items": [["name": "r1", "description": .string(b), "parent": .string(b)]],
        ])
        let diff = try DocumentDiff.between(old, new, in: schema)
        #expect(diff.changed == ["remarks": .string(b)])
        #expect(diff.changedRows(of: "items") == [["name": "r1", "description": .string(b)]])
        // Canonically equivalent but different code points: a change, as in Frappe's Python.
        new = old
        new["customer"] = "caf\u{e9}"
        var older = old
        older["customer"] = "cafe\u{301}"
        #expect(try DocumentDiff.between(older, new, in: schema).changed == ["customer": "caf\u{e9}"])
    }

    @Test func undeclaredAndStandardKeysNeverDiff() throws {
        let old = Document(doctype: "Test Invoice", name: "I-1", ["customer": "A", "owner": "x", "creation": "1", "_user_tags": "t"])
        var new = old
        new["owner"] = "y"
        new["creation"] = "2"
        new["modified_by"] = "z"
        new["__onload"] = ["x": 1]
        new["something_undeclared"] = 5
        new["idx"] = 4
        #expect(try DocumentDiff.between(old, new, in: schema).isEmpty)
    }

    @Test func applyingToTheWrongVersionIsAClearErrorAndLeavesTheDocument() throws {
        let diff = try DocumentDiff(json: ["row_changed": ["items": [["name": "ghost", "qty": 1]]], "changed": ["customer": "B"]])
        var doc = Document(doctype: "Test Invoice", name: "I-9", ["customer": "A", "items": [["name": "r1"]]])
        let before = doc
        let error = #expect(throws: DiffError.self) { try diff.apply(to: &doc) }
        #expect(error?.path == "row_changed.items")
        #expect(error?.docname == "I-9")
        #expect(error?.message.contains("row 'ghost'") == true)
        #expect(doc == before)
        let notTable = Document(doctype: "Test Invoice", name: "I-9", ["items": "oops"])
        #expect(throws: DiffError.self) { try DocumentDiff(json: ["added": ["items": [["name": "n"]]]]).apply(to: notTable) }
    }

    @Test(arguments: [
        (JSON.array([]), "$", "must be a JSON object"),
        (["changed": [:], "extra": [:]], "extra", "unknown section"),
        (["changed": [1, 2]], "changed", "must be an object"),
        (["changed": ["name": "other"]], "changed.name", "standard column"),
        (["changed": ["docstatus": 3]], "changed.docstatus", "0, 1 or 2"),
        (["added": ["items": ["row"]]], "added.items[0]", "must be an object"),
        (["added": ["items": [["qty": 1]]]], "added.items[0]", "needs a non-empty 'name'"),
        (["added": ["items": ["name": "x"]]], "added.items", "array of rows"),
        (["removed": ["items": [3]]], "removed.items[0]", "row name"),
        (["row_changed": ["items": [["qty": 1]]]], "row_changed.items[0]", "'name'"),
        (["row_changed": ["items": [["name": "r", "parent": "x"]]]], "row_changed.items[0].parent", "standard column"),
    ] as [(JSON, String, String)])
    func malformedDiffIsRefusedWithItsPlace(json: JSON, path: String, message: String) {
        let error = #expect(throws: DiffError.self) { try DocumentDiff(json: json) }
        #expect(error?.path == path)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func diffBetweenDifferentDocTypesOrUnknownIsRefused() {
        #expect(throws: DiffError.self) {
            try DocumentDiff.between(Document(doctype: "Test Item"), Document(doctype: "Test Invoice"), in: schema)
        }
        let error = #expect(throws: DiffError.self) {
            try DocumentDiff.between(Document(doctype: "Nope"), Document(doctype: "Nope"), in: schema)
        }
        #expect(error?.message.contains("not installed") == true)
    }
}

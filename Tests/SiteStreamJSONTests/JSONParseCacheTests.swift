import Testing
import SiteStreamJSON

/// The parser remembers keys, long values and row shapes between parses. None of that may
/// change what a parse returns: not when the remembered strings run out of room, not when the
/// next document has a different shape, not when threads parse at the same time.
@Suite struct JSONParseCacheTests {
    /// A document whose keys and 16–64-byte values are all new, so that the remembered strings
    /// fill up and are emptied again during the loop.
    func distinctDocument(_ n: Int) -> JSON {
        var object = JSONObject()
        for k in 0..<40 {
            object["field_\(n)_\(k)"] = .string("value number \(n) of field \(k) with some padding")
        }
        object["short"] = .string("v\(n)")
        object["rows"] = .array((0..<3).map { r in ["idx": .int(Int64(r)), "parent": .string("DOC-\(n)-0000000000000000")] })
        return .object(object)
    }

    @Test func manyDistinctStringsAcrossParses() throws {
        for n in 0..<400 {
            let doc = distinctDocument(n)
            let parsed = try JSON(parsing: doc.serialized())
            #expect(parsed == doc, "document \(n)")
            #expect(parsed.objectValue?.keys == doc.objectValue?.keys)
        }
    }

    /// Rows whose keys change order, go missing, or gain members: the guessed key of the
    /// previous row is only a guess.
    @Test func rowsOfChangingShape() throws {
        let text = #"""
            [{"a":1,"b":2,"c":3},{"a":4,"b":5,"c":6},{"c":7,"a":8,"b":9},{"b":10},{"a":11,"b":12,"c":13,"d":14,"a":15},
             {"x":{"a":1,"b":2}},{"x":{"b":3,"a":4}},{"a":{"a":{"a":1}}}]
            """#
        let expected: JSON = [
            ["a": 1, "b": 2, "c": 3], ["a": 4, "b": 5, "c": 6], ["c": 7, "a": 8, "b": 9], ["b": 10],
            ["a": 15, "b": 12, "c": 13, "d": 14], ["x": ["a": 1, "b": 2]], ["x": ["b": 3, "a": 4]], ["a": ["a": ["a": 1]]],
        ]
        for _ in 0..<3 {
            let parsed = try JSON(parsing: text)
            #expect(parsed == expected)
            #expect(parsed.serialized() == expected.serialized(), "key order")
        }
    }

    @Test func concurrentParsesAgree() async throws {
        let docs = (0..<64).map { distinctDocument($0 % 8) }
        let texts = docs.map { $0.serialized() }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var ok = true
                    for round in 0..<20 {
                        let i = (worker * 7 + round * 3) % texts.count
                        let parsed = try JSON(parsing: texts[i])
                        if parsed != docs[i] { ok = false }
                    }
                    return ok
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}

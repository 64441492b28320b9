import Testing

@testable import SiteStreamJSON

/// Rows repeat their keys, and the writer copies a repeated key's quoted text from where it
/// wrote it first (`KeyMemory`). The text must be what writing each key afresh gives.
@Suite struct RepeatedKeyTests {
    /// Keys of every kind: short (held in the `String`), long (heap storage, shared by every
    /// row or built afresh per row), needing escapes, and more distinct keys than the memory
    /// has slots, so slots are taken over.
    static func rows() -> [JSON] {
        let shared = "a_long_field_name_held_on_the_heap"
        var rows: [JSON] = []
        for i in 0..<40 {
            var o = JSONObject()
            o.appendUnchecked(key: "name", value: .string("row-\(i)"))
            o.appendUnchecked(key: shared, value: .int(Int64(i)))
            o.appendUnchecked(key: String(decoding: Array("another_long_field_name_built_per_row".utf8), as: UTF8.self), value: .double(Double(i) / 4))
            o.appendUnchecked(key: "quote\"and\\back", value: "x")
            o.appendUnchecked(key: "tab\tkey", value: .null)
            o.appendUnchecked(key: "ünïcödé_schlüssel", value: .bool(i % 2 == 0))
            for k in 0..<(i % 3 == 0 ? 90 : 3) { o.appendUnchecked(key: "field_\(k)_\(i % 2)", value: .int(Int64(k))) }
            o.appendUnchecked(key: "nested", value: .object(["name": .string("inner-\(i)"), "quote\"and\\back": 1]))
            rows.append(.object(o))
        }
        return rows
    }

    @Test func repeatedKeysAreWrittenAsTheirFirstOccurrence() throws {
        let rows = Self.rows()
        // Each row alone is a top-level object, whose keys are written afresh.
        for pretty in [false, true] {
            let document = JSON.object(["items": .array(rows)])
            let text = String(decoding: document.serialized(pretty: pretty), as: UTF8.self)
            if !pretty {
                let expected = "{\"items\":[" + rows.map { String(decoding: $0.serialized(), as: UTF8.self) }.joined(separator: ",") + "]}"
                #expect(text == expected)
            }
            #expect(try JSON(parsing: Array(text.utf8)) == document)
        }
    }
}

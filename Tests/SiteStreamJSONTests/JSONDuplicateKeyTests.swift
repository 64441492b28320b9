import Testing
import SiteStreamJSON

/// Duplicate object keys: the last value wins and keeps the first key's position, whatever the
/// nesting, escaping or length of the keys, and however many keys the parser has seen before.
@Suite struct JSONDuplicateKeyTests {
    @Test(arguments: [
        (#"{"a":1,"b":{"a":2,"c":3},"a":4}"#, #"{"a":4,"b":{"a":2,"c":3}}"#),
        (#"{"a":1,"\u0061":2}"#, #"{"a":2}"#),
        (#"{"\u0061":1,"b":0,"a":2}"#, #"{"a":2,"b":0}"#),
        (#"{"x":{"a":1,"a":2},"x":{"b":1}}"#, #"{"x":{"b":1}}"#),
        (#"[{"k":1,"k":2},{"k":3},{"j":1,"k":4,"j":5}]"#, #"[{"k":2},{"k":3},{"j":5,"k":4}]"#),
        (#"{"a":{"b":{"a":1,"b":2},"a":3},"b":4,"a":5}"#, #"{"a":5,"b":4}"#),
        // Keys compare as Swift strings do, as JSONObject's subscript does: NFC "é" == NFD "é".
        ("{\"\u{E9}\":1,\"x\":0,\"e\u{301}\":2}", "{\"\u{E9}\":2,\"x\":0}"),
        ("{\"\u{E9}\":1,\"x\":0,\"\\u00e9\":2}", "{\"\u{E9}\":2,\"x\":0}"),
    ])
    func lastValueWinsInFirstPosition(input: String, expected: String) throws {
        let value = try JSON(parsing: input)
        #expect(value.serializedString() == expected)
    }

    @Test func longKeysAndManyDistinctKeys() throws {
        let long = String(repeating: "k", count: 100)
        let v = try JSON(parsing: #"{"\#(long)":1,"x":2,"\#(long)":3}"#)
        #expect(v.objectValue?.keys == [long, "x"])
        #expect(v[long] == 3)

        // More distinct keys than the parser interns, then duplicates of early and late ones.
        var text = "{"
        for i in 0..<6000 { text += "\"key\(i)\":\(i)," }
        text += #""key0":-1,"key5999":-2,"key3000":-3}"#
        for _ in 0..<2 {  // twice: the second parse starts with a full key table
            let object = try #require(try JSON(parsing: text).objectValue)
            #expect(object.count == 6000)
            #expect(object.keys.first == "key0" && object.keys.last == "key5999")
            #expect(object["key0"] == -1 && object["key5999"] == -2 && object["key3000"] == -3 && object["key1"] == 1)
        }
    }

    /// Every key reappears in the object nested under it, and some again at the end: the
    /// parser has to search its own keys for each (through an index once the object is large).
    @Test func keysThatReappearInNestedObjects() throws {
        var text = "{"
        for i in 0..<3000 { text += "\"k\(i)\":{\"k\(i)\":\(i)}," }
        text += #""k0":-1,"k2999":-2}"#
        let object = try #require(try JSON(parsing: text).objectValue)
        #expect(object.count == 3000)
        #expect(object["k0"] == -1 && object["k2999"] == -2)
        #expect(object["k1"] == ["k1": 1])
        #expect(object.keys.prefix(3) == ["k0", "k1", "k2"])
    }

    /// Random objects with few distinct keys (so duplicates are common), nested, some keys
    /// escaped: the parse equals what `JSONObject`'s subscript builds from the same pairs.
    @Test(arguments: 0..<6)
    func randomDuplicatesMatchTheSubscriptModel(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 777)
        for _ in 0..<200 {
            var text: [UInt8] = []
            let expected = randomObject(&rng, depth: 0, into: &text)
            let parsed = try JSON(parsing: text)
            #expect(parsed == expected, "\(String(decoding: text, as: UTF8.self))")
            #expect(parsed.serialized() == expected.serialized(), "key order for \(String(decoding: text, as: UTF8.self))")
        }
    }

    func randomObject(_ rng: inout SplitMix64, depth: Int, into text: inout [UInt8]) -> JSON {
        let names = ["a", "b", "name", "idx", "a_rather_long_field_name_for_an_erp_document_that_goes_on_and_on_x"]
        var object = JSONObject()
        text.append(UInt8(ascii: "{"))
        let n = Int.random(in: 0...7, using: &rng)
        for i in 0..<n {
            if i > 0 { text.append(UInt8(ascii: ",")) }
            let key = names[Int.random(in: 0..<names.count, using: &rng)]
            if Bool.random(using: &rng) && Int.random(in: 0..<4, using: &rng) == 0 {
                // Same key, written with an escape for its first character.
                let first = key.unicodeScalars.first!.value
                text += Array("\"\\u00\(String(first, radix: 16))\(key.dropFirst())\":".utf8)
            } else {
                text += Array("\"\(key)\":".utf8)
            }
            let value: JSON
            if depth < 3 && Int.random(in: 0..<3, using: &rng) == 0 {
                value = randomObject(&rng, depth: depth + 1, into: &text)
            } else {
                value = .int(Int64(Int.random(in: 0..<100, using: &rng)))
                text += value.serialized()
            }
            object[key] = value
        }
        text.append(UInt8(ascii: "}"))
        return .object(object)
    }
}

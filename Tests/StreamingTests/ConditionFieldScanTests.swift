import EventLog
import SiteStreamJSON
@testable import Streaming
import Testing

/// The producer evaluates a condition that reads only `doc.FIELD`s on those fields, scanned out
/// of the record's payload (`Condition.fields`, `JSONFieldScan`): it must decide exactly as a
/// whole parse would.
@Suite("Conditions evaluated on the fields they read")
struct ConditionFieldScanTests {
    /// The condition on the document scanned out of `bytes`, or on the whole parse when it
    /// needs the whole document; a thrown error as its message.
    static func outcome(_ condition: Condition, scannedFrom bytes: [UInt8]) throws -> Result<Bool, ConditionError> {
        let document: JSONObject
        if let scan = condition.fieldScan {
            document = try #require(bytes.withUnsafeBytes { scan.object($0) })
            #expect(document.keys.allSatisfy { condition.fields!.contains($0) })
        } else {
            document = try #require(try JSON(parsing: bytes).objectValue)
        }
        return Result { try condition.evaluate(document) }.mapError { $0 as! ConditionError }
    }

    static func wholeOutcome(_ condition: Condition, _ document: JSONObject) -> Result<Bool, ConditionError> {
        Result { try condition.evaluate(document) }.mapError { $0 as! ConditionError }
    }

    @Test("every expression of the language decides alike on its fields and on the whole document",
          arguments: ConditionLanguageTests.expressionCases.map(\.0) + ConditionLanguageTests.failing.map(\.0))
    func sameOutcome(text: String) throws {
        let condition = try Condition(text)
        let document = ConditionLanguageTests.document
        for bytes in [JSON.object(document).serialized(), JSON.object(document).serialized(pretty: true)] {
            #expect(try Self.outcome(condition, scannedFrom: bytes) == Self.wholeOutcome(condition, document), "\(text)")
        }
    }

    @Test("the fields an expression reads; nil when it needs the whole document", arguments: [
        ("doc.a == 1 and doc.b in ('x', doc.c)", ["a", "b", "c"] as [String]?),
        ("any(row.qty > doc.n for row in doc.items if row.x)", ["n", "items"]),
        ("any(doc.qty > 1 for doc in doc.items)", ["items"]),  // the row shadows the document
        ("doc.branch.startswith('BR-') and len(doc.items) > 0", ["branch", "items"]),
        ("1 == 1", []),
        ("doc.get('a') == 1", nil), ("doc['a'] == 1", nil), ("len(doc) > 2", nil), ("'a' in doc", nil),
        ("any(k == 'a' for k in doc)", nil),
    ])
    func fieldsRead(text: String, expected: [String]?) throws {
        #expect(try Condition(text).fields.map(Set.init) == expected.map(Set.init), "\(text)")
    }

    @Test("a cmd: condition needs the whole document")
    func commandNeedsTheDocument() throws {
        var functions = ConditionFunctions()
        functions.register("flag", FlagCondition())
        #expect(try Condition("cmd:flag", functions: functions).fields == nil)
    }

    static func scan(_ text: String, _ fields: [String]) -> JSONObject? {
        Array(text.utf8).withUnsafeBytes { JSONFieldScan(fields).object($0) }
    }

    @Test("keys compare as the parser compares them: escapes decoded, canonically equal strings one key")
    func keysAsTheParserReadsThem() throws {
        #expect(Self.scan(#"{"customer\u005ftype": "Individual"}"#, ["customer_type"])?["customer_type"] == "Individual")
        // KELVIN SIGN is canonically equivalent to K, so the parser and JSONObject take it for "K".
        let kelvin = #"{"\u212a": 1, "x": 2}"#
        #expect(Self.scan(kelvin, ["K"])?["K"] == 1)
        #expect(try JSON(parsing: kelvin)["K"] == 1)
        #expect(Self.scan(#"{"é": 3}"#, ["e\u{301}"])?["e\u{301}"] == 3)
    }

    @Test("a key given twice reads as its last value, as in a whole parse")
    func duplicateKeys() throws {
        let text = #"{"a": 1, "b": 2, "a": 3}"#
        #expect(Self.scan(text, ["a"])?["a"] == 3)
        #expect(try JSON(parsing: text)["a"] == 3)
    }

    @Test("skipped values with quotes, escapes and brackets inside strings do not end early")
    func skippedValues() throws {
        let text = #"""
        { "s": "a \"quoted\" } ] { [ value \\", "t": "\\\"", "o": {"x": [1, {"y": "}"}], "z": "]"}, "n": -1.5e3,
          "l": [[], {}, "[", null, true, false], "want": {"k": [1, 2]}, "e": "" }
        """#
        let scanned = try #require(Self.scan(text, ["want", "n", "t"]))
        let whole = try #require(try JSON(parsing: text).objectValue)
        #expect(scanned["want"] == whole["want"])
        #expect(scanned["n"] == whole["n"])
        #expect(scanned["t"] == whole["t"])
        #expect(scanned.count == 3)
        #expect(Self.scan(text, ["missing"])?.isEmpty == true)
    }

    @Test("strings and keys of every length up to five words, with a quote, a backslash or a non-ASCII byte at every position")
    func wordAtATimeEdges() throws {
        // The scanner reads eight bytes at a time: what it stops at must be found wherever it
        // falls in a word, in a key or a skipped value, and near the end of the input.
        let specials = [#"\""#, #"\\"#, "é", #"\u0041"#]
        for length in 0...40 {
            for position in 0...length {
                for special in specials {
                    let text = String(repeating: "x", count: position) + special + String(repeating: "y", count: length - position)
                    let json = #"{"k"# + text + #"": 1, "s": ""# + text + #"", "want": [""# + text + #""], "n": 7}"#
                    let whole = try #require(try JSON(parsing: Array(json.utf8)).objectValue, "\(json)")
                    let scanned = try #require(Self.scan(json, ["want", "n", "s", whole.keys[0]]), "\(json)")
                    #expect(scanned.count == 4, "\(json)")
                    for key in scanned.keys { #expect(scanned[key] == whole[key], "\(key) in \(json)") }
                    // At the very end of the input, without a word after it.
                    let tail = #"{"a": ""# + text + #""}"#
                    #expect(Self.scan(tail, ["a"])?["a"] == (try JSON(parsing: Array(tail.utf8)))["a"], "\(tail)")
                    #expect(Self.scan(String(tail.dropLast(2)), ["a"]) == nil, "\(tail) cut before its closing quote")
                }
            }
        }
    }

    @Test("what is not a well-formed object is left to the whole parse", arguments: [
        "", "[]", "1", #"{"a": 1"#, #"{"a" 1}"#, #"{"a": }"#, #"{"a": "open}"#, #"{"a": [1, 2}"#, #"{"a": 1,}"#, #"{"a": 1} x"#,
        #"{a: 1}"#, #"{"a": 1 "b": 2}"#,
    ])
    func malformed(text: String) {
        #expect(Self.scan(text, ["a"]) == nil, "\(text)")
    }

    @Test("a filter reads a Create's document as its condition needs it: only the fields read, deflated or not")
    func filterReadsTheFields() throws {
        var payload: JSONObject = ["customer_type": "Individual", "customer_name": "A", "customer_group": "Retail"]
        let condition = try Condition("doc.customer_type == 'Individual'")
        for deflate in [false, true] {
            if deflate { payload["customer_details"] = .string(String(repeating: "d", count: 10_000)) }
            let frame = try RecordFrame.encode(EntryDraft(updateType: .create, doctype: "Customer", docname: "A", payload: JSON.object(payload).serialized()),
                                               sequence: 1, compressionThreshold: 4096)
            #expect((frame[25] & 1 == 1) == deflate)
            let document = try #require(try ConsumerFilter.created(condition, frame: frame, offset: 0))
            #expect(try condition.evaluate(document))
            if !deflate { #expect(document.keys == ["customer_type"]) }
        }
        let whole = try #require(try ConsumerFilter.created(try Condition("len(doc) == 3"), frame: RecordFrame.encode(
            EntryDraft(updateType: .create, doctype: "Customer", docname: "A", payload: JSON.object(payload).serialized()), sequence: 1), offset: 0))
        #expect(whole.count == payload.count)
    }
}

import Testing
import SiteStreamJSON

/// Every malformed input is refused with a message, offset, line and column that point at
/// the problem; none crashes.
@Suite struct JSONMalformedInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var input: [UInt8]
        var message: String
        var offset: Int
        var line: Int
        var column: Int
        var testDescription: String { String(decoding: input, as: UTF8.self).debugDescription }

        init(_ input: String, _ message: String, offset: Int, line: Int = 1, column: Int) {
            self.init(bytes: Array(input.utf8), message, offset: offset, line: line, column: column)
        }
        init(bytes: [UInt8], _ message: String, offset: Int, line: Int = 1, column: Int) {
            self.input = bytes
            self.message = message
            self.offset = offset
            self.line = line
            self.column = column
        }
    }

    static let cases: [Case] = [
        Case("", "unexpected end of input: expected a value", offset: 0, column: 1),
        Case("   ", "unexpected end of input: expected a value", offset: 3, column: 4),
        Case("-", "unexpected end of input: expected a digit after '-'", offset: 1, column: 2),
        Case("-x", "expected a digit after '-', found 'x'", offset: 1, column: 2),
        Case("1.", "unexpected end of input: expected a digit after '.'", offset: 2, column: 3),
        Case("[1.]", "expected a digit after '.', found ']'", offset: 3, column: 4),
        Case(".5", "expected a value, found '.'", offset: 0, column: 1),
        Case("01", "leading zeros are not allowed in numbers", offset: 0, column: 1),
        Case("[-012]", "leading zeros are not allowed in numbers", offset: 2, column: 3),
        Case("1e", "unexpected end of input: expected a digit in the exponent", offset: 2, column: 3),
        Case("1e+x", "expected a digit in the exponent, found 'x'", offset: 3, column: 4),
        Case("+1", "expected a value, found '+'", offset: 0, column: 1),
        Case("1e400", "number 1e400 is out of the range of a 64-bit double", offset: 0, column: 1),
        Case("-1e400", "number -1e400 is out of the range of a 64-bit double", offset: 0, column: 1),
        Case("12 13", "unexpected '1' after the JSON value", offset: 3, column: 4),
        Case("{}x", "unexpected 'x' after the JSON value", offset: 2, column: 3),
        Case("{a:1}", "expected '\"' to begin an object key, found 'a'", offset: 1, column: 2),
        Case("{'a':1}", "expected '\"' to begin an object key, found '''", offset: 1, column: 2),
        Case(#"{"a":1,}"#, "trailing comma before '}'", offset: 7, column: 8),
        Case("[1,2,]", "trailing comma before ']'", offset: 5, column: 6),
        Case("[,1]", "expected a value, found ','", offset: 1, column: 2),
        Case(#"{"a" 1}"#, "expected ':' after object key, found '1'", offset: 5, column: 6),
        Case("{\n  \"a\": 1,\n  \"b\": 2\n  \"c\": 3\n}", "expected ',' or '}' after object member, found '\"'", offset: 23, line: 4, column: 3),
        Case("[1 2]", "expected ',' or ']' after array element, found '2'", offset: 3, column: 4),
        Case(#"{"a":1"#, "unexpected end of input: expected ',' or '}' after object member", offset: 6, column: 7),
        Case("[1", "unexpected end of input: expected ',' or ']' after array element", offset: 2, column: 3),
        Case("tru", "unexpected end of input: expected 'true'", offset: 3, column: 4),
        Case("trUe", "invalid literal: expected 'true'", offset: 2, column: 3),
        Case("nul", "unexpected end of input: expected 'null'", offset: 3, column: 4),
        Case("NaN", "expected a value, found 'N'", offset: 0, column: 1),
        Case("\"abc", "unexpected end of input: unterminated string (opened at byte 0)", offset: 4, column: 5),
        Case("\"a\nb\"", "unescaped control character newline in string (write it as an escape such as \\n or \\u00XX)", offset: 2, column: 3),
        Case("\"a\tb\"", "unescaped control character byte 0x09 in string (write it as an escape such as \\n or \\u00XX)", offset: 2, column: 3),
        Case(#""\x""#, "invalid escape sequence '\\x' in string", offset: 1, column: 2),
        Case(#""\u12G4""#, "invalid \\u escape: expected 4 hex digits, found 'G'", offset: 5, column: 6),
        Case(#""\u12"#, "unexpected end of input: expected 4 hex digits after \\u", offset: 5, column: 6),
        Case(#""\uD83D""#, "lone surrogate \\uD83D: a high surrogate must be followed by a low surrogate escape", offset: 1, column: 2),
        Case(#""\uD83Dx""#, "lone surrogate \\uD83D: a high surrogate must be followed by a low surrogate escape", offset: 1, column: 2),
        Case(#""\uD83D\u0041""#, "lone surrogate \\uD83D: followed by \\u0041, not a low surrogate", offset: 1, column: 2),
        Case(#""ab\uDE00""#, "lone surrogate \\uDE00: a low surrogate without a high surrogate before it", offset: 3, column: 4),
        Case(bytes: [0x22, 0x61, 0xFF, 0x22], "invalid UTF-8: byte 0xFF cannot start a character", offset: 2, column: 3),
        Case(bytes: [0x22, 0xC3, 0x28, 0x22], "invalid UTF-8: bad continuation byte '(' in a sequence starting at byte 1", offset: 2, column: 3),
        Case(bytes: [0x22, 0xC0, 0xAF, 0x22], "invalid UTF-8: byte 0xC0 cannot start a character", offset: 1, column: 2),  // overlong '/'
        Case(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8: bad continuation byte byte 0xA0 in a sequence starting at byte 1", offset: 2, column: 3),  // UTF-8 surrogate
        Case(bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "invalid UTF-8: bad continuation byte byte 0x90 in a sequence starting at byte 1", offset: 2, column: 3),  // > U+10FFFF
        Case(bytes: [0x22, 0xE2, 0x82], "unexpected end of input: truncated UTF-8 sequence in string", offset: 3, column: 3),
        Case(bytes: [0xEF, 0xBB, 0xBF, 0x31], "expected a value, found byte 0xEF", offset: 0, column: 1),
        Case("[\"é\", x]", "expected a value, found 'x'", offset: 7, column: 7),
    ]

    @Test(arguments: cases)
    func malformedInputIsRefusedWithItsPlace(_ c: Case) {
        #expect {
            try JSON(parsing: c.input)
        } throws: { error in
            guard let e = error as? JSONParseError else { return false }
            #expect(e.message == c.message)
            #expect(e.offset == c.offset)
            #expect(e.line == c.line)
            #expect(e.column == c.column)
            return e.message == c.message && e.offset == c.offset && e.line == c.line && e.column == c.column
        }
    }

    @Test func descriptionNamesLineColumnAndByte() {
        let text = "{\n  \"a\": 1,\n  \"b\": 2\n  \"c\": 3\n}"
        do {
            _ = try JSON(parsing: text)
            Issue.record("parsed")
        } catch let e as JSONParseError {
            #expect(e.description == "invalid JSON at line 4, column 3 (byte 23): expected ',' or '}' after object member, found '\"'")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    /// Cutting a document anywhere before its end leaves a text that must be refused.
    @Test func truncationAtEveryByteThrows() throws {
        let document: JSON = [
            "name": "SINV-0001", "total": 1234.5, "qty": -12, "ok": true, "no": false, "none": nil,
            "text": "é – 😀 \"quoted\"\n\u{1}", "items": [[:], [], ["a": [1, 2.5e-10]]],
        ]
        let bytes = document.serialized()
        #expect(try JSON(parsing: bytes) == document)
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[..<cut])
            #expect(throws: JSONParseError.self, "prefix of \(cut) bytes") { try JSON(parsing: prefix) }
        }
    }

    @Test func depthLimit() throws {
        let deep = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(try JSON(parsing: deep).arrayValue != nil)
        let tooDeep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(throws: JSONParseError(message: "nesting deeper than the maxDepth limit of 128", offset: 128, line: 1, column: 129)) {
            try JSON(parsing: tooDeep)
        }
        let objects = String(repeating: "{\"a\":", count: 5) + "1" + String(repeating: "}", count: 5)
        #expect(throws: JSONParseError.self) { try JSON(parsing: objects, limits: JSONLimits(maxDepth: 4)) }
        #expect(try JSON(parsing: objects, limits: JSONLimits(maxDepth: 5)) != .null)
        // A huge asked-for depth is clamped, so a hostile input cannot exhaust the stack.
        let hostile = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(throws: JSONParseError(message: "nesting deeper than the maxDepth limit of \(JSONLimits.hardMaxDepth)", offset: JSONLimits.hardMaxDepth, line: 1, column: JSONLimits.hardMaxDepth + 1)) {
            try JSON(parsing: hostile, limits: JSONLimits(maxDepth: .max))
        }
        let deepest = String(repeating: "[", count: JSONLimits.hardMaxDepth) + String(repeating: "]", count: JSONLimits.hardMaxDepth)
        #expect(try JSON(parsing: deepest, limits: JSONLimits(maxDepth: .max)).serializedString() == deepest)
    }

    @Test func sizeAndLengthLimits() throws {
        let text = #"{"key":"a long value","n":12345}"#
        var limits = JSONLimits.default
        limits.maxBytes = text.utf8.count
        #expect(try JSON(parsing: text, limits: limits)["n"] == 12345)
        limits.maxBytes = text.utf8.count - 1
        #expect(throws: JSONParseError(message: "input is 32 bytes, over the maxBytes limit of 31", offset: 0, line: 1, column: 1)) {
            try JSON(parsing: text, limits: limits)
        }
        limits = .default
        limits.maxStringBytes = 5
        #expect(throws: JSONParseError(message: "string longer than the maxStringBytes limit of 5", offset: 7, line: 1, column: 8)) {
            try JSON(parsing: text, limits: limits)
        }
        #expect(throws: JSONParseError.self) { try JSON(parsing: #"["a\nbcdef"]"#, limits: limits) }
        limits = .default
        limits.maxNumberBytes = 4
        #expect(throws: JSONParseError(message: "number longer than the maxNumberBytes limit of 4", offset: 26, line: 1, column: 27)) {
            try JSON(parsing: text, limits: limits)
        }
        limits = .default
        limits.maxContainerCount = 2
        #expect(try JSON(parsing: "[1,2]", limits: limits) == [1, 2])
        #expect(throws: JSONParseError.self) { try JSON(parsing: "[1,2,3]", limits: limits) }
        #expect(throws: JSONParseError.self) { try JSON(parsing: #"{"a":1,"b":2,"c":3}"#, limits: limits) }
    }
}

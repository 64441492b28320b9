import Testing
import SiteStreamJSON

/// Values survive serialize → parse unchanged, and the text we write is the text we promise.
@Suite struct JSONRoundTripTests {
    static let frappeInvoice = #"""
        {"name":"ACC-SINV-2026-00042","doctype":"Sales Invoice","docstatus":1,"idx":0,
         "customer":"Grant Plastics Ltd.","posting_date":"2026-11-29","grand_total":1234.50,
         "is_return":0,"remarks":null,"disable_rounded_total":false,
         "items":[{"item_code":"SKU-001","qty":3,"rate":411.5,"amount":1234.5,"description":"<p>Widget – \"blue\"</p>\n"}],
         "taxes":[]}
        """#

    @Test func frappeDocumentParsesToTheExpectedValues() throws {
        let doc = try JSON(parsing: Self.frappeInvoice)
        #expect(doc["name"] == "ACC-SINV-2026-00042")
        #expect(doc["docstatus"] == .int(1))
        #expect(doc["grand_total"] == .double(1234.5))
        #expect(doc["remarks"] == .null)
        #expect(doc["disable_rounded_total"] == .bool(false))
        #expect(doc["taxes"] == .array([]))
        #expect(doc["items"]?[0]?["description"] == "<p>Widget – \"blue\"</p>\n")
        #expect(doc.objectValue?.keys.first == "name")
        #expect(doc.objectValue?.keys.last == "taxes")
        let again = try JSON(parsing: doc.serialized())
        #expect(again == doc)
        #expect(again.objectValue?.keys == doc.objectValue?.keys)
    }

    @Test(arguments: [
        ("1234.50", "1234.5"),
        ("100.0", "100.0"),
        ("100", "100"),
        ("-0", "0"),
        ("-0.0", "-0.0"),
        ("1e2", "100.0"),
        ("1E-7", "1e-07"),
        ("0.1", "0.1"),
        ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("9223372036854775808", "9.223372036854776e+18"),
        ("-9223372036854775809", "-9.223372036854776e+18"),
        ("123456789012345678901234567890", "1.2345678901234568e+29"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("5e-324", "5e-324"),
        ("0.30000000000000004", "0.30000000000000004"),
        (#""a\"b\\c\/d\b\f\n\r\t\u0001\u001F""#, #""a\"b\\c/d\b\f\n\r\t\u0001\u001f""#),
        (#""\u00e9\u20AC\ud83d\ude00""#, "\"é€😀\""),
        ("\"e\u{301} 👩‍👩‍👧 ☃\"", "\"e\u{301} 👩‍👩‍👧 ☃\""),
        ("[ ]", "[]"),
        ("{ }", "{}"),
        (" [1, [2, {\"a\": [ ]}], null, true, false] ", "[1,[2,{\"a\":[]}],null,true,false]"),
        (#"{"a":1,"b":2,"a":3}"#, #"{"a":3,"b":2}"#),
    ])
    func canonicalText(input: String, expected: String) throws {
        let value = try JSON(parsing: input)
        #expect(value.serializedString() == expected)
        #expect(try JSON(parsing: value.serializedString()) == value)
    }

    @Test func integersAtTheEdgesStayIntegers() throws {
        #expect(try JSON(parsing: "9223372036854775807") == .int(.max))
        #expect(try JSON(parsing: "-9223372036854775808") == .int(.min))
        #expect(try JSON(parsing: "9223372036854775808") == .double(9223372036854775808.0))
        #expect(try JSON(parsing: "100.0") == .double(100))
        #expect(try JSON(parsing: "1e2") == .double(100))
        for v: Int64 in [0, 1, -1, 9, 10, -10, 99, 100, 12345, .max, .min, .max - 1, .min + 1] {
            #expect(JSON.int(v).serializedString() == String(v))
            #expect(try JSON(parsing: String(v)) == .int(v))
        }
    }

    /// Long strings are escaped in chunks; escapes and multi-byte characters land on every
    /// side of the chunk edges.
    @Test(arguments: [1, 7, 8, 9, 4095, 4096, 4097, 20_000])
    func longStringsWithEscapes(length: Int) throws {
        let alphabet: [Character] = ["a", "\n", "\"", "\\", "\u{1}", "é", "😀", "b", "c", "d", "e", "f", "g"]
        var text = ""
        for i in 0..<length { text.append(alphabet[(i * 7 + i / 3) % alphabet.count]) }
        let value = JSON.array([.string(text), .string(String(repeating: "x", count: length))])
        let bytes = value.serialized()
        #expect(try JSON(parsing: bytes) == value)
        #expect(JSON.string("\u{0}\u{1F}\u{7F}").serializedString() == #""\u0000\u001f\#u{7F}""#)
    }

    /// Strings of up to 20 bytes (the short ones are written two words at a time) with a byte
    /// to escape, a multi-byte character or a DEL at every position are written as the rules
    /// say, in objects' keys too, and read back.
    @Test func shortStringsWithEscapesAtEveryPosition() throws {
        // The escaping rules, byte by byte, for ASCII text.
        func reference(_ text: String) -> String {
            var out = "\""
            for b in text.utf8 {
                switch b {
                case UInt8(ascii: "\""): out += "\\\""
                case UInt8(ascii: "\\"): out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                case 0..<0x20: out += "\\u00" + String(b, radix: 16).leftPadded(to: 2)
                default: out.unicodeScalars.append(UnicodeScalar(b))
                }
            }
            return out + "\""
        }
        let specials: [String] = ["\"", "\\", "\n", "\u{0}", "\u{1F}", "\u{7F}", "\t"]
        for length in 0...20 {
            let plain = String(repeating: "k", count: length)
            #expect(JSON.string(plain).serializedString() == "\"" + plain + "\"")
            #expect(JSON.object(JSONObject([(plain, JSON.int(1))])).serializedString() == "{\"" + plain + "\":1}")
            for position in 0..<max(length, 1) where length > 0 {
                for special in specials {
                    var bytes = Array(plain.utf8)
                    bytes[position] = Array(special.utf8)[0]
                    let text = String(decoding: bytes, as: UTF8.self)
                    #expect(JSON.string(text).serializedString() == reference(text), "length \(length) at \(position): \(special.debugDescription)")
                    #expect(try JSON(parsing: JSON.string(text).serialized()) == .string(text))
                }
                var withAccent = Array(plain.utf8)
                withAccent.replaceSubrange(position..<position + 1, with: Array("é".utf8))
                let accented = String(decoding: withAccent, as: UTF8.self)
                #expect(JSON.string(accented).serializedString() == "\"" + accented + "\"")
            }
        }
    }

    @Test func nonFiniteDoublesAreWrittenAsNull() {
        let v: JSON = [.double(.nan), .double(.infinity), .double(-.infinity)]
        #expect(v.serializedString() == "[null,null,null]")
    }

    @Test func serializeIntoAppends() {
        var buffer = Array("prefix:".utf8)
        JSON.array([1, "x"]).serialize(into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"prefix:[1,"x"]"#)
    }

    @Test func allThreeParseEntryPointsAgree() throws {
        let bytes = Array(Self.frappeInvoice.utf8)
        let a = try JSON(parsing: Self.frappeInvoice)
        let b = try JSON(parsing: bytes)
        let c = try bytes.withUnsafeBytes { try JSON.parse($0) }
        #expect(a == b && b == c)
    }

    @Test func prettyOutput() throws {
        let v: JSON = ["name": "X", "items": [1, ["k": nil]], "e": [:], "f": []]
        let expected = """
            {
              "name": "X",
              "items": [
                1,
                {
                  "k": null
                }
              ],
              "e": {},
              "f": []
            }
            """
        #expect(v.serializedString(pretty: true) == expected)
        #expect(try JSON(parsing: expected) == v)
        #expect(JSON.int(3).serializedString(pretty: true) == "3")
    }
}

extension String {
    /// The text with zeros in front, to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

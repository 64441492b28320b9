import SiteStreamJSON
import Testing

/// `JSONObject.index(forKey:)` gives what `keys.firstIndex(of:)` gives (`String` equality,
/// which is canonical equivalence), through its shortcuts: identical bits, and skipping keys
/// of another UTF-8 length when that proves them unequal.
@Suite struct JSONObjectLookupTests {
    /// A copy of `text` in its own storage (so its bits differ from a literal's when long).
    static func fresh(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }

    static let probes: [String] = [
        "name", "owner", "a_rather_long_field_name", "K", "Kelvin", "\u{212A}elvin", "a;b", "a\u{037E}b", "x`y", "x\u{1FEF}y",
        "café", "cafe\u{301}", "e", "é", "", "modified_by", "modified", "parentfield",
    ]

    @Test func lookupsAgreeWithFirstIndex() {
        // Objects holding every subset of a few probes, in two orders; every probe looked up.
        for start in 0..<Self.probes.count {
            var keys: [String] = []
            for k in 0..<6 { keys.append(Self.fresh(Self.probes[(start + k * 5) % Self.probes.count])) }
            for order in [keys, keys.reversed()] {
                var object = JSONObject()
                for (i, key) in order.enumerated() { object[key] = .int(Int64(i)) }
                for probe in Self.probes + Self.probes.map(Self.fresh) {
                    #expect(object.index(forKey: probe) == object.keys.firstIndex(of: probe), "\(probe) in \(order)")
                }
            }
        }
    }

    /// The canonically equal pairs are found under either spelling, whatever their lengths.
    @Test func canonicallyEqualKeysAreFound() {
        for (stored, asked) in [("Kelvin", "\u{212A}elvin"), ("\u{212A}elvin", "Kelvin"), ("a;b", "a\u{037E}b"),
                                ("a\u{037E}b", "a;b"), ("x`y", "x\u{1FEF}y"), ("café", "cafe\u{301}")] {
            var object = JSONObject()
            object["other"] = 1
            object[Self.fresh(stored)] = 2
            #expect(object.index(forKey: asked) == 1, "\(asked) for \(stored)")
            #expect(object[asked] == .int(2))
        }
        var object = JSONObject()
        object["owner"] = 1
        #expect(object.index(forKey: "owners") == nil)
        #expect(object.index(forKey: "owne") == nil)
        #expect(object.index(forKey: Self.fresh("owner")) == 0)
    }
}

import Testing
import SiteStreamJSON

@Suite struct JSONValueTests {
    @Test func objectsKeepInsertionOrderAndReplaceInPlace() {
        var o: JSONObject = ["b": 1, "a": 2]
        o["c"] = 3
        o["b"] = "x"
        #expect(o.keys == ["b", "a", "c"])
        #expect(o["b"] == "x")
        o["a"] = nil
        #expect(o.keys == ["b", "c"])
    }

    /// Lookups look for the same bits first and then compare with `==`: a long key held in
    /// other storage, and a key canonically equivalent to the one stored, are still found, and
    /// setting through them replaces the value in place.
    @Test func lookupsFindEqualKeysWhateverTheirStorage() {
        let long = String(repeating: "outstanding_", count: 3)
        var o = JSONObject()
        o[long + "amount"] = 1
        o["\u{e9}cole"] = 2
        o["name"] = 3
        let sameLong = String(long.reversed().reversed()) + "amount"  // equal, built apart
        #expect(o[sameLong] == 1)
        #expect(o["e\u{301}cole"] == 2)
        #expect(o.index(forKey: "name") == 2)
        #expect(o.index(forKey: "missing") == nil)
        o[sameLong] = 10
        o["e\u{301}cole"] = 20
        #expect(o.count == 3)
        #expect(o.values == [10, 20, 3])
    }

    @Test func objectEqualityIgnoresOrderButNotValues() {
        let a: JSON = ["x": 1, "y": [true, nil]]
        let b: JSON = ["y": [true, nil], "x": 1]
        let c: JSON = ["y": [true, nil], "x": 2]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != c)
        #expect(JSON.int(1) != JSON.double(1))
    }

    @Test func accessorsReturnNilForOtherKinds() {
        let v: JSON = ["n": 3, "s": "t", "d": 1.5]
        #expect(v["n"]?.intValue == 3)
        #expect(v["d"]?.intValue == nil)
        #expect(v["d"]?.doubleValue == 1.5)
        #expect(v["s"]?.intValue == nil)
        #expect(v["missing"] == nil)
        #expect(JSON.string("a")["k"] == nil)
    }
}

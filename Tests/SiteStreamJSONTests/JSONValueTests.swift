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

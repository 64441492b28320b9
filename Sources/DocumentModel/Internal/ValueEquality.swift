import SiteStreamJSON

/// The equality diffs use: a missing value equals null, and numbers compare by value whatever
/// their JSON kind (`12 == 12.0`), inside arrays and objects too.
enum ValueEquality {
    /// Cheap test for two present values: `true` only when they are equal scalars. Arrays and
    /// objects answer `false` so the caller looks at them properly.
    @inline(__always)
    static func scalarsEqual(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.int(let x), .double(let y)): return Double(x) == y
        case (.double(let x), .int(let y)): return x == Double(y)
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// Full equality, missing ≡ null.
    static func equal(_ a: JSON?, _ b: JSON?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (nil, let v?), (let v?, nil): return v.isNull
        case (let x?, let y?): return deepEqual(x, y)
        }
    }

    static func deepEqual(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for i in x.indices where !deepEqual(x[i], y[i]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (k, v) in x {
                guard let w = y[k], deepEqual(v, w) else { return false }
            }
            return true
        default:
            return scalarsEqual(a, b)
        }
    }
}

extension JSONObject {
    /// Visits every key of `old` and `new` once, in `new`'s order then the keys only `old` has,
    /// skipping pairs that are equal scalars. Linear when both have their keys in the same
    /// order (the usual case: one serializer wrote both).
    @inline(__always)
    static func visitDifferences(_ old: JSONObject, _ new: JSONObject, _ body: (String, JSON?, JSON?) -> Void) {
        let oldKeys = old.keys
        let newKeys = new.keys
        let oldValues = old.values
        let newValues = new.values
        var matched = 0
        var hint = 0
        for j in newKeys.indices {
            let key = newKeys[j]
            let i: Int?
            if hint < oldKeys.count, oldKeys[hint] == key {
                i = hint
            } else {
                i = oldKeys.firstIndex(of: key)
            }
            if let i {
                matched += 1
                hint = i + 1
                if !ValueEquality.scalarsEqual(oldValues[i], newValues[j]) {
                    body(key, oldValues[i], newValues[j])
                }
            } else {
                body(key, nil, newValues[j])
            }
        }
        if matched < oldKeys.count {
            for i in oldKeys.indices where new.index(forKey: oldKeys[i]) == nil {
                body(oldKeys[i], oldValues[i], nil)
            }
        }
    }
}

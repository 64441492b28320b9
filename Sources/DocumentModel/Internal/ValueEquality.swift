import SiteStreamJSON

/// The equality diffs use: a missing value equals null, numbers compare by value whatever
/// their JSON kind (`12 == 12.0`), text compares by its UTF-8 bytes (as Frappe's Python does by
/// code points: "é" and "e\u{301}" differ), inside arrays and objects too.
enum ValueEquality {
    /// Cheap test for two present values: `true` only when they are equal scalars. Arrays and
    /// objects answer `false` so the caller looks at them properly.
    @inline(__always)
    static func scalarsEqual(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return sameUTF8(x, y)
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.int(let x), .double(let y)): return Double(x) == y
        case (.double(let x), .int(let y)): return x == Double(y)
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// Byte equality of two strings, without Unicode normalisation.
    @inline(__always)
    static func sameUTF8(_ x: String, _ y: String) -> Bool {
        let xu = x.utf8, yu = y.utf8
        guard xu.count == yu.count else { return false }
        let fast = xu.withContiguousStorageIfAvailable { xp in
            yu.withContiguousStorageIfAvailable { yp in
                bytesEqual(UnsafeRawPointer(xp.baseAddress), UnsafeRawPointer(yp.baseAddress), xp.count)
            }
        }
        if let fast, let result = fast { return result }
        return xu.elementsEqual(yu)
    }

    /// Compares `count` bytes word by word (short strings are the common case; a call to
    /// `memcmp` would cost more than the comparison).
    @inline(__always)
    static func bytesEqual(_ a: UnsafeRawPointer?, _ b: UnsafeRawPointer?, _ count: Int) -> Bool {
        guard count > 0, let a, let b else { return true }
        if a == b { return true }
        var offset = 0
        while offset + 8 <= count {
            if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self) {
                return false
            }
            offset += 8
        }
        while offset < count {
            if a.load(fromByteOffset: offset, as: UInt8.self) != b.load(fromByteOffset: offset, as: UInt8.self) { return false }
            offset += 1
        }
        return true
    }

    /// Whether two stored values are the same bits: same small string, same number, or the same
    /// heap storage. Sound (identical bits are equal values) but not complete: a `false` means
    /// "look closer". Reads the values in place, so no reference counting.
    @inline(__always)
    static func identicalBits<T>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>) -> Bool {
        bytesEqual(UnsafeRawPointer(a), UnsafeRawPointer(b), MemoryLayout<T>.size)
    }

    /// `identicalBits` for two strings held in values rather than in memory.
    @inline(__always)
    static func identicalBits(_ a: String, _ b: String) -> Bool {
        guard MemoryLayout<String>.size == 16 else { return false }
        return unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self)
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
    ///
    /// `isCompared` is asked before comparing two long texts held in different storage (the
    /// one comparison that reads memory elsewhere, often a cache miss): keys the caller ignores
    /// are then skipped without touching the text.
    @inline(__always)
    static func visitDifferences(_ old: JSONObject, _ new: JSONObject, isCompared: (String) -> Bool,
                                 _ body: (String, JSON?, JSON?) -> Void) {
        let oldKeys = old.keys
        let newKeys = new.keys
        let oldValues = old.values
        let newValues = new.values
        var matched = 0
        oldKeys.withUnsafeBufferPointer { ok in
            newKeys.withUnsafeBufferPointer { nk in
                oldValues.withUnsafeBufferPointer { ov in
                    newValues.withUnsafeBufferPointer { nv in
                        var hint = 0
                        for j in 0..<nk.count {
                            let i: Int?
                            if hint < ok.count, ValueEquality.identicalBits(ok.baseAddress! + hint, nk.baseAddress! + j)
                                || ValueEquality.sameUTF8(ok[hint], nk[j])
                            {
                                i = hint
                            } else {
                                i = JSONObject.position(of: nk[j], in: ok)
                            }
                            if let i {
                                matched += 1
                                hint = i + 1
                                if ValueEquality.identicalBits(ov.baseAddress! + i, nv.baseAddress! + j) { continue }
                                if case .string(let x) = ov[i], case .string(let y) = nv[j] {
                                    let xCount = x.utf8.count
                                    if xCount != y.utf8.count {
                                        body(nk[j], ov[i], nv[j])
                                    } else if xCount > 15, !isCompared(nk[j]) {
                                        continue
                                    } else if !ValueEquality.sameUTF8(x, y) {
                                        body(nk[j], ov[i], nv[j])
                                    }
                                } else if !ValueEquality.scalarsEqual(ov[i], nv[j]) {
                                    body(nk[j], ov[i], nv[j])
                                }
                            } else {
                                body(nk[j], nil, nv[j])
                            }
                        }
                        if matched < ok.count {
                            for i in 0..<ok.count where JSONObject.position(of: ok[i], in: nk) == nil {
                                body(ok[i], ov[i], nil)
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func position(of key: String, in keys: UnsafeBufferPointer<String>) -> Int? {
        for i in 0..<keys.count where ValueEquality.sameUTF8(keys[i], key) { return i }
        return nil
    }
}

/// A JSON object that keeps its members in insertion order.
///
/// Stored as two parallel arrays: documents have tens of fields, where a linear scan over
/// contiguous keys beats hashing, and iteration order is the order the fields were written.
/// Setting an existing key keeps its position; setting a new key appends it.
public struct JSONObject: Sendable {
    // Inlinable, with the storage visible to it: callers in other modules (the diff engine, the
    // store, the lifecycle) look fields up constantly, and a cross-module call per lookup (with
    // the retains around it) costs more than the scan itself.
    @usableFromInline var storedKeys: [String]
    @usableFromInline var storedValues: [JSON]

    public var keys: [String] {
        @inlinable get { storedKeys }
    }

    public var values: [JSON] {
        @inlinable get { storedValues }
    }

    @inlinable
    public init() {
        storedKeys = []
        storedValues = []
    }

    @inlinable
    public init(minimumCapacity: Int) {
        storedKeys = []
        storedValues = []
        storedKeys.reserveCapacity(minimumCapacity)
        storedValues.reserveCapacity(minimumCapacity)
    }

    /// Builds an object from pairs; a later duplicate key replaces the earlier value in place.
    public init(_ pairs: some Sequence<(String, JSON)>) {
        self.init()
        for (k, v) in pairs { self[k] = v }
    }

    /// Appends a member without checking for an existing key. For parsers and builders that
    /// already know the key is new; everyone else uses the subscript.
    @inlinable
    public mutating func appendUnchecked(key: String, value: JSON) {
        storedKeys.append(key)
        storedValues.append(value)
    }

    @inlinable public var count: Int { storedKeys.count }
    @inlinable public var isEmpty: Bool { storedKeys.isEmpty }

    /// Two passes. The first looks for a key with the very same bits as `key`: a short key
    /// (held inside the `String` value) with the same bytes, or a long one in the same storage
    /// (the parser interns keys, and documents made by editing a copy share them), which is
    /// how almost every lookup is found, at a few instructions per key. Only when that fails
    /// does the second compare with `==`, whose every mismatch is a call into the standard
    /// library (a lookup that scanned 40 keys that way cost more than the rest of a diff's
    /// apply put together). Same result as `firstIndex(of:)`: identical bits are equal strings.
    ///
    /// The second pass skips, without the call, every key whose UTF-8 length differs from
    /// `key`'s when that proves them unequal (`lengthDecidesEquality`): a search for an absent
    /// key (a default not given, a column to add) compared it with every key before.
    @inlinable
    public func index(forKey key: String) -> Int? {
        if let i = JSONObject.identicalKey(key, in: storedKeys) { return i }
        guard JSONObject.lengthDecidesEquality(key) else { return storedKeys.firstIndex(of: key) }
        let length = key.utf8.count
        return storedKeys.withUnsafeBufferPointer { keys -> Int? in
            for i in 0..<keys.count where keys[i].utf8.count == length && keys[i] == key { return i }
            return nil
        }
    }

    /// Whether a string of another UTF-8 length can never be `==` to `key`. `String` equality
    /// is canonical equivalence, under which a few characters outside ASCII equal ASCII ones
    /// (U+212A KELVIN SIGN is "K", U+037E is ";", U+1FEF is "`"), so a text of different bytes
    /// and length may equal an ASCII one containing those three. Every other ASCII text equals
    /// only itself, byte for byte. Field names and standard columns are such texts.
    @inlinable
    static func lengthDecidesEquality(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { bytes in
            for b in bytes where b >= 0x80 || b == UInt8(ascii: "K") || b == UInt8(ascii: ";") || b == UInt8(ascii: "`") {
                return false
            }
            return true
        }
    }

    /// The first index whose key has the same 16 bytes as `key`, if any.
    @inlinable
    static func identicalKey(_ key: String, in keys: [String]) -> Int? {
        guard MemoryLayout<String>.size == 16, MemoryLayout<String>.stride == 16 else { return nil }
        let wanted = unsafeBitCast(key, to: (UInt64, UInt64).self)
        return keys.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            let raw = UnsafeRawPointer(base)
            for i in 0..<buffer.count {
                if raw.load(fromByteOffset: i &* 16, as: UInt64.self) == wanted.0
                    && raw.load(fromByteOffset: i &* 16 &+ 8, as: UInt64.self) == wanted.1
                {
                    return i
                }
            }
            return nil
        }
    }

    @inlinable
    public subscript(key: String) -> JSON? {
        get {
            guard let i = index(forKey: key) else { return nil }
            return storedValues[i]
        }
        set {
            if let i = index(forKey: key) {
                if let newValue {
                    storedValues[i] = newValue
                } else {
                    storedKeys.remove(at: i)
                    storedValues.remove(at: i)
                }
            } else if let newValue {
                storedKeys.append(key)
                storedValues.append(newValue)
            }
        }
    }

    /// The value of the member at `index` (`0..<count`, in stored order).
    @inlinable
    public func value(at index: Int) -> JSON { storedValues[index] }

    /// Replaces the value of the member at `index`, keeping its key and place.
    @inlinable
    public mutating func replaceValue(at index: Int, with value: JSON) { storedValues[index] = value }

    @inlinable
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSON? {
        guard let i = index(forKey: key) else { return nil }
        storedKeys.remove(at: i)
        return storedValues.remove(at: i)
    }
}

extension JSONObject: Sequence {
    public struct Iterator: IteratorProtocol {
        @usableFromInline let object: JSONObject
        @usableFromInline var position = 0
        @inlinable init(object: JSONObject) { self.object = object }
        @inlinable
        public mutating func next() -> (key: String, value: JSON)? {
            guard position < object.storedKeys.count else { return nil }
            defer { position += 1 }
            return (object.storedKeys[position], object.storedValues[position])
        }
    }
    @inlinable public func makeIterator() -> Iterator { Iterator(object: self) }
    @inlinable public var underestimatedCount: Int { storedKeys.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSON)...) { self.init(elements) }
}

extension JSONObject: Hashable {
    /// Two objects are equal when they have the same members, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.keys.count == rhs.keys.count else { return false }
        if lhs.keys == rhs.keys { return lhs.values == rhs.values }
        for (i, key) in lhs.keys.enumerated() {
            guard let v = rhs[key], v == lhs.values[i] else { return false }
        }
        return true
    }

    /// Order-independent: the members' hashes are combined with a commutative sum.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(keys.count)
        var sum = 0
        for i in keys.indices {
            var h = Hasher()
            h.combine(keys[i])
            h.combine(values[i])
            sum = sum &+ h.finalize()
        }
        hasher.combine(sum)
    }
}

extension JSONObject {
    /// An object from keys the caller has already made unique, for the parser.
    init(uncheckedKeys keys: [String], values: [JSON]) {
        self.storedKeys = keys
        self.storedValues = values
    }
}

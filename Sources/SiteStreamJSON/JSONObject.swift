/// A JSON object that keeps its members in insertion order.
///
/// Stored as two parallel arrays: documents have tens of fields, where a linear scan over
/// contiguous keys beats hashing, and iteration order is the order the fields were written.
/// Setting an existing key keeps its position; setting a new key appends it.
public struct JSONObject: Sendable {
    public private(set) var keys: [String]
    public private(set) var values: [JSON]

    public init() {
        keys = []
        values = []
    }

    public init(minimumCapacity: Int) {
        keys = []
        values = []
        keys.reserveCapacity(minimumCapacity)
        values.reserveCapacity(minimumCapacity)
    }

    /// Builds an object from pairs; a later duplicate key replaces the earlier value in place.
    public init(_ pairs: some Sequence<(String, JSON)>) {
        self.init()
        for (k, v) in pairs { self[k] = v }
    }

    /// Appends a member without checking for an existing key. For parsers and builders that
    /// already know the key is new; everyone else uses the subscript.
    public mutating func appendUnchecked(key: String, value: JSON) {
        keys.append(key)
        values.append(value)
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public func index(forKey key: String) -> Int? {
        keys.firstIndex(of: key)
    }

    public subscript(key: String) -> JSON? {
        get {
            guard let i = index(forKey: key) else { return nil }
            return values[i]
        }
        set {
            if let i = index(forKey: key) {
                if let newValue {
                    values[i] = newValue
                } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSON? {
        guard let i = index(forKey: key) else { return nil }
        keys.remove(at: i)
        return values.remove(at: i)
    }
}

extension JSONObject: Sequence {
    public struct Iterator: IteratorProtocol {
        let object: JSONObject
        var position = 0
        public mutating func next() -> (key: String, value: JSON)? {
            guard position < object.keys.count else { return nil }
            defer { position += 1 }
            return (object.keys[position], object.values[position])
        }
    }
    public func makeIterator() -> Iterator { Iterator(object: self) }
    public var underestimatedCount: Int { keys.count }
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
        self.keys = keys
        self.values = values
    }
}

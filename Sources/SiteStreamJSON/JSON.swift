/// A JSON value as SiteStream stores, diffs and sends documents.
///
/// Objects keep their key order (Frappe's documents are read by people; a field order that
/// survives a round trip matters to them). Numbers are kept as `int` when the text is an
/// integer that fits in 64 bits and as `double` otherwise, so `1234.50` reads back as the
/// value 1234.5. Equality of objects ignores key order; `int(1)` and `double(1)` differ
/// (DocumentModel coerces field values by field type before comparing).
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object(JSONObject)
}

extension JSON {
    @inlinable public var isNull: Bool { if case .null = self { return true } else { return false } }

    @inlinable public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    @inlinable public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    @inlinable public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }
    @inlinable public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
    @inlinable public var arrayValue: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
    @inlinable public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }

    /// The member `key` of an object; `nil` for a missing key or a non-object.
    @inlinable
    public subscript(key: String) -> JSON? {
        get { objectValue?[key] }
        set {
            guard case .object(var o) = self else { return }
            self = .null  // release the payload so the mutation below does not copy it
            o[key] = newValue
            self = .object(o)
        }
    }

    /// The element at `index` of an array; `nil` when out of range or not an array.
    public subscript(index: Int) -> JSON? {
        guard case .array(let a) = self, a.indices.contains(index) else { return nil }
        return a[index]
    }
}

extension JSON: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(JSONObject(elements))
    }
}

import Glibc

/// Names one document: its DocType and its name, as the Site knows them.
///
/// Two keys are equal when their UTF-8 bytes are, and hash by their bytes. The store has always
/// told documents apart by the bytes of their names (a name and a canonically equivalent
/// spelling of it, "é" and "e\u{301}", are two documents there), and `String`'s own equality
/// and hashing normalize both sides first: hashing keys in the sets and dictionaries of link
/// checks and transactions spent about 3 % of a consumer's replay in Unicode normalization.
public struct DocumentKey: Hashable, Sendable, CustomStringConvertible {
    public var doctype: String
    public var name: String

    public init(doctype: String, name: String) {
        self.doctype = doctype
        self.name = name
    }

    public var description: String { "\(doctype)/\(name)" }

    public static func == (a: DocumentKey, b: DocumentKey) -> Bool {
        sameUTF8(a.name, b.name) && sameUTF8(a.doctype, b.doctype)
    }

    public func hash(into hasher: inout Hasher) {
        var doctype = doctype, name = name
        doctype.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(UInt8(0xFF)) // never in UTF-8: ("ab", "c") and ("a", "bc") hash apart
        name.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Byte equality of two strings' UTF-8.
@inline(__always)
func sameUTF8(_ a: String, _ b: String) -> Bool {
    // The same bits are the same string (a small string's bits are its bytes).
    if MemoryLayout<String>.size == 16 && unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self) {
        return true
    }
    var a = a, b = b
    return a.withUTF8 { x in
        b.withUTF8 { y in x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
    }
}

/// One secondary-index entry a document carries. The store does not interpret it: the caller
/// (the Site) chooses the index names and computes the values, for example
/// `("remote", "<site>\u{0}<docname>")`, `("unique:Customer.email_id", "a@b")`,
/// `("linkto", "Customer\u{0}CUST-1")` or `("field:Customer.customer_group", "Retail")`.
public struct IndexTerm: Hashable, Sendable, CustomStringConvertible {
    public var index: String
    public var value: String

    public init(index: String, value: String) {
        self.index = index
        self.value = value
    }

    public var description: String { "\(index)=\(value)" }
}

/// One change a batch brings to the store.
public enum StoreChange: Sendable, Equatable {
    /// Stores `document` (opaque bytes, serialized JSON) as the current version of the key and
    /// replaces every index term the previous version carried with `terms`.
    case put(DocumentKey, document: [UInt8], terms: [IndexTerm])
    /// Removes the document and its index terms. Deleting a missing document is not an error
    /// (re-applying a log tail must be harmless).
    case delete(DocumentKey)

    public var key: DocumentKey {
        switch self {
        case .put(let key, _, _): return key
        case .delete(let key): return key
        }
    }
}

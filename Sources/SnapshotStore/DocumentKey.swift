/// Names one document: its DocType and its name, as the Site knows them.
public struct DocumentKey: Hashable, Sendable, CustomStringConvertible {
    public var doctype: String
    public var name: String

    public init(doctype: String, name: String) {
        self.doctype = doctype
        self.name = name
    }

    public var description: String { "\(doctype)/\(name)" }
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

import SiteStreamJSON

/// One condition of a list query: `field op value`, as in Frappe's `[doctype, field, op, value]`.
///
/// A filter whose `doctype` names a child table (a DocType other than the document's own)
/// matches a document when at least one of its child rows of that DocType matches; rows are
/// recognised by their `doctype` member, as Frappe writes them.
///
/// ```swift
/// let f = Filter(field: "customer_group", op: .equal, value: "Retail")
/// f.matches(["customer_group": "Retail"])  // true
/// ```
public struct Filter: Sendable, Hashable {
    /// The DocType the field belongs to when the wire form named one; `nil` means the
    /// document's own DocType.
    public var doctype: String?
    /// The field compared; a plain field name.
    public var field: String
    /// The comparison.
    public var op: FilterOperator
    /// The value compared against, already normalised: a list for `in`/`not in`
    /// (a comma-separated string is split), a two-element list for `between`,
    /// `"set"`/`"not set"` for `is`.
    public var value: JSON

    public init(doctype: String? = nil, field: String, op: FilterOperator, value: JSON) {
        self.doctype = doctype
        self.field = field
        self.op = op
        self.value = value
    }
}

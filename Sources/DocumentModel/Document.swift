import SiteStreamJSON

/// A document: a JSON object with `doctype`, `name`, `docstatus`, its fields and its child
/// tables (arrays of row objects), as stored, logged and sent.
///
/// The wrapper adds typed access to the standard columns; the object itself is `object` and is
/// never copied by reading. Validation against a DocType is `Schema.validate(_:)`.
public struct Document: Sendable, Hashable {
    public var object: JSONObject

    public init(_ object: JSONObject) {
        self.object = object
    }

    /// A new document of `doctype` with `fields` (standard columns may be among them).
    public init(doctype: String, name: String? = nil, _ fields: JSONObject = [:]) {
        var o = JSONObject(minimumCapacity: fields.count + 2)
        o.appendUnchecked(key: "doctype", value: .string(doctype))
        if let name { o.appendUnchecked(key: "name", value: .string(name)) }
        for (k, v) in fields where k != "doctype" && !(name != nil && k == "name") { o[k] = v }
        self.object = o
    }

    /// A document from a JSON value; `nil` when the value is not an object.
    public init?(json: JSON) {
        guard case .object(let o) = json else { return nil }
        self.object = o
    }

    public var json: JSON { .object(object) }

    public var doctype: String {
        get { object["doctype"]?.stringValue ?? "" }
        set { object["doctype"] = .string(newValue) }
    }

    /// The document's name; `nil` before naming.
    public var name: String? {
        get {
            guard let s = object["name"]?.stringValue, !s.isEmpty else { return nil }
            return s
        }
        set { object["name"] = newValue.map(JSON.string) }
    }

    /// 0 draft, 1 submitted, 2 cancelled; a missing value reads as 0.
    public var docstatus: Int {
        get { object["docstatus"]?.intValue.map { Int($0) } ?? 0 }
        set { object["docstatus"] = .int(Int64(newValue)) }
    }

    public var creation: String? {
        get { object["creation"]?.stringValue }
        set { object["creation"] = newValue.map(JSON.string) }
    }

    public var modified: String? {
        get { object["modified"]?.stringValue }
        set { object["modified"] = newValue.map(JSON.string) }
    }

    /// A field or standard column; setting `nil` removes the key.
    public subscript(field: String) -> JSON? {
        get { object[field] }
        set { object[field] = newValue }
    }

    /// The rows of child table `table` (empty when missing, null or not an array of objects).
    public func rows(of table: String) -> [JSONObject] {
        guard case .array(let items)? = object[table] else { return [] }
        return items.compactMap(\.objectValue)
    }

    /// Replaces the rows of `table`.
    public mutating func setRows(_ rows: [JSONObject], of table: String) {
        object[table] = .array(rows.map(JSON.object))
    }
}

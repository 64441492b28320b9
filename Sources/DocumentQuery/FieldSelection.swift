import SiteStreamJSON

/// Which members of a document a list returns: Frappe's `fields` argument.
///
/// `["*"]` means every member except child tables (lists of rows), as Frappe's list
/// queries return the parent table's columns only. A field may be renamed with
/// `"field as alias"`. A named field the document lacks is returned as `null`.
public struct FieldSelection: Sendable, Hashable {
    /// One selected field and the key it is returned under.
    public struct Column: Sendable, Hashable {
        public var field: String
        public var alias: String

        public init(field: String, alias: String? = nil) {
            self.field = field
            self.alias = alias ?? field
        }
    }

    /// The named columns, in order.
    public var columns: [Column]
    /// Whether `*` was given: every member (but child tables) first, then the named columns.
    public var includesAll: Bool

    /// Frappe's default when a list request names no fields: `name` only.
    public static let nameOnly = FieldSelection(columns: [Column(field: "name")], includesAll: false)
    public static let all = FieldSelection(columns: [], includesAll: true)

    public init(columns: [Column], includesAll: Bool) {
        self.columns = columns
        self.includesAll = includesAll
    }

    /// The wire names: `"*"`, `"name"`, `"customer_name as title"`, `` "`name`" ``.
    public var wireNames: [String] {
        (includesAll ? ["*"] : []) + columns.map { $0.alias == $0.field ? $0.field : "\($0.field) as \($0.alias)" }
    }

    /// Reads `fields`: a JSON list of names, or a comma-separated string of them.
    /// - Throws: `QueryError(.fields, …)` naming the entry that is not a field.
    public static func parse(_ wire: JSON?) throws -> FieldSelection {
        guard let wire else { return .nameOnly }
        let names: [String]
        switch try WireValue.decodeEmbeddedJSON(wire, part: .fields) {
        case .null:
            return .nameOnly
        case .array(let items):
            names = try items.enumerated().map { index, item in
                guard let s = item.stringValue else {
                    throw QueryError(.fields, "entry \(index + 1) must be a field name string, found \(WireValue.describe(item))")
                }
                return s
            }
        case .string(let s):
            names = s.split(separator: ",").map(String.init)
        case let other:
            throw QueryError(.fields, "expected a list of field names, found \(WireValue.describe(other))")
        }
        var columns: [Column] = []
        var includesAll = false
        for raw in names {
            let entry = raw.trimmingSpaces()
            if entry == "*" {
                includesAll = true
                continue
            }
            columns.append(try column(entry))
        }
        if columns.isEmpty && !includesAll { return .nameOnly }
        return FieldSelection(columns: columns, includesAll: includesAll)
    }

    private static func column(_ entry: String) throws -> Column {
        let words = entry.split(separator: " ", omittingEmptySubsequences: true)
        let field: Substring
        var alias: Substring? = nil
        switch words.count {
        case 1:
            field = words[0]
        case 3 where words[1].lowercased() == "as":
            field = words[0]
            alias = words[2]
        default:
            throw QueryError(.fields, "\"\(entry)\" is not a field name (expressions and functions are not supported)")
        }
        let name = unquote(field)
        guard FieldName.isValid(name) else {
            throw QueryError(.fields, "\"\(entry)\" is not a field name (expressions and functions are not supported)")
        }
        if let alias {
            let aliasName = unquote(alias)
            guard FieldName.isValid(aliasName) else {
                throw QueryError(.fields, "\"\(entry)\": the alias \"\(alias)\" is not a plain name")
            }
            return Column(field: String(name), alias: String(aliasName))
        }
        return Column(field: String(name))
    }

    private static func unquote(_ s: Substring) -> Substring {
        s.count >= 2 && s.first == "`" && s.last == "`" ? s.dropFirst().dropLast() : s
    }

    /// The selected members of `document`, in selection order (document order for `*`).
    public func project(_ document: JSONObject) -> JSONObject {
        var out = JSONObject(minimumCapacity: includesAll ? document.count : columns.count)
        if includesAll {
            for (key, value) in document where !Self.isChildTable(value) {
                out.appendUnchecked(key: key, value: value)
            }
        }
        for column in columns {
            out[column.alias] = document[column.field] ?? .null
        }
        return out
    }

    /// A list whose elements are all objects: child-table rows.
    static func isChildTable(_ value: JSON) -> Bool {
        guard case .array(let items) = value, !items.isEmpty else { return false }
        return items.allSatisfy { $0.objectValue != nil }
    }
}

import SiteStreamJSON

/// One term of an `order_by`: a field and a direction.
public struct SortKey: Sendable, Hashable {
    public var field: String
    public var ascending: Bool

    public init(field: String, ascending: Bool) {
        self.field = field
        self.ascending = ascending
    }

    /// Reads Frappe's `order_by`: comma-separated terms, each a field name optionally in
    /// backquotes, optionally followed by `asc` or `desc` (any case; ascending when absent).
    ///
    /// In Frappe `order_by` is raw SQL; SiteStream accepts only this list form, which also
    /// means nothing a client sends can reach a query language.
    /// - Throws: `QueryError(.orderBy, …)` quoting the first term that is not of this form.
    public static func parseList(_ text: String) throws -> [SortKey] {
        let trimmed = text.trimmingSpaces()
        if trimmed.isEmpty { return [] }
        return try trimmed.split(separator: ",", omittingEmptySubsequences: false).map { term in
            let words = term.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            guard (1...2).contains(words.count) else {
                throw QueryError(.orderBy, "\"\(term.trimmingSpaces())\" is not a field name followed by asc or desc")
            }
            var field = Substring(words[0])
            if field.count >= 2, field.first == "`", field.last == "`" {
                field = field.dropFirst().dropLast()
            }
            guard FieldName.isValid(field) else {
                throw QueryError(.orderBy, "\"\(term.trimmingSpaces())\" is not a field name followed by asc or desc")
            }
            var ascending = true
            if words.count == 2 {
                switch words[1].lowercased() {
                case "asc": ascending = true
                case "desc": ascending = false
                default:
                    throw QueryError(.orderBy, "\"\(term.trimmingSpaces())\": the direction must be asc or desc, found \"\(words[1])\"")
                }
            }
            return SortKey(field: String(field), ascending: ascending)
        }
    }

    /// Orders two documents by `keys` in turn. Null and missing values sort first when
    /// ascending (as in MariaDB), numbers before text, lists and objects last.
    public static func areInIncreasingOrder(_ a: JSONObject, _ b: JSONObject, by keys: [SortKey]) -> Bool {
        for key in keys {
            let order = rank(a[key.field] ?? .null, b[key.field] ?? .null)
            if order != 0 { return key.ascending ? order < 0 : order > 0 }
        }
        return false
    }

    /// A total order over values: kind first (null < number < text < other), then value.
    static func rank(_ a: JSON, _ b: JSON) -> Int {
        let ka = kind(a)
        let kb = kind(b)
        if ka != kb { return ka < kb ? -1 : 1 }
        if ka == 3 { return 0 }
        // Same kind: numbers numerically, text by code points; both defined by compare().
        return ValueComparison.compare(a, b) ?? 0
    }

    private static func kind(_ value: JSON) -> Int {
        switch value {
        case .null: return 0
        case .bool, .int, .double: return 1
        case .string: return 2
        case .array, .object: return 3
        }
    }
}

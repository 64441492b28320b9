import SiteStreamJSON

extension ListQuery {
    /// Reads a list query from request arguments under Frappe's names: `fields`, `filters`,
    /// `or_filters`, `order_by`, `limit_start`, `limit_page_length` (or its alias `limit`;
    /// `start` and `page_length` are accepted as older clients send them).
    ///
    /// Values may be JSON (from a JSON body) or strings (from a query string or form), where a
    /// string holding JSON text is parsed, and a number may be written as a string.
    /// Unknown arguments are ignored, as Frappe ignores them.
    /// - Throws: `QueryError` naming the argument that is wrong and how.
    public init(arguments: JSONObject, defaultPageLength: Int = ListQuery.defaultPageLength) throws {
        let fields = try FieldSelection.parse(arguments["fields"])
        let filters = try Filter.parseList(arguments["filters"], part: .filters)
        let orFilters = try Filter.parseList(arguments["or_filters"], part: .orFilters)
        var orderBy: [SortKey] = []
        if let order = arguments["order_by"] {
            switch order {
            case .null: break
            case .string(let text): orderBy = try SortKey.parseList(text)
            default:
                throw QueryError(.orderBy, "expected text like \"modified desc, name asc\", found \(WireValue.describe(order))")
            }
        }
        let start = try Self.count(arguments["limit_start"] ?? arguments["start"], part: .limitStart) ?? 0
        let length =
            try Self.count(
                arguments["limit_page_length"] ?? arguments["limit"] ?? arguments["page_length"],
                part: .limitPageLength) ?? defaultPageLength
        self.init(
            fields: fields, filters: filters, orFilters: orFilters, orderBy: orderBy,
            limitStart: start, limitPageLength: length)
    }

    /// A non-negative whole number, from a JSON number or a decimal string; `nil` when absent,
    /// null or an empty string.
    static func count(_ value: JSON?, part: QueryError.Part) throws -> Int? {
        guard let value else { return nil }
        switch value {
        case .null:
            return nil
        case .string(let s) where s.trimmingSpaces().isEmpty:
            return nil
        case .string(let s):
            guard let n = Int(s.trimmingSpaces()), n >= 0 else {
                throw QueryError(part, "expected a whole number of 0 or more, found \(WireValue.describe(value))")
            }
            return n
        default:
            guard let n = value.intValue, n >= 0, n <= Int64(Int32.max) else {
                throw QueryError(part, "expected a whole number of 0 or more, found \(WireValue.describe(value))")
            }
            return Int(n)
        }
    }
}

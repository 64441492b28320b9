/// The comparison a filter makes, spelled on the wire as Frappe spells it.
///
/// Operator names are matched case-insensitively with surrounding spaces ignored, so
/// `"LIKE"`, `" not in "` and `"like"` are all accepted. Frappe's tree operators
/// (`descendants of`, …) and `timespan` are not supported and are refused by name.
public enum FilterOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case greater = ">"
    case less = "<"
    case greaterOrEqual = ">="
    case lessOrEqual = "<="
    case like = "like"
    case notLike = "not like"
    case `in` = "in"
    case notIn = "not in"
    /// `is` with the value `"set"` or `"not set"`.
    case `is` = "is"
    /// `between` with a two-element list `[low, high]`, both ends included.
    case between = "between"

    /// The operator for a wire spelling, or `nil` when SiteStream does not know it.
    /// `"=="` and `"<>"` are accepted as `=` and `!=`, as SQL-minded clients send them.
    public init?(wire: String) {
        let normalized = wire.trimmingSpaces().lowercased()
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        switch normalized {
        case "==": self = .equal
        case "<>": self = .notEqual
        case "=<": self = .lessOrEqual
        case "=>": self = .greaterOrEqual
        default:
            guard let op = FilterOperator(rawValue: normalized) else { return nil }
            self = op
        }
    }

    /// The operators' wire names, for error messages.
    static var supportedList: String {
        allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}

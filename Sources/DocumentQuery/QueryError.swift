/// Why a list query could not be read, naming the part of the request that was wrong.
///
/// ```swift
/// do { _ = try ListQuery(arguments: ["order_by": "modified; drop table"]) }
/// catch let e as QueryError { print(e) }
/// // invalid order_by: "modified; drop table" is not a field name followed by asc or desc
/// ```
public struct QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request argument a query is read from.
    public enum Part: String, Sendable, Equatable {
        case fields
        case filters
        case orFilters = "or_filters"
        case orderBy = "order_by"
        case limitStart = "limit_start"
        case limitPageLength = "limit_page_length"
    }

    /// Which argument was wrong; its wire name is `part.rawValue`.
    public var part: Part
    /// What was wrong with it, for a person: "filter 2: unknown operator \"~\" …".
    public var message: String

    public init(_ part: Part, _ message: String) {
        self.part = part
        self.message = message
    }

    public var description: String { "invalid \(part.rawValue): \(message)" }
}

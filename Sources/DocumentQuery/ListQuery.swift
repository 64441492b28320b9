import SiteStreamJSON

/// A Frappe list query: which documents (`filters` AND-ed, then any of `orFilters`), in
/// which order, which page, and which fields of each.
///
/// Built from the wire with `ListQuery(arguments:)`; evaluated on documents with
/// `matches(_:)`, `sort(_:)`, `project(_:)`, or all of it at once with `apply(to:)`.
///
/// ```swift
/// let q = try ListQuery(arguments: [
///     "fields": #"["name","customer_group"]"#,
///     "filters": #"[["Customer","customer_group","=","Retail"]]"#,
///     "order_by": "modified desc",
/// ])
/// let page = q.apply(to: allCustomers)   // [{"name": …, "customer_group": "Retail"}, …]
/// ```
public struct ListQuery: Sendable, Hashable {
    /// Fields returned for each document (`["name"]` unless the request says otherwise).
    public var fields: FieldSelection
    /// All must match.
    public var filters: [Filter]
    /// When non-empty, at least one must match as well (Frappe's `or_filters`).
    public var orFilters: [Filter]
    /// Sort terms in priority order. Empty means `defaultOrder`. `name` ascending is always
    /// the final tie-break, so equal keys still give a stable, repeatable order across pages.
    public var orderBy: [SortKey]
    /// Documents to skip after sorting.
    public var limitStart: Int
    /// Page size; 0 means no limit (the server applies its own cap).
    public var limitPageLength: Int

    /// Frappe's default order: most recently modified first.
    public static let defaultOrder = [SortKey(field: "modified", ascending: false)]
    /// Frappe's default page length for `/api/resource` and `frappe.client.get_list`.
    public static let defaultPageLength = 20

    public init(
        fields: FieldSelection = .nameOnly,
        filters: [Filter] = [],
        orFilters: [Filter] = [],
        orderBy: [SortKey] = [],
        limitStart: Int = 0,
        limitPageLength: Int = ListQuery.defaultPageLength
    ) {
        self.fields = fields
        self.filters = filters
        self.orFilters = orFilters
        self.orderBy = orderBy
        self.limitStart = limitStart
        self.limitPageLength = limitPageLength
    }

    /// Whether `document` passes every filter and, when there are `orFilters`, one of those.
    public func matches(_ document: JSONObject) -> Bool {
        for filter in filters where !filter.matches(document) { return false }
        if orFilters.isEmpty { return true }
        return orFilters.contains { $0.matches(document) }
    }

    /// The sort terms in effect: `orderBy` (or `defaultOrder`), then `name` ascending.
    public var effectiveOrder: [SortKey] {
        var keys = orderBy.isEmpty ? Self.defaultOrder : orderBy
        if !keys.contains(where: { $0.field == "name" }) {
            keys.append(SortKey(field: "name", ascending: true))
        }
        return keys
    }

    /// `documents` in the query's order.
    public func sort(_ documents: [JSONObject]) -> [JSONObject] {
        let keys = effectiveOrder
        return documents.sorted { SortKey.areInIncreasingOrder($0, $1, by: keys) }
    }

    /// The page `limitStart ..< limitStart + limitPageLength` of already sorted documents,
    /// with `limitPageLength` first lowered to `cap` when a cap is given (0 = up to the cap).
    public func page<C: Collection>(_ sorted: C, cap: Int? = nil) -> C.SubSequence {
        var length = limitPageLength
        if let cap { length = length == 0 ? cap : min(length, cap) }
        let start = sorted.index(sorted.startIndex, offsetBy: limitStart, limitedBy: sorted.endIndex) ?? sorted.endIndex
        guard length > 0 else { return sorted[start...] }
        let end = sorted.index(start, offsetBy: length, limitedBy: sorted.endIndex) ?? sorted.endIndex
        return sorted[start..<end]
    }

    /// The selected fields of one document.
    public func project(_ document: JSONObject) -> JSONObject {
        fields.project(document)
    }

    /// The whole query over a set of documents: filter, sort, page, project.
    /// Holds the matching documents in memory to sort them; a store with an index on the
    /// sort key can do better and only needs `matches` and `project`.
    public func apply(to documents: some Sequence<JSONObject>, cap: Int? = nil) -> [JSONObject] {
        let matching = documents.filter(matches)
        return page(sort(matching), cap: cap).map(project)
    }
}

import SiteStreamJSON

/// The change from one version of a document to the next, in Frappe's update format:
///
/// ```json
/// {"changed": {"grand_total": 120.5, "docstatus": 1},
///  "added": {"items": [{"name": "r21", "item_code": "X", …}]},
///  "removed": {"items": ["r3"]},
///  "row_changed": {"items": [{"name": "r7", "qty": 4}]}}
/// ```
///
/// Only declared data fields are compared (never `name`, `owner`, `creation`, `modified`,
/// `modified_by`, `idx` or the parent columns); the parent's `docstatus` is compared too.
/// Child rows are matched by their `name`. A missing field and a null field are the same value,
/// and `12` equals `12.0`. Build one with `between(_:_:in:)`, fold one in with `apply(to:)`.
public struct DocumentDiff: Sendable {
    /// New values of changed fields of the parent (and `docstatus` when it changed).
    public var changed: JSONObject
    /// Rows that are new, whole, per table in the order they appear in the new version.
    public var added: [TableRows]
    /// Names of rows that are gone, per table.
    public var removed: [TableRowNames]
    /// Rows present in both versions whose fields changed: `name` plus the new values.
    public var rowChanged: [TableRows]

    /// Rows of one child table.
    public struct TableRows: Sendable, Hashable {
        public var table: String
        public var rows: [JSONObject]
        public init(table: String, rows: [JSONObject]) {
            self.table = table
            self.rows = rows
        }
    }

    /// Row names of one child table.
    public struct TableRowNames: Sendable, Hashable {
        public var table: String
        public var names: [String]
        public init(table: String, names: [String]) {
            self.table = table
            self.names = names
        }
    }

    public init(changed: JSONObject = [:], added: [TableRows] = [], removed: [TableRowNames] = [], rowChanged: [TableRows] = []) {
        self.changed = changed
        self.added = added
        self.removed = removed
        self.rowChanged = rowChanged
    }

    /// Nothing changed.
    public var isEmpty: Bool {
        changed.isEmpty && added.allSatisfy { $0.rows.isEmpty } && removed.allSatisfy { $0.names.isEmpty }
            && rowChanged.allSatisfy { $0.rows.isEmpty }
    }

    /// The added rows of `table` (empty if none).
    public func addedRows(of table: String) -> [JSONObject] {
        added.first { $0.table == table }?.rows ?? []
    }

    /// The removed row names of `table` (empty if none).
    public func removedRows(of table: String) -> [String] {
        removed.first { $0.table == table }?.names ?? []
    }

    /// The changed rows of `table` (empty if none).
    public func changedRows(of table: String) -> [JSONObject] {
        rowChanged.first { $0.table == table }?.rows ?? []
    }

    /// Every table the diff touches, in first-seen order.
    public var tables: [String] {
        // No intermediate arrays: `apply` asks for this on every call.
        var seen: [String] = []
        seen.reserveCapacity(added.count + removed.count + rowChanged.count)
        for t in added where !seen.contains(t.table) { seen.append(t.table) }
        for t in removed where !seen.contains(t.table) { seen.append(t.table) }
        for t in rowChanged where !seen.contains(t.table) { seen.append(t.table) }
        return seen
    }
}

extension DocumentDiff: Equatable {
    /// Equal when they change the same fields to the same values and the same rows per table,
    /// regardless of the order of tables (the order of rows within a table counts).
    public static func == (lhs: DocumentDiff, rhs: DocumentDiff) -> Bool {
        guard lhs.changed == rhs.changed else { return false }
        for table in Set(lhs.tables + rhs.tables) {
            guard lhs.addedRows(of: table) == rhs.addedRows(of: table),
                lhs.removedRows(of: table) == rhs.removedRows(of: table),
                lhs.changedRows(of: table) == rhs.changedRows(of: table)
            else { return false }
        }
        return true
    }
}

/// A diff that cannot be read or cannot be applied: names the place (`row_changed.items[2]`)
/// and what is wrong.
public struct DiffError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the diff or the document: `changed.qty`, `added.items[0]`, `items` row `r7`.
    public var path: String
    public var doctype: String?
    public var docname: String?
    public var message: String

    public init(path: String, doctype: String? = nil, docname: String? = nil, message: String) {
        self.path = path
        self.doctype = doctype
        self.docname = docname
        self.message = message
    }

    public var description: String {
        var where_ = ""
        if let doctype { where_ += "\(doctype)" + (docname.map { " '\($0)'" } ?? "") + ", " }
        return "diff \(where_)at \(path): \(message)"
    }
}

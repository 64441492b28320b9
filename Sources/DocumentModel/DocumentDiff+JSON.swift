import SiteStreamJSON

extension DocumentDiff {
    /// The diff in Frappe's wire form, all four sections present:
    /// `{"changed": {…}, "added": {table: [rows]}, "removed": {table: [names]}, "row_changed": {table: [rows]}}`.
    public var json: JSON {
        var added = JSONObject(minimumCapacity: self.added.count)
        for t in self.added { added[t.table] = .array(t.rows.map(JSON.object)) }
        var removed = JSONObject(minimumCapacity: self.removed.count)
        for t in self.removed { removed[t.table] = .array(t.names.map(JSON.string)) }
        var rowChanged = JSONObject(minimumCapacity: self.rowChanged.count)
        for t in self.rowChanged { rowChanged[t.table] = .array(t.rows.map(JSON.object)) }
        var o = JSONObject(minimumCapacity: 4)
        o.appendUnchecked(key: "changed", value: .object(changed))
        o.appendUnchecked(key: "added", value: .object(added))
        o.appendUnchecked(key: "removed", value: .object(removed))
        o.appendUnchecked(key: "row_changed", value: .object(rowChanged))
        return .object(o)
    }

    /// The sections a diff may have.
    public static let sectionNames: [String] = ["changed", "added", "removed", "row_changed"]

    /// Reads a diff in wire form (e.g. the `data` of a logged Update). Missing sections are
    /// empty. Refused, with the path of the first problem: a non-object, an unknown section,
    /// a `changed` that sets a standard column (`docstatus` 0/1/2 aside), rows that are not
    /// objects or have no `name`, removed names that are not strings.
    public init(json: JSON) throws(DiffError) {
        guard case .object(let root) = json else {
            throw DiffError(path: "$", message: "a diff must be a JSON object, found \(json.briefDescription)")
        }
        for key in root.keys where !DocumentDiff.sectionNames.contains(key) {
            throw DiffError(path: key, message: "unknown section '\(key)'; a diff has only \(DocumentDiff.sectionNames.joined(separator: ", "))")
        }
        func section(_ name: String) throws(DiffError) -> JSONObject {
            switch root[name] {
            case nil, .null?: return [:]
            case .object(let o)?: return o
            case let other?: throw DiffError(path: name, message: "must be an object of fields or tables, found \(other.briefDescription)")
            }
        }
        func rowsArray(_ path: String, _ value: JSON) throws(DiffError) -> [JSON] {
            guard case .array(let items) = value else {
                throw DiffError(path: path, message: "must be an array of rows, found \(value.briefDescription)")
            }
            return items
        }
        let changed = try section("changed")
        for (key, value) in changed {
            if key == "docstatus" {
                guard let n = value.intValue, (0...2).contains(n) else {
                    throw DiffError(path: "changed.docstatus", message: "must be 0, 1 or 2, found \(value.briefDescription)")
                }
            } else if StandardColumns.core.contains(key) {
                throw DiffError(path: "changed.\(key)", message: "'\(key)' is a standard column; a diff cannot change it")
            }
        }
        var added: [TableRows] = []
        for (table, value) in try section("added") {
            var rows: [JSONObject] = []
            for (i, item) in try rowsArray("added.\(table)", value).enumerated() {
                guard case .object(let row) = item else {
                    throw DiffError(path: "added.\(table)[\(i)]", message: "a row must be an object, found \(item.briefDescription)")
                }
                guard DiffBuilder.rowName(row) != nil else {
                    throw DiffError(path: "added.\(table)[\(i)]", message: "an added row needs a non-empty 'name'")
                }
                rows.append(row)
            }
            added.append(TableRows(table: table, rows: rows))
        }
        var removed: [TableRowNames] = []
        for (table, value) in try section("removed") {
            var names: [String] = []
            for (i, item) in try rowsArray("removed.\(table)", value).enumerated() {
                guard case .string(let name) = item, !name.isEmpty else {
                    throw DiffError(path: "removed.\(table)[\(i)]", message: "must be a row name (a non-empty string), found \(item.briefDescription)")
                }
                names.append(name)
            }
            removed.append(TableRowNames(table: table, names: names))
        }
        var rowChanged: [TableRows] = []
        for (table, value) in try section("row_changed") {
            var rows: [JSONObject] = []
            for (i, item) in try rowsArray("row_changed.\(table)", value).enumerated() {
                guard case .object(let row) = item else {
                    throw DiffError(path: "row_changed.\(table)[\(i)]", message: "a changed row must be an object, found \(item.briefDescription)")
                }
                guard DiffBuilder.rowName(row) != nil else {
                    throw DiffError(path: "row_changed.\(table)[\(i)]", message: "a changed row needs the 'name' of the row it changes")
                }
                for key in row.keys where key != "name" && StandardColumns.core.contains(key) {
                    throw DiffError(path: "row_changed.\(table)[\(i)].\(key)", message: "'\(key)' is a standard column; a diff cannot change it")
                }
                rows.append(row)
            }
            rowChanged.append(TableRows(table: table, rows: rows))
        }
        self.init(changed: changed, added: added, removed: removed, rowChanged: rowChanged)
    }
}

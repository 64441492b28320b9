import SiteStreamJSON

extension DocumentDiff {
    /// `document` with this diff folded in.
    ///
    /// - `changed` values are set (a null value is set as null).
    /// - Rows named in `removed` are dropped (a name already gone is fine).
    /// - Rows in `row_changed` get the new values; a row that is not there is an error, since
    ///   the document then is not the version the diff was made from.
    /// - `added` rows are appended in order; a row whose name is already present replaces that
    ///   row in place, so applying a diff twice equals applying it once. Added rows get the
    ///   document's `name`, `doctype` and the table as `parent`, `parenttype`, `parentfield`.
    /// - Row order: surviving rows keep their order, added rows follow. Where rows were added
    ///   or removed, `idx` is renumbered 1…n in that order; elsewhere `idx` is left alone. A
    ///   reordering of existing rows is not part of Frappe's diff format and is not carried.
    public func apply(to document: Document) throws(DiffError) -> Document {
        var copy = document
        try apply(to: &copy)
        return copy
    }

    /// Folds this diff into `document` in place (see `apply(to:)`); on error `document` is
    /// left unchanged.
    public func apply(to document: inout Document) throws(DiffError) {
        // Check before touching anything so a failure leaves the document as it was.
        for entry in rowChanged {
            let present = document.object[entry.table]
            if let present, !present.isNull, present.arrayValue == nil {
                throw DiffError(path: "row_changed.\(entry.table)", doctype: document.doctype, docname: document.name,
                                message: "'\(entry.table)' is not a table in the document (found \(present.briefDescription))")
            }
            let rows = present?.arrayValue ?? []
            let removedHere = removedRows(of: entry.table)
            for change in entry.rows {
                let name = change["name"]?.stringValue ?? ""
                if removedHere.contains(name) { continue }
                let found = rows.contains { $0.objectValue.flatMap(DiffBuilder.rowName) == name }
                    || addedRows(of: entry.table).contains { DiffBuilder.rowName($0) == name }
                if !found {
                    throw DiffError(path: "row_changed.\(entry.table)", doctype: document.doctype, docname: document.name,
                                    message: "row '\(name)' of table '\(entry.table)' is not in the document; the diff was made from another version")
                }
            }
        }
        for t in added.map(\.table) + removed.map(\.table) {
            if let present = document.object[t], !present.isNull, present.arrayValue == nil {
                throw DiffError(path: "added.\(t)", doctype: document.doctype, docname: document.name,
                                message: "'\(t)' is not a table in the document (found \(present.briefDescription))")
            }
        }

        for (key, value) in changed {
            document.object[key] = value
        }
        let parentName = document.name
        let parentType = document.doctype
        for table in tables {
            // Take the rows out so they are uniquely referenced while edited.
            var rows = document.object[table]?.arrayValue ?? []
            document.object[table] = .null
            let removedNames = removedRows(of: table)
            let addedRows = addedRows(of: table)
            var renumber = false
            if !removedNames.isEmpty {
                let before = rows.count
                rows.removeAll { row in
                    guard let name = row.objectValue.flatMap(DiffBuilder.rowName) else { return false }
                    return removedNames.contains(name)
                }
                renumber = renumber || rows.count != before
            }
            for change in changedRows(of: table) {
                guard let name = change["name"]?.stringValue,
                    let i = rows.firstIndex(where: { $0.objectValue.flatMap(DiffBuilder.rowName) == name }),
                    case .object(var row) = rows[i]
                else { continue }  // a removed row (or one added below, which carries its values)
                rows[i] = .null
                for (k, v) in change where k != "name" { row[k] = v }
                rows[i] = .object(row)
            }
            for var row in addedRows {
                if let parentName, row["parent"]?.stringValue != parentName { row["parent"] = .string(parentName) }
                if row["parenttype"]?.stringValue != parentType { row["parenttype"] = .string(parentType) }
                if row["parentfield"]?.stringValue != table { row["parentfield"] = .string(table) }
                let name = DiffBuilder.rowName(row)
                if let name, let i = rows.firstIndex(where: { $0.objectValue.flatMap(DiffBuilder.rowName) == name }) {
                    rows[i] = .object(row)
                } else {
                    rows.append(.object(row))
                }
                renumber = true
            }
            if renumber {
                for i in rows.indices {
                    guard case .object(var row) = rows[i] else { continue }
                    if row["idx"]?.intValue != Int64(i + 1) {
                        rows[i] = .null
                        row["idx"] = .int(Int64(i + 1))
                        rows[i] = .object(row)
                    }
                }
            }
            document.object[table] = .array(rows)
        }
    }
}

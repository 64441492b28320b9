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
    /// - Row order and `idx`: surviving rows keep their order and added rows follow. When rows
    ///   were removed, `idx` is renumbered 1…n in that order; otherwise existing rows keep their
    ///   `idx` and each added row gets its position. A reordering of existing rows is not part
    ///   of Frappe's diff format and is not carried.
    public func apply(to document: Document) throws(DiffError) -> Document {
        var copy = document
        try apply(to: &copy)
        return copy
    }

    /// Folds this diff into `document` in place (see `apply(to:)`); on error `document` is
    /// left unchanged.
    public func apply(to document: inout Document) throws(DiffError) {
        // Work out every table first: a failure must leave the document as it was. Then edit
        // the document's object in place (no second reference to it, so a document nobody
        // else holds is not copied).
        var updates: [(table: String, rows: [JSON])] = []
        if !(added.isEmpty && removed.isEmpty && rowChanged.isEmpty) {
            let parentName = document.name
            let parentType = document.doctype
            for table in tables {
                let rows = try updatedRows(of: table, in: document.object, parentName: parentName, parentType: parentType,
                                           docname: parentName)
                updates.append((table, rows))
            }
        }
        for (key, value) in changed { document.object[key] = value }
        for update in updates { document.object[update.table] = .array(update.rows) }
    }

    /// Where the row named `name` is: its index in `names`, the names of the rows in order.
    /// Names compare by their UTF-8 bytes, as the diff builder matches rows (and as Frappe's
    /// Python compares them); identical bits (a short name, or the same storage) settle most
    /// comparisons without reading the bytes.
    @inline(__always)
    private static func position(of name: String, in names: [String?]) -> Int? {
        for k in names.indices {
            guard let candidate = names[k] else { continue }
            if ValueEquality.identicalBits(candidate, name) || ValueEquality.sameUTF8(candidate, name) { return k }
        }
        return nil
    }

    /// The rows of `table` after this diff.
    ///
    /// The row names are read once into `names` (row names are short, so this copies no
    /// storage), and the result is built in one array reserved at its final size: looking rows
    /// up by copying each row out of the array, and growing the array for an added row, were
    /// most of what an apply cost.
    private func updatedRows(of table: String, in object: JSONObject, parentName: String?, parentType: String,
                             docname: String?) throws(DiffError) -> [JSON] {
        let existing: [JSON]
        switch object[table] {
        case nil, .null?: existing = []
        case .array(let a)?: existing = a
        case let other?:
            throw DiffError(path: table, doctype: parentType, docname: docname,
                            message: "'\(table)' is not a table in the document (found \(other.briefDescription))")
        }
        let removedNames = removedRows(of: table)
        let addedRows = addedRows(of: table)
        var rows: [JSON] = []
        rows.reserveCapacity(existing.count + addedRows.count)
        var names: [String?] = []
        names.reserveCapacity(existing.count + addedRows.count)
        for row in existing {
            let name = DiffBuilder.rowName(of: row)
            if let name, !removedNames.isEmpty, removedNames.contains(where: { ValueEquality.sameUTF8($0, name) }) { continue }
            rows.append(row)
            names.append(name)
        }
        let renumberAll = rows.count != existing.count
        for change in changedRows(of: table) {
            guard let name = DiffBuilder.rowName(change) else { continue }
            guard let k = Self.position(of: name, in: names) else {
                if removedNames.contains(where: { ValueEquality.sameUTF8($0, name) })
                    || addedRows.contains(where: { DiffBuilder.rowName($0).map { ValueEquality.sameUTF8($0, name) } ?? false })
                {
                    continue
                }
                throw DiffError(path: "row_changed.\(table)", doctype: parentType, docname: docname,
                                message: "row '\(name)' of table '\(table)' is not in the document; the diff was made from another version")
            }
            guard case .object(var row) = rows[k] else { continue }
            rows[k] = .null  // so the row below is edited without another copy
            for (key, value) in change where key != "name" { row[key] = value }
            rows[k] = .object(row)
        }
        for var row in addedRows {
            if let parentName, row["parent"]?.stringValue != parentName { row["parent"] = .string(parentName) }
            if row["parenttype"]?.stringValue != parentType { row["parenttype"] = .string(parentType) }
            if row["parentfield"]?.stringValue != table { row["parentfield"] = .string(table) }
            let name = DiffBuilder.rowName(row)
            let position: Int
            if let name, let k = Self.position(of: name, in: names) {
                position = k
            } else {
                position = rows.count
                rows.append(.null)
                names.append(name)
            }
            if !renumberAll, row["idx"]?.intValue != Int64(position + 1) { row["idx"] = .int(Int64(position + 1)) }
            rows[position] = .object(row)
        }
        if renumberAll {
            for k in rows.indices {
                guard case .object(var row) = rows[k] else { continue }
                if row["idx"]?.intValue != Int64(k + 1) {
                    rows[k] = .null
                    row["idx"] = .int(Int64(k + 1))
                    rows[k] = .object(row)
                }
            }
        }
        return rows
    }
}

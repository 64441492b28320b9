import SiteStreamJSON

extension DocumentDiff {
    /// The diff that turns `old` into `new`, both documents of the same DocType from `schema`.
    /// Throws when the DocType is not installed or the two are not the same document type.
    public static func between(_ old: Document, _ new: Document, in schema: Schema) throws(DiffError) -> DocumentDiff {
        let name = new.doctype
        guard let plan = schema.diffPlan(named: name) else {
            throw DiffError(path: "doctype", doctype: name, docname: new.name, message: "DocType '\(name)' is not installed")
        }
        guard old.doctype == name else {
            throw DiffError(path: "doctype", doctype: name, docname: new.name,
                            message: "the old version is a '\(old.doctype)', the new one a '\(name)'")
        }
        var builder = DiffBuilder()
        builder.compareParent(old.object, new.object, plan: plan)
        return builder.diff
    }

    /// The diff that turns `old` into `new` under `doctype`; child DocTypes come from `schema`
    /// (rows of a table whose DocType is missing are compared on every non-standard key).
    ///
    /// Each key of both documents is looked at once; keys the DocType does not declare are
    /// ignored, as are the standard columns.
    public static func between(_ old: Document, _ new: Document, doctype: DocType, schema: Schema) -> DocumentDiff {
        var builder = DiffBuilder()
        builder.compareParent(old.object, new.object, plan: schema.diffPlan(for: doctype))
        return builder.diff
    }
}

/// Accumulates one diff. A struct on the stack: no allocation unless something changed.
struct DiffBuilder {
    var diff = DocumentDiff()

    mutating func compareParent(_ old: JSONObject, _ new: JSONObject, plan: DiffPlan) {
        JSONObject.visitDifferences(old, new, isCompared: { plan.kinds[$0] != nil }) { key, oldValue, newValue in
            if key == "docstatus" {
                let o = oldValue?.intValue ?? 0
                let n = newValue?.intValue ?? 0
                if o != n { diff.changed.appendUnchecked(key: key, value: .int(n)) }
                return
            }
            guard let kind = plan.kinds[key] else { return }
            switch kind {
            case .value:
                if !ValueEquality.equal(oldValue, newValue) {
                    // One allocation for the usual handful of changes rather than regrowing.
                    if diff.changed.isEmpty { diff.changed = JSONObject(minimumCapacity: 8) }
                    diff.changed.appendUnchecked(key: key, value: newValue ?? .null)
                }
            case .table(let child):
                compareTable(key, oldValue, newValue, child: child)
            }
        }
    }

    private mutating func compareTable(_ table: String, _ oldValue: JSON?, _ newValue: JSON?, child: DiffPlan?) {
        let oldRows = oldValue?.arrayValue ?? []
        let newRows = newValue?.arrayValue ?? []
        var added: [JSONObject] = []
        var removed: [String] = []
        var changed: [JSONObject] = []
        let common = min(oldRows.count, newRows.count)
        var i = 0
        // Fast path: rows in the same order. A row held in the same storage in both versions
        // (an unchanged row of an edited copy) is skipped without looking inside.
        oldRows.withUnsafeBufferPointer { op in
            newRows.withUnsafeBufferPointer { np in
                while i < common {
                    if ValueEquality.identicalBits(op.baseAddress! + i, np.baseAddress! + i) {
                        i += 1
                        continue
                    }
                    guard case .object(let o) = op[i], case .object(let n) = np[i],
                        let name = DiffBuilder.rowName(n), let oldName = DiffBuilder.rowName(o),
                        ValueEquality.sameUTF8(oldName, name)
                    else { break }
                    if let rc = DiffBuilder.compareRow(o, n, name: name, child: child) { changed.append(rc) }
                    i += 1
                }
            }
        }
        if i < oldRows.count || i < newRows.count {
            // Rows added, removed or reordered after position i: match the rest by name.
            // Names match by their UTF-8 bytes, as in the fast path above and in `apply`.
            let oldTail = Array(oldRows[i...])
            var oldNames: [String?] = oldTail.map { $0.objectValue.flatMap(DiffBuilder.rowName) }
            var byName: [[UInt8]: Int]? = nil
            if oldTail.count > 16 {
                var map: [[UInt8]: Int] = [:]
                for (k, n) in oldNames.enumerated() { if let n, map[Array(n.utf8)] == nil { map[Array(n.utf8)] = k } }
                byName = map
            }
            for j in i..<newRows.count {
                guard case .object(let n) = newRows[j] else { continue }
                let name = DiffBuilder.rowName(n)
                let k: Int? = name.flatMap { name in
                    byName.map { $0[Array(name.utf8)] }
                        ?? oldNames.firstIndex { $0.map { ValueEquality.sameUTF8($0, name) } ?? false }
                }
                if let k, let name, case .object(let o) = oldTail[k], oldNames[k] != nil {
                    oldNames[k] = nil  // matched
                    byName?[Array(name.utf8)] = nil
                    if let rc = DiffBuilder.compareRow(o, n, name: name, child: child) { changed.append(rc) }
                } else {
                    added.append(n)
                }
            }
            for case let name? in oldNames { removed.append(name) }
        }
        if !added.isEmpty { diff.added.append(.init(table: table, rows: added)) }
        if !removed.isEmpty { diff.removed.append(.init(table: table, names: removed)) }
        if !changed.isEmpty { diff.rowChanged.append(.init(table: table, rows: changed)) }
    }

    /// The changed fields of one row with `name` first, or nil when nothing changed.
    private static func compareRow(_ old: JSONObject, _ new: JSONObject, name: String, child: DiffPlan?) -> JSONObject? {
        var out: JSONObject? = nil
        JSONObject.visitDifferences(old, new, isCompared: { child?.kinds[$0] != nil || (child == nil && !StandardColumns.isStandard($0)) }) {
            key, oldValue, newValue in
            if let child {
                guard child.kinds[key] != nil else { return }
            } else if StandardColumns.isStandard(key) {
                return
            }
            guard !ValueEquality.equal(oldValue, newValue) else { return }
            if out == nil {
                var o = JSONObject(minimumCapacity: 4)
                o.appendUnchecked(key: "name", value: .string(name))
                out = o
            }
            out!.appendUnchecked(key: key, value: newValue ?? .null)
        }
        return out
    }

    /// The `name` of a row held as a JSON value.
    @inline(__always)
    static func rowName(of value: JSON) -> String? {
        guard case .object(let row) = value else { return nil }
        return rowName(row)
    }

    /// A row's `name`, found by a scan that usually stops at the first key.
    @inline(__always)
    static func rowName(_ row: JSONObject) -> String? {
        let keys = row.keys
        for i in keys.indices where keys[i] == "name" {
            guard case .string(let s) = row.values[i], !s.isEmpty else { return nil }
            return s
        }
        return nil
    }
}

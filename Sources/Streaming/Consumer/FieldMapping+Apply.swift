import DocumentModel
import SiteStreamJSON

/// A linked document a `Document` mapping row needs: the producer's document of the nested
/// mapping's remote DocType, to be mapped and found (or created) locally.
struct MappedLink: Sendable {
    /// The local field to set to the local document's name.
    var localField: String
    var mapping: FieldMapping
    var remoteName: String
    /// Further filters the fetched document must satisfy (field → value).
    var checks: [(field: String, value: JSON)]
}

extension FieldMapping {
    /// The local document for a producer's whole document (a Create, a grant, a fetched
    /// current version), and the linked documents its `Document` rows need.
    func map(_ remote: Document, schema: Schema) throws -> (Document, [MappedLink]) {
        var mapped = Document(doctype: localDoctype, name: remote.name)
        guard let local = schema[localDoctype] else { return (mapped, []) }
        for (key, value) in remote.object where byRemote[key] == nil && !claimedLocal.contains(key) {
            guard let field = local.field(named: key) else { continue }
            if field.fieldtype.isTable {
                mapped[key] = .array(try passThroughRows(value.arrayValue ?? [], table: key, field: field, schema: schema).map(JSON.object))
            } else {
                mapped[key] = value
            }
        }
        var links: [MappedLink] = []
        for field in fields {
            let value = field.remote.flatMap { remote[$0] }.flatMap { $0.isNull ? nil : $0 }
            switch field.kind {
            case .plain:
                if let value { mapped[field.local] = value } else if let d = field.defaultValue { mapped[field.local] = .string(d) }
            case .childTable(let rows):
                let remoteRows = field.remote.map { remote.rows(of: $0) } ?? []
                mapped[field.local] = .array(remoteRows.map { .object(rows.mapping.mapRow($0, schema: schema, defaults: true)) })
            case .document(let target, let filters):
                if let d = field.defaultValue {
                    mapped[field.local] = .string(d)
                } else if let value {
                    mapped[field.local] = value
                    links.append(try link(field, target.mapping, filters, in: remote.object))
                }
            }
        }
        if let docstatus = remote.object["docstatus"] { mapped["docstatus"] = docstatus }
        return (mapped, links)
    }

    /// One child row mapped (`name` and `idx` kept, `doctype` the local child DocType); row
    /// defaults apply to new rows only.
    func mapRow(_ row: JSONObject, schema: Schema, defaults: Bool) -> JSONObject {
        var out = JSONObject()
        for key in ["name", "idx"] { if let v = row[key] { out[key] = v } }
        out["doctype"] = .string(localDoctype)
        let local = schema[localDoctype]
        for (key, value) in row where byRemote[key] == nil && !claimedLocal.contains(key) && local?.field(named: key) != nil {
            out[key] = value
        }
        for field in fields {
            if let remote = field.remote, let value = row[remote], !value.isNull {
                out[field.local] = value
            } else if defaults, let d = field.defaultValue {
                out[field.local] = .string(d)
            } else if let remote = field.remote, row[remote] != nil {
                out[field.local] = .null
            }
        }
        return out
    }

    /// The local change for a producer's diff: `changed` renamed (defaults are not applied,
    /// as in Frappe), `added`, `removed` and `row_changed` moved to the local tables with their
    /// rows mapped; fields and tables the local DocType lacks dropped.
    func map(_ diff: DocumentDiff, schema: Schema) throws -> (DocumentDiff, [MappedLink]) {
        let local = schema[localDoctype]
        var changed = JSONObject()
        var links: [MappedLink] = []
        for (key, value) in diff.changed {
            if let field = byRemote[key] {
                switch field.kind {
                case .plain: changed[field.local] = value
                case .childTable: continue
                case .document(let target, let filters):
                    guard field.defaultValue == nil else { continue }
                    changed[field.local] = value
                    if let name = value.stringValue, !name.isEmpty {
                        links.append(try link(field, target.mapping, filters, in: diff.changed))
                    }
                }
            } else if key == "docstatus" {
                changed[key] = value
            } else if !claimedLocal.contains(key), let field = local?.field(named: key), !field.fieldtype.isTable {
                changed[key] = value
            }
        }
        func rows(_ tables: [DocumentDiff.TableRows], defaults: Bool) throws -> [DocumentDiff.TableRows] {
            try tables.compactMap { t in
                if let field = byRemote[t.table], case .childTable(let inner) = field.kind {
                    return DocumentDiff.TableRows(table: field.local, rows: t.rows.map { inner.mapping.mapRow($0, schema: schema, defaults: defaults) })
                }
                guard !claimedLocal.contains(t.table), let field = local?.field(named: t.table), field.fieldtype.isTable else { return nil }
                return DocumentDiff.TableRows(table: t.table, rows: try passThroughRows(t.rows.map(JSON.object), table: t.table, field: field, schema: schema))
            }
        }
        let removed: [DocumentDiff.TableRowNames] = diff.removed.compactMap { t in
            if let field = byRemote[t.table], case .childTable = field.kind { return DocumentDiff.TableRowNames(table: field.local, names: t.names) }
            guard !claimedLocal.contains(t.table), local?.field(named: t.table)?.fieldtype.isTable == true else { return nil }
            return t
        }
        let mapped = DocumentDiff(changed: changed, added: try rows(diff.added, defaults: true), removed: removed,
                                  rowChanged: try rows(diff.rowChanged, defaults: false))
        return (mapped, links)
    }

    /// Rows of a remote table no row maps, for the local table of the same name: only when
    /// they are rows of the local table's child DocType; otherwise the mapping cannot apply.
    func passThroughRows(_ rows: [JSON], table: String, field: DocField, schema: Schema) throws -> [JSONObject] {
        let child = schema.childDocType(of: field)?.name ?? field.options ?? ""
        return try rows.map { row in
            var row = row.objectValue ?? [:]
            if let doctype = row["doctype"]?.stringValue, doctype != child {
                throw StreamError(.invalidRequest, "mapping \(name): the remote table '\(table)' holds \(doctype) rows and no Child Table row maps them to \(child); add a Child Table mapping for '\(table)'",
                                  doctype: localDoctype)
            }
            row["doctype"] = .string(child)
            return row
        }
    }

    /// The link a `Document` row asks for, its filters resolved against the remote values:
    /// a filter value naming a remote field takes that field's value, anything else is literal.
    func link(_ field: Field, _ target: FieldMapping, _ filters: [(field: String, value: String)], in remote: JSONObject) throws -> MappedLink {
        func resolve(_ value: String) -> JSON {
            if let v = remote[value], !v.isNull { return v }
            return .string(value)
        }
        guard let nameFilter = filters.first(where: { $0.field == "name" }), let name = resolve(nameFilter.value).stringValue else {
            throw StreamError(.invalidRequest, "mapping \(self.name): the Document mapping of '\(field.local)' does not resolve to a document name",
                              doctype: localDoctype)
        }
        return MappedLink(localField: field.local, mapping: target, remoteName: name,
                          checks: filters.filter { $0.field != "name" }.map { ($0.field, resolve($0.value)) })
    }
}

import DocumentModel
import Site
import SiteStreamJSON

/// A consumer's `Document Type Mapping` (Frappe's): documents of the producer's DocType are
/// replayed as documents of a local one, fields renamed (`remote_fieldname` → `local_fieldname`)
/// or filled with a default; fields the local DocType lacks are left out.
///
/// Supported: plain field mappings. Mappings of type `Document` or `Child Table` (Frappe's
/// inner mappings) are refused with a clear error, which fails the record's replay.
struct FieldMapping {
    struct Field {
        var local: String
        var remote: String?
        var defaultValue: String?
    }

    let name: String
    let localDoctype: String
    let remoteDoctype: String
    let fields: [Field]

    init(site: Site, name: String) throws {
        guard let document = try site.get(SystemDocTypes.documentTypeMapping, name) else {
            throw StreamError(.notFound, "Document Type Mapping \(name) does not exist on \(site.identity.name)")
        }
        self.name = name
        localDoctype = document["local_doctype"]?.stringValue ?? ""
        remoteDoctype = document["remote_doctype"]?.stringValue ?? ""
        guard site.schema[localDoctype] != nil else {
            throw StreamError(.invalidRequest, "mapping \(name): local DocType '\(localDoctype)' is not installed")
        }
        fields = try document.rows(of: "field_mapping").map { row in
            if let kind = row["mapping_type"]?.stringValue, !kind.isEmpty {
                throw StreamError(.invalidRequest, "mapping \(name): field '\(row["local_fieldname"]?.stringValue ?? "?")' uses a '\(kind)' mapping, which this version does not apply yet")
            }
            return Field(local: row["local_fieldname"]?.stringValue ?? "",
                         remote: row["remote_fieldname"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                         defaultValue: row["default_value"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
        }
    }

    /// The local document for a producer's whole document.
    func map(_ remote: Document, schema: Schema) -> Document {
        var mapped = Document(doctype: localDoctype, name: remote.name)
        let mappedSources = Set(fields.compactMap(\.remote))
        if let local = schema[localDoctype] {
            for (key, value) in remote.object where !mappedSources.contains(key) && local.field(named: key) != nil {
                if let field = local.field(named: key), field.fieldtype.isTable { continue }
                mapped[key] = value
            }
        }
        for field in fields {
            if let remoteField = field.remote, let value = remote[remoteField], !value.isNull {
                mapped[field.local] = value
            } else if let value = field.defaultValue {
                mapped[field.local] = .string(value)
            }
        }
        if let docstatus = remote.object["docstatus"] { mapped["docstatus"] = docstatus }
        return mapped
    }

    /// The local change for a producer's diff: changed fields renamed, those the local DocType
    /// lacks dropped; child-table changes are not mapped.
    func map(_ diff: DocumentDiff, schema: Schema) -> DocumentDiff {
        var changed = JSONObject()
        let local = schema[localDoctype]
        for (key, value) in diff.changed {
            if let field = fields.first(where: { $0.remote == key }) {
                changed[field.local] = value
            } else if key == "docstatus" || (local?.field(named: key) != nil && !fields.contains { $0.local == key }) {
                changed[key] = value
            }
        }
        return DocumentDiff(changed: changed)
    }
}

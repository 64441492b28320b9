import DocumentModel
import Site
import SiteStreamJSON

/// A consumer's `Document Type Mapping` (Frappe's), loaded and checked against this site's
/// schema: documents of the producer's `remote_doctype` are replayed as `local_doctype`
/// documents. Each `Document Type Field Mapping` row names a local field and either
///
/// - a remote field to copy (`remote_fieldname`), or a `default_value` used when the remote
///   value is empty (on Creates only, as in Frappe);
/// - `mapping_type` **Child Table**: the remote table's rows become rows of the local table
///   through the nested `mapping` (whose local DocType must be the local table's child DocType);
/// - `mapping_type` **Document**: the remote field is a link; the linked producer document is
///   fetched (`remote_value_filters`, a JSON object of remote field → value or field name of the
///   mapped document, defaulting to `{"name": <remote_fieldname>}`), mapped through the nested
///   `mapping`, found locally by its mapped name or inserted, and the local field set to it.
///
/// Fields no row mentions pass through when the local DocType has them; a remote table no row
/// maps passes through only into a local table of the same child DocType. Everything checkable
/// without the remote document is checked when the mapping is loaded (`check`), so a bad
/// mapping is refused when the subscription is saved; what only a document shows (a table
/// nothing maps) fails that document's replay, which parks it.
struct FieldMapping: Sendable {
    enum Kind: Sendable {
        case plain
        case childTable(Box)
        case document(Box, filters: [(field: String, value: String)])
    }

    /// Nested mappings are values of the same type.
    final class Box: Sendable {
        let mapping: FieldMapping
        init(_ mapping: FieldMapping) { self.mapping = mapping }
    }

    struct Field: Sendable {
        var local: String
        var remote: String?
        var defaultValue: String?
        var kind: Kind
    }

    static let maxNesting = 4

    let name: String
    let localDoctype: String
    let remoteDoctype: String
    let fields: [Field]
    /// Local field names some row sets: the remote's fields of those names do not pass through.
    let claimedLocal: Set<String>
    let byRemote: [String: Field]

    /// Loads and checks the mapping `name`; throws `.notFound` or `.invalidRequest` naming the
    /// mapping, the row and what is wrong.
    init(site: Site, name: String) throws {
        try self.init(named: name, schema: site.schema, siteName: site.identity.name) { try site.get(SystemDocTypes.documentTypeMapping, $0) }
    }

    /// Loads the mapping `name` through `lookup` (which finds `Document Type Mapping`
    /// documents by name: the site's, or a transaction's view of them) and checks it.
    init(named name: String, schema: Schema, siteName: String, depth: Int = 0, forChildRows: Bool = false,
         lookup: (String) throws -> Document?) throws {
        guard depth <= Self.maxNesting else {
            throw StreamError(.invalidRequest, "mapping \(name): mappings nest more than \(Self.maxNesting) deep (a cycle?)")
        }
        guard let document = try lookup(name) else {
            throw StreamError(.notFound, "Document Type Mapping \(name) does not exist on \(siteName)")
        }
        try self.init(document: document, schema: schema, siteName: siteName, depth: depth, forChildRows: forChildRows, lookup: lookup)
    }

    /// Checks the mapping `document` (its nested mappings found through `lookup`).
    init(document: Document, schema: Schema, siteName: String, depth: Int = 0, forChildRows: Bool = false,
         lookup: (String) throws -> Document?) throws {
        let name = document.name ?? ""
        self.name = name
        let localDoctype = document["local_doctype"]?.stringValue ?? ""
        self.localDoctype = localDoctype
        remoteDoctype = document["remote_doctype"]?.stringValue ?? ""
        guard let local = schema[localDoctype] else {
            throw StreamError(.invalidRequest, "mapping \(name): local DocType '\(localDoctype)' is not installed", doctype: localDoctype)
        }
        func fail(_ row: Int, _ message: String) -> StreamError {
            StreamError(.invalidRequest, "mapping \(name), row \(row): \(message)", doctype: localDoctype)
        }
        var fields: [Field] = []
        for (i, row) in document.rows(of: "field_mapping").enumerated() {
            let n = i + 1
            let localName = row["local_fieldname"]?.stringValue ?? ""
            let remote = row["remote_fieldname"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            let defaultValue = row["default_value"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            guard !localName.isEmpty else { throw fail(n, "local_fieldname is empty") }
            guard let field = local.field(named: localName) else {
                throw fail(n, "'\(localName)' is not a field of \(localDoctype)")
            }
            let kind = row["mapping_type"]?.stringValue ?? ""
            let inner = row["mapping"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            switch kind {
            case "":
                guard remote != nil || defaultValue != nil else { throw fail(n, "'\(localName)' needs a remote_fieldname or a default_value") }
                if field.fieldtype.isTable, remote != nil {
                    throw fail(n, "'\(localName)' is a table: map it with mapping_type Child Table and a mapping for its rows")
                }
                fields.append(Field(local: localName, remote: remote, defaultValue: defaultValue, kind: .plain))
            case "Child Table":
                guard !forChildRows else { throw fail(n, "a Child Table mapping inside a child row mapping is not supported") }
                guard field.fieldtype.isTable, let child = schema.childDocType(of: field) else {
                    throw fail(n, "'\(localName)' is not a table of \(localDoctype), so it cannot take a Child Table mapping")
                }
                guard let remote else { throw fail(n, "a Child Table mapping needs the remote table's name in remote_fieldname") }
                guard let inner else { throw fail(n, "a Child Table mapping needs the mapping for its rows") }
                let rows = try FieldMapping(named: inner, schema: schema, siteName: siteName, depth: depth + 1, forChildRows: true, lookup: lookup)
                guard rows.localDoctype == child.name else {
                    throw fail(n, "mapping \(inner) makes \(rows.localDoctype) rows, but '\(localName)' holds \(child.name) rows")
                }
                fields.append(Field(local: localName, remote: remote, defaultValue: nil, kind: .childTable(Box(rows))))
            case "Document":
                guard !forChildRows else { throw fail(n, "a Document mapping inside a child row mapping is not supported") }
                guard field.fieldtype == .link else { throw fail(n, "'\(localName)' is not a Link field, so it cannot take a Document mapping") }
                guard let inner else { throw fail(n, "a Document mapping needs the mapping for the linked document") }
                let target = try FieldMapping(named: inner, schema: schema, siteName: siteName, depth: depth + 1, lookup: lookup)
                guard field.options == target.localDoctype else {
                    throw fail(n, "'\(localName)' links to \(field.options ?? "?"), but mapping \(inner) makes \(target.localDoctype)")
                }
                guard remote != nil || defaultValue != nil else { throw fail(n, "a Document mapping needs a remote_fieldname (or a default_value)") }
                var filters: [(String, String)] = []
                if let text = row["remote_value_filters"]?.stringValue, !text.trimmingCharacters(in: .whitespaces).isEmpty {
                    guard let object = (try? JSON(parsing: Array(text.utf8)))?.objectValue else {
                        throw fail(n, "remote_value_filters is not a JSON object: \(text)")
                    }
                    for (key, value) in object {
                        guard let value = value.stringValue else { throw fail(n, "remote_value_filters: the value of '\(key)' must be a string") }
                        filters.append((key, value))
                    }
                    guard filters.contains(where: { $0.0 == "name" }) else {
                        throw fail(n, "remote_value_filters must say which document by 'name' (e.g. {\"name\": \"\(remote ?? "field")\"})")
                    }
                } else if let remote {
                    filters = [("name", remote)]
                }
                fields.append(Field(local: localName, remote: remote, defaultValue: defaultValue, kind: .document(Box(target), filters: filters)))
            default:
                throw fail(n, "mapping_type '\(kind)' is not Child Table or Document")
            }
        }
        self.fields = fields
        claimedLocal = Set(fields.map(\.local))
        var byRemote: [String: Field] = [:]
        for field in fields { if let remote = field.remote { byRemote[remote] = field } }
        self.byRemote = byRemote
    }

    /// Checks the mapping `name` (and those it names) against the site; throws what is wrong.
    static func check(site: Site, name: String) throws {
        _ = try FieldMapping(site: site, name: name)
    }
}

import DocumentModel
import SiteStreamJSON
import SnapshotStore

extension SiteTransaction {
    /// Every Link and Dynamic Link value (rows included) must name an existing document; a Link
    /// to `DocType` must name an installed DocType.
    /// Returns the links it checked, for the document's index terms.
    @discardableResult
    func checkLinks(_ document: Document, doctype: DocType) throws -> [IndexTerms.Link] {
        var missing: [String] = []
        // Rows often link to the same documents (an item group, a warehouse): look each up once.
        var found = Set<DocumentKey>()
        let links = IndexTerms.links(of: document.object, doctype: doctype, schema: schema)
        for link in links {
            let key = DocumentKey(doctype: link.doctype, name: link.name)
            if found.contains(key) { continue }
            if schema[link.doctype] == nil {
                missing.append("\(link.place): DocType \(link.doctype) is not installed (value \(link.name))")
            } else if !exists(link.doctype, link.name), !isPromised(key) {
                missing.append("\(link.place): could not find \(link.doctype) \(link.name)")
            } else {
                found.insert(key)
            }
        }
        for field in doctype.fields where field.fieldtype == .link && field.options == "DocType" {
            if let value = document.object[field.fieldname]?.stringValue, !value.isEmpty, schema[value] == nil {
                missing.append("\(field.fieldname): DocType \(value) is not installed")
            }
        }
        if !missing.isEmpty {
            throw SiteError(.linkValidation, "\(doctype.name) \(document.name ?? ""): " + missing.joined(separator: "; "),
                            doctype: doctype.name, docname: document.name)
        }
        return links
    }

    /// A `unique` field's value may belong to one document of the DocType only.
    func checkUnique(_ document: Document, doctype: DocType) throws {
        let key = DocumentKey(doctype: doctype.name, name: document.name ?? "")
        for field in doctype.fields where field.unique {
            guard let text = IndexTerms.scalarText(document.object[field.fieldname]), !text.isEmpty else { continue }
            let term = IndexTerm(index: IndexTerms.uniqueIndex(doctype: doctype.name, field: field.fieldname), value: text)
            let holders = keys(matching: term).subtracting([key])
            if let other = holders.first {
                throw SiteError(.duplicate, "\(doctype.name) \(document.name ?? "(new)"): '\(field.fieldname)' must be unique; \(text) is already used by \(other.name)",
                                doctype: doctype.name, docname: document.name)
            }
        }
    }

    /// Documents (not cancelled) that link to `key`, for the delete check.
    func documentsLinking(to key: DocumentKey) throws -> [DocumentKey] {
        let term = IndexTerm(index: IndexTerms.linkTo, value: IndexTerms.linkValue(doctype: key.doctype, name: key.name))
        var result: [DocumentKey] = []
        for other in keys(matching: term) where other != key {
            if let document = try get(other.doctype, other.name), document.docstatus == 2 { continue }
            result.append(other)
        }
        return result.sorted { ($0.doctype, $0.name) < ($1.doctype, $1.name) }
    }
}

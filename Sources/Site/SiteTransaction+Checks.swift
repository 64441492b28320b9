import DocumentModel
import SiteStreamJSON
import SnapshotStore

extension SiteTransaction {
    /// Every Link and Dynamic Link value (rows included) must name an existing document; a Link
    /// to `DocType` must name an installed DocType.
    /// Returns the distinct links it checked (each target once, first place kept), for the
    /// document's index terms.
    @discardableResult
    func checkLinks(_ document: Document, doctype: DocType) throws -> [IndexTerms.Link] {
        var missing: [String] = []
        // Rows often link to the same documents (an item group, a warehouse): look each up once.
        // `found` holds the targets that exist; a missing one is reported at every place.
        let (links, slots) = IndexTerms.linksAndSlots(of: document.object, doctype: doctype, schema: schema)
        var found = Set<DocumentKey>(minimumCapacity: links.count)
        var distinct: [IndexTerms.Link] = []
        distinct.reserveCapacity(links.count)
        // Per slot (a field, the same in every row), the targets it found so far, newest first:
        // a chain through `distinct` (`chainHead`, `chainNext`). Rows repeat a few units,
        // item groups, warehouses and accounts, and comparing a value with the field's few
        // earlier ones spares hashing its key. Only the first `chainLimit` are compared.
        var chainHead = [Int](repeating: -1, count: slots)
        var chainNext: [Int] = []
        chainNext.reserveCapacity(links.count)
        let chainLimit = 32
        for link in links {
            var j = chainHead[link.slot], steps = 0, seen = false
            while j >= 0 && steps < chainLimit {
                if distinct[j].name == link.name && distinct[j].doctype == link.doctype {
                    seen = true
                    break
                }
                j = chainNext[j]
                steps += 1
            }
            if seen { continue }
            let key = DocumentKey(doctype: link.doctype, name: link.name)
            guard found.insert(key).inserted else { continue }
            // A DocType that is not installed holds no documents: asked about only when the
            // target is not found, so a found target costs no schema lookup.
            if exists(link.doctype, link.name) || isPromised(key) {
                chainNext.append(chainHead[link.slot])
                chainHead[link.slot] = distinct.count
                distinct.append(link)
            } else {
                found.remove(key)
                missing.append(schema.contains(link.doctype)
                    ? "\(link.place): could not find \(link.doctype) \(link.name)"
                    : "\(link.place): DocType \(link.doctype) is not installed (value \(link.name))")
            }
        }
        for position in doctype.docTypeLinkFieldIndices {
            let field = doctype.fields[position]
            if let value = document.object[field.fieldname]?.stringValue, !value.isEmpty, !schema.contains(value) {
                missing.append("\(field.fieldname): DocType \(value) is not installed")
            }
        }
        if !missing.isEmpty {
            throw SiteError(.linkValidation, "\(doctype.name) \(document.name ?? ""): " + missing.joined(separator: "; "),
                            doctype: doctype.name, docname: document.name)
        }
        return distinct
    }

    /// A `unique` field's value may belong to one document of the DocType only.
    func checkUnique(_ document: Document, doctype: DocType) throws {
        let key = DocumentKey(doctype: doctype.name, name: document.name ?? "")
        for position in doctype.uniqueFieldIndices {
            let field = doctype.fields[position]
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

import DocumentModel
import SnapshotStore

extension Site {
    /// The names of the `doctype` documents whose unique field `field` holds `value`, found in
    /// the store's unique index (no file access, no scan), in name order; `nil` when `field`
    /// is not a unique field of `doctype`, so there is no index to ask.
    ///
    /// The index is a cache of the documents: a caller that must be sure reads the document
    /// and checks the field itself.
    public func names(whereUnique field: String, of doctype: String, equals value: String) -> [String]? {
        guard let type = schema[doctype], type.fields.contains(where: { $0.fieldname == field && $0.unique }) else {
            return nil
        }
        let term = IndexTerm(index: IndexTerms.uniqueIndex(doctype: doctype, field: field), value: value)
        return store.keys(matching: term).filter { $0.doctype == doctype }.map(\.name)
    }
}

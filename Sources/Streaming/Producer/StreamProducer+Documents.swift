import DocumentModel
import Site
import SiteStreamJSON
import SnapshotStore

extension StreamProducer {
    /// How many documents the reachability check may visit for one request before it gives up
    /// and refuses.
    static let reachabilityBudget = 20_000
    /// Linkers of a document looked at before all of them are listed (`isVisible`).
    static let linkerSample = 16

    /// The documents a consumer asked for, as this site holds them now, for the dependencies
    /// it lacks. A document is served only if the consumer may see it: its DocType is approved
    /// for the consumer, or some document the consumer may see links to it (Link, Dynamic
    /// Link or a child row's link), followed upwards through links as far as needed.
    ///
    /// The request is refused whole (`.permission`, naming the first document) if any
    /// document fails that rule; documents that do not exist are listed as `missing`.
    /// Password fields are never sent.
    public func documents(_ request: DocumentsRequest, caller: String) throws -> DocumentsReply {
        guard request.keys.count <= DocumentsRequest.maxDocuments else {
            throw StreamError(.invalidRequest, "documents request: \(request.keys.count) documents asked for; at most \(DocumentsRequest.maxDocuments) per request")
        }
        let record = try authorized(request.consumer, caller: caller)
        let approved = record.approved
        let filter = self.filter(for: record, journal: nil)
        // Read before the documents: each document then reflects at least every change up to it.
        let asOf = site.log.lastSequence
        var visible: [DocumentKey: Bool] = [:]
        var budget = Self.reachabilityBudget
        for key in request.keys where !(try isVisible(key, approved: approved, filter: filter, memo: &visible, budget: &budget)) {
            throw StreamError(.permission, "consumer \(record.name) may not fetch \(key.doctype) \(key.name): its DocType is not approved and no document the consumer may see links to it",
                              consumer: record.name, doctype: key.doctype, docname: key.name)
        }
        var documents: [Document] = []
        var missing: [DocumentKey] = []
        var seen = Set<DocumentKey>()
        for key in request.keys where seen.insert(key).inserted {
            if let document = try site.get(key.doctype, key.name) {
                documents.append(withoutSecrets(document))
            } else {
                missing.append(key)
            }
        }
        return DocumentsReply(asOf: asOf, documents: documents, missing: missing)
    }

    /// Whether `key` is approved or reachable upwards through links from an approved document.
    /// Breadth first over the link index, cycle safe (each document visited once).
    func isVisible(_ key: DocumentKey, approved: Set<String>, filter: ConsumerFilter,
                   memo: inout [DocumentKey: Bool], budget: inout Int) throws -> Bool {
        // A document of an approved DocType is visible if it passes the DocType's condition
        // (or does not exist: it is reported missing). A condition that fails to evaluate
        // does not make it visible; the consumer's replay that needed it is parked and retried.
        func seenDirectly(_ key: DocumentKey) throws -> Bool {
            guard approved.contains(key.doctype) else { return false }
            guard filter.conditions[key.doctype] != nil else { return true }
            guard let document = try site.get(key.doctype, key.name) else { return true }
            if case .success(true)? = filter.evaluate(key.doctype, document.object, entry: nil) { return true }
            return false
        }
        if approved.contains(key.doctype) {
            if try seenDirectly(key) { return true }
        }
        if let known = memo[key] { return known }
        guard site.schema[key.doctype] != nil, site.exists(key.doctype, key.name) else {
            memo[key] = false
            return false
        }
        var queue = [key]
        var visited: Set<DocumentKey> = [key]
        var head = 0
        var found = false
        search: while head < queue.count {
            let current = queue[head]
            head += 1
            // A few linkers first, unsorted: a document many others link to (a Customer Group
            // under every Customer) is usually settled by the first of them, without listing
            // and sorting them all. Then all of them, in order, as far as the budget goes.
            let sample = site.documentsLinking(to: current, limit: Self.linkerSample)
            for pass in 0..<2 {
                if pass == 1 && sample.count < Self.linkerSample { break }  // the sample was all of them
                for linker in pass == 0 ? sample : site.documentsLinking(to: current) where visited.insert(linker).inserted {
                    budget -= 1
                    if try seenDirectly(linker) || memo[linker] == true {
                        found = true
                        break search
                    }
                    if budget <= 0 { break search }
                    queue.append(linker)
                }
            }
        }
        memo[key] = found
        return found
    }

    /// `document` without the values of its (and its rows') Password fields.
    func withoutSecrets(_ document: Document) -> Document {
        guard let doctype = site.schema[document.doctype] else { return document }
        var copy = document
        for field in doctype.fields {
            if field.fieldtype == .password {
                copy[field.fieldname] = nil
            } else if field.fieldtype.isTable, let child = site.schema.childDocType(of: field),
                      child.fields.contains(where: { $0.fieldtype == .password }) {
                let rows = copy.rows(of: field.fieldname).map { row in
                    var row = row
                    for f in child.fields where f.fieldtype == .password { row[f.fieldname] = nil }
                    return JSON.object(row)
                }
                copy[field.fieldname] = .array(rows)
            }
        }
        return copy
    }
}

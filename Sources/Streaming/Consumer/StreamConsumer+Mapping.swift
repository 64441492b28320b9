import DocumentModel
import Site
import SiteStreamJSON
import SnapshotStore

extension StreamConsumer {
    /// What the `Document` rows of a mapping resolved to: the local names to set, and the
    /// mapped documents to insert first (in an order that puts each after those it needs).
    struct ResolvedLinks {
        var names: [String: String] = [:]
        var inserts: [Document] = []
    }

    /// Resolves `links` as Frappe's inner mappings do: each linked producer document is
    /// fetched (one `documents` call per level), mapped through its mapping (whose own
    /// Document rows are resolved in turn), and found locally by its mapped name or planned
    /// for insertion. A linked document the producer lacks, or one that fails the row's
    /// other `remote_value_filters`, fails the replay (the document is parked).
    func resolve(_ links: [MappedLink], configuration: ProducerConfiguration, client: any ProducerClient,
                 depth: Int = 0) async throws -> ResolvedLinks {
        var resolved = ResolvedLinks()
        guard !links.isEmpty else { return resolved }
        guard depth <= FieldMapping.maxNesting else {
            throw StreamError(.invalidRequest, "Document mappings nest more than \(FieldMapping.maxNesting) deep")
        }
        let keys = links.map { DocumentKey(doctype: $0.mapping.remoteDoctype, name: $0.remoteName) }
        let reply = try await fetchDocuments(DocumentsRequest(consumer: site.identity.name, keys: keys), client: client)
        let fetched = Dictionary(reply.documents.map { (DocumentKey(doctype: $0.doctype, name: $0.name ?? ""), $0) }, uniquingKeysWith: { a, _ in a })
        for (link, key) in zip(links, keys) {
            guard let remote = fetched[key] else {
                throw StreamError(.notFound, "mapping \(link.mapping.name): the producer has no \(key.doctype) \(key.name) for '\(link.localField)'",
                                  doctype: key.doctype, docname: key.name)
            }
            for check in link.checks where !Self.sameValue(remote[check.field], check.value) {
                throw StreamError(.invalidRequest, "mapping \(link.mapping.name): \(key.doctype) \(key.name) does not match remote_value_filters (\(check.field) is \(remote[check.field]?.serializedString() ?? "null"), wanted \(check.value.serializedString()))",
                                  doctype: key.doctype, docname: key.name)
            }
            var (mapped, inner) = try link.mapping.map(remote, schema: site.schema)
            let nested = try await resolve(inner, configuration: configuration, client: client, depth: depth + 1)
            for (field, name) in nested.names { mapped[field] = .string(name) }
            resolved.inserts += nested.inserts
            let name = mapped.name ?? key.name
            if !site.exists(mapped.doctype, name), !resolved.inserts.contains(where: { $0.doctype == mapped.doctype && $0.name == name }) {
                mapped.name = name
                resolved.inserts.append(mapped)
            }
            resolved.names[link.localField] = name
        }
        return resolved
    }

    static func sameValue(_ a: JSON?, _ b: JSON) -> Bool {
        guard let a else { return b.isNull }
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        if let x = a.doubleValue, let y = b.stringValue.flatMap(Double.init) { return x == y }
        return a == b
    }
}

import DocumentModel
import Site
import SnapshotStore

extension StreamConsumer {
    /// How deep a chain of missing links may go before the replay is refused.
    static let maxDependencyDepth = 32

    /// The documents `plan` links to that this site lacks, fetched from the producer in one
    /// `documents` call per level of links (recursively: a fetched document's own missing
    /// links are fetched next; each document once, so cycles end), ordered so that every
    /// document comes after those it links to where that is possible. Returns them with the
    /// producer's `as_of` sequence (the smallest of the replies).
    func fetchDependencies(of plan: Plan, doctype: String, configuration: ProducerConfiguration,
                           client: any ProducerClient, excluding: Set<DocumentKey> = []) async throws -> ([Document], UInt64) {
        let start: Document
        switch plan {
        case .insert(let document, _), .replace(_, let document, _): start = document
        case .update(let name, let diff):
            guard let local = try site.get(doctype, name) else { return ([], 0) }
            start = (try? diff.apply(to: local)) ?? local
        case .delete, .nothing: return ([], 0)
        }
        var fetched: [DocumentKey: Document] = [:]
        // Documents the write creates itself (through a Document mapping) are not fetched.
        var requested = excluding
        var asOf = UInt64.max
        var frontier = missingTargets(of: start, known: fetched, requested: requested)
        var depth = 0
        while !frontier.isEmpty {
            depth += 1
            guard depth <= Self.maxDependencyDepth else {
                throw StreamError(.invalidRequest, "links of \(start.doctype) \(start.name ?? "") go more than \(Self.maxDependencyDepth) documents deep")
            }
            requested.formUnion(frontier)
            var next: [DocumentKey] = []
            for chunkStart in stride(from: 0, to: frontier.count, by: DocumentsRequest.maxDocuments) {
                let chunk = Array(frontier[chunkStart..<min(chunkStart + DocumentsRequest.maxDocuments, frontier.count)])
                let reply = try await fetchDocuments(DocumentsRequest(consumer: site.identity.name, keys: chunk), client: client)
                asOf = min(asOf, reply.asOf)
                for document in reply.documents {
                    let key = DocumentKey(doctype: document.doctype, name: document.name ?? "")
                    guard chunk.contains(key) else { continue }
                    fetched[key] = document
                }
                for document in reply.documents {
                    for target in missingTargets(of: document, known: fetched, requested: requested) where !next.contains(target) {
                        next.append(target)
                    }
                }
            }
            frontier = next
        }
        return (Self.linkOrder(fetched, site: site), asOf == .max ? 0 : asOf)
    }

    /// Link targets of `document` this site has not got and that were not fetched or asked for.
    func missingTargets(of document: Document, known: [DocumentKey: Document], requested: Set<DocumentKey>) -> [DocumentKey] {
        site.linkTargets(of: document).filter { key in
            site.schema[key.doctype] != nil && !site.exists(key.doctype, key.name) && known[key] == nil && !requested.contains(key)
        }
    }

    /// `documents` ordered so each comes after the fetched documents it links to (depth first,
    /// each visited once, so a cycle is cut where it closes).
    static func linkOrder(_ documents: [DocumentKey: Document], site: Site) -> [Document] {
        var order: [Document] = []
        var visited = Set<DocumentKey>()
        func visit(_ key: DocumentKey) {
            guard visited.insert(key).inserted, let document = documents[key] else { return }
            for target in site.linkTargets(of: document) where documents[target] != nil { visit(target) }
            order.append(document)
        }
        for key in documents.keys.sorted(by: { ($0.doctype, $0.name) < ($1.doctype, $1.name) }) { visit(key) }
        return order
    }

    /// Calls the producer's `documents`. A refusal (`.permission`, `.notFound`,
    /// `.invalidRequest`) is about the documents and fails this record's replay; anything else
    /// (unreachable, a bad reply) is a transport failure that stops the pull without moving
    /// the watermark (DESIGN-NOTES invariant 5).
    func fetchDocuments(_ request: DocumentsRequest, client: any ProducerClient) async throws -> DocumentsReply {
        do {
            return try await client.documents(request)
        } catch let error as StreamError where [.permission, .notFound, .invalidRequest].contains(error.code) {
            throw error
        } catch {
            throw TransportFailure(underlying: error)
        }
    }
}

/// A failure to reach the producer during a replay: it stops the pull instead of being
/// recorded against the document.
struct TransportFailure: Error, CustomStringConvertible {
    var underlying: any Error
    var description: String { "the producer could not be asked for documents: \(underlying)" }
}

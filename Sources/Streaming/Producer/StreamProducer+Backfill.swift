import DocumentModel
import EventLog
import Site

extension StreamProducer {
    /// One page of a consumer's backfill: up to `limit` documents of `doctype` after the name
    /// `after`, in name order, that the consumer may see now (approved, passing the row's
    /// condition: `ConsumerFilter`, the rules `updates` applies), Password fields removed.
    ///
    /// The page is read while no write commits (`Site.readConsistently`), so `asOf` is exact:
    /// each document reflects every change through it and none after; the reply is sent only
    /// once `asOf` is durable. `cut` is the durable end read just before: the stream from there
    /// holds every later change, so snapshot plus stream lose nothing at the seam, and what they
    /// both carry is applied once (the consumer's replica sequences). Memory and the time
    /// writers wait are bounded by the page (at most `8 × limit` names are looked at).
    ///
    /// Throws `.permission` while the DocType is not approved for the consumer (the consumer's
    /// backfill waits for approval), `.notFound` for a DocType it did not register.
    public func backfill(_ request: BackfillRequest, caller: String) async throws -> BackfillReply {
        guard (1...BackfillRequest.maxDocuments).contains(request.limit) else {
            throw StreamError(.invalidRequest, "backfill: limit must be 1…\(BackfillRequest.maxDocuments), got \(request.limit)")
        }
        let record = try authorized(request.consumer, caller: caller)
        guard record.doctypes.contains(where: { $0.doctype == request.doctype }), !record.unsubscribed.contains(request.doctype) else {
            throw StreamError(.notFound, "consumer \(record.name) did not register DocType \(request.doctype)", consumer: record.name, doctype: request.doctype)
        }
        guard record.approved.contains(request.doctype) else {
            throw StreamError(.permission, "\(request.doctype) is not approved for consumer \(record.name) yet; its backfill waits for approval",
                              consumer: record.name, doctype: request.doctype)
        }
        let filter = self.filter(for: record, journal: nil)
        let cutSequence = site.log.lastSequence
        let cut = site.log.durableEndCursor
        let doctype = request.doctype
        let (page, asOf) = try site.readConsistently { () throws -> (documents: [Document], next: String?) in
            var documents: [Document] = []
            var after = request.after
            var looked = 0
            while documents.count < request.limit, looked < 8 * request.limit {
                let names = site.store.names(doctype: doctype, after: after, limit: request.limit)
                guard !names.isEmpty else { return (documents, nil) }
                for name in names {
                    looked += 1
                    after = name
                    if let document = try site.get(doctype, name), filter.admits(document) {
                        documents.append(withoutSecrets(document))
                        if documents.count == request.limit { break }
                    }
                }
            }
            return (documents, after)
        }
        if asOf > site.log.lastSequence { _ = await site.log.waitForDurable(after: asOf - 1) }
        // A DocType with a condition: the consumer now holds these documents, so the access
        // journal must know (a later change that hides one sends a revoke). Decided at the
        // consumer's last position, which its next request does not go behind.
        if record.conditionTexts[doctype] != nil, !page.documents.isEmpty {
            let at = positions.all()[record.siteID]?.cursor ?? site.log.startCursor
            try journals.with(consumerID: record.siteID) { journal in
                for document in page.documents {
                    journal.decide(AccessKey(doctype: doctype, docname: document.name ?? ""),
                                   AccessState(verdict: .granted, cursor: at, sequence: asOf), at: at)
                }
                try journal.flush()
            }
        }
        return BackfillReply(doctype: doctype, asOf: asOf, cut: cut, cutSequence: cutSequence, logStart: site.log.startCursor, next: page.next, documents: page.documents)
    }
}

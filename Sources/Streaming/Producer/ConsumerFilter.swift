import DocumentModel

/// What one consumer may see, decided in one place for every path that sends it something:
/// the records of `updates` (and the segments of an export) and the documents of a backfill.
/// A record or document passes when its DocType is approved for the consumer and not
/// unsubscribed, it passes the row's condition, and (records only) it did not come from the
/// consumer itself.
struct ConsumerFilter {
    let approved: Set<String>
    let conditions: [String: Condition?]
    let consumerSiteID: String

    init(_ record: StreamProducer.ConsumerRecord) {
        approved = record.approved
        conditions = record.conditions
        consumerSiteID = record.siteID
    }

    /// Whether the consumer may see `document` as it stands now (a backfill sends documents,
    /// which is how Frappe judges an Update too: by the document's present state).
    func admits(_ document: Document) -> Bool {
        guard approved.contains(document.doctype) else { return false }
        guard let condition = conditions[document.doctype] else { return true }
        guard let condition else { return false }
        return condition.matches(document.object)
    }

    /// Whether the consumer may see the framed record at `offset` of `bytes` (its header
    /// already peeked); conditions are judged by `StreamProducer.passes`.
    func admits(_ peek: FramePeek, bytes: [UInt8], offset: Int, producer: StreamProducer) throws -> Bool {
        guard approved.contains(peek.doctype), peek.originSite != consumerSiteID else { return false }
        guard let condition = conditions[peek.doctype] else { return true }
        return try producer.passes(condition, peek: peek, bytes: bytes, offset: offset)
    }
}

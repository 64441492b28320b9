import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON

extension StreamProducer {
    /// How far consumer `nameOrID` is behind when it stands at `after` (nil: its last known
    /// position, or the start of the log): per registered DocType, the records after it that
    /// this consumer may see (the same filter `updates` applies), their frame bytes, and the age
    /// of the oldest. Reads the log from `after` to the durable end, in bounded batches; stops
    /// after `scanBytes` bytes of log (then `complete` is false and the counts are lower bounds).
    ///
    /// A position in segments retention removed is reported (`positionGone`), counting from
    /// the start of what is left. Throws `.notFound` / `.permission` as `updates` does.
    public func lag(consumer nameOrID: String, caller: String, after: LogCursor? = nil, now: Date = Date(),
                    scanBytes: Int = 256 << 20) throws -> ConsumerLag {
        let record = try authorized(nameOrID, caller: caller)
        return try lag(of: record, after: after, now: now, scanBytes: scanBytes)
    }

    func lag(of record: ConsumerRecord, after given: LogCursor?, now: Date, scanBytes: Int) throws -> ConsumerLag {
        let known = positions.all()[record.siteID]
        let after = given ?? known?.cursor
        let gone = isGone(after)
        let filter = self.filter(for: record, journal: nil)
        let lastSequence = site.log.lastSequence
        var counts: [String: (entries: Int, bytes: Int, oldest: Int64?)] = [:]
        var cursor = gone ? site.log.startCursor : (after ?? site.log.startCursor)
        var scanned = 0
        var complete = false
        while scanned < scanBytes {
            let batch = try site.log.read(after: cursor, maxEntries: 10_000, maxBytes: 4 << 20)
            guard batch.count > 0 else {
                complete = true
                break
            }
            var offset = 0
            for _ in batch.cursors {
                guard let peek = FramePeek(batch.bytes, at: offset) else {
                    throw StreamError(.integrity, "log batch after \(cursor) holds an unreadable frame at byte \(offset)", offset: offset)
                }
                if peek.sequence <= lastSequence, try filter.wouldSend(peek, bytes: batch.bytes, offset: offset) {
                    var count = counts[peek.doctype] ?? (0, 0, nil)
                    count.entries += 1
                    count.bytes += peek.length
                    if count.oldest == nil { count.oldest = peek.timestamp }
                    counts[peek.doctype] = count
                }
                scanned += peek.length
                offset += peek.length
            }
            cursor = batch.next
        }
        let nowMicros = Int64(now.timeIntervalSince1970 * 1_000_000)
        let rows = record.doctypes.filter { !record.unsubscribed.contains($0.doctype) }.map { row in
            let count = counts[row.doctype]
            return ConsumerLag.DocTypeLag(doctype: row.doctype, status: row.status, entries: count?.entries ?? 0, bytes: count?.bytes ?? 0,
                                          oldestAgeSeconds: count?.oldest.map { max(0, Double(nowMicros - $0) / 1_000_000) })
        }
        return ConsumerLag(consumer: record.name, after: after, firstSequence: site.log.firstSequence, lastSequence: lastSequence,
                           positionGone: gone, complete: complete, lastPull: known?.at, doctypes: rows)
    }
}

extension ConsumerFilter {
    /// Whether the consumer may see `document` as it stands now: its DocType approved and its
    /// condition true (a backfill sends documents, judged as the stream judges an Update).
    /// Decides nothing in the access journal.
    func admits(_ document: Document) -> Bool {
        guard approved.contains(document.doctype) else { return false }
        switch evaluate(document.doctype, document.object, entry: nil) {
        case nil, .success(true)?: return true
        default: return false
        }
    }

    /// Whether the framed record at `offset` would reach the consumer, for counting its lag:
    /// `decide`'s rules (approval, no echo, the condition on the Create's document or the
    /// document as it stands now, a Delete always) without deciding anything in the journal.
    func wouldSend(_ peek: FramePeek, bytes: [UInt8], offset: Int) throws -> Bool {
        guard approved.contains(peek.doctype), peek.originSite != record.siteID else { return false }
        guard conditions[peek.doctype] != nil, let type = UpdateType(rawValue: peek.updateType) else { return true }
        let document: JSONObject
        switch type {
        case .delete: return true
        case .create:
            guard let object = try? JSON(parsing: try RecordFrame.decode(bytes, at: offset).record.payload).objectValue else { return false }
            document = object
        default:
            guard let current = try site.get(peek.doctype, peek.docname) else { return false }
            document = current.object
        }
        if case .success(true)? = evaluate(peek.doctype, document, entry: nil) { return true }
        return false
    }
}

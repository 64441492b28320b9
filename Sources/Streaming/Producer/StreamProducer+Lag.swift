import EventLog
import Foundation
import Site

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
        let filter = ConsumerFilter(record)
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
                if peek.sequence <= lastSequence, try filter.admits(peek, bytes: batch.bytes, offset: offset, producer: self) {
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

import EventLog
import Site
import SiteStreamJSON

extension StreamProducer {
    /// The next records consumer `consumer` may see after `after` (nil: the start of the log):
    /// only records of DocTypes approved for it, never records that came from the consumer
    /// itself (their `origin` is its site id), as the original framed bytes with their crcs,
    /// each with the cursor after it; and the cursor to continue from, which may lie past
    /// records that were filtered out.
    ///
    /// Memory stays bounded however large the backlog: the log is read in batches no larger
    /// than the room left in the reply, until the reply holds `maxEntries` records or
    /// `maxBytes` bytes of frames, the durable end of the log is reached (`caughtUp`), or
    /// `scanBytes` bytes of the log were examined (then `caughtUp` is false and the consumer
    /// simply asks again from `next`). A single record larger than `maxBytes` is sent alone.
    ///
    /// As in Frappe, a document created and deleted within one reply never appears in it.
    ///
    /// Throws `.notFound` for an unknown consumer, `.permission` when `caller` is not its
    /// user, and the log's error for a cursor that is not a record boundary of this log.
    public func updates(consumer nameOrID: String, caller: String, after: LogCursor?, maxEntries: Int, maxBytes: Int,
                        scanBytes: Int = 256 << 20) throws -> UpdatesReply {
        guard maxEntries > 0, maxBytes > 0 else {
            throw StreamError(.invalidRequest, "max_entries and max_bytes must be at least 1 (got \(maxEntries), \(maxBytes))")
        }
        let record = try authorized(nameOrID, caller: caller)
        let approved = record.approved
        let conditions = record.conditions
        var reply = try scan(after: after, maxEntries: maxEntries, maxBytes: maxBytes, scanBytes: scanBytes) { peek, bytes, offset in
            guard approved.contains(peek.doctype), peek.originSite != record.siteID else { return false }
            guard let condition = conditions[peek.doctype] else { return true }
            return try self.passes(condition, peek: peek, bytes: bytes, offset: offset)
        }
        reply.statuses = record.doctypes.filter { !record.unsubscribed.contains($0.doctype) }
        if let after { rememberPosition(after, consumer: record.name) } else { rememberPosition(site.log.startCursor, consumer: record.name) }
        metrics.served(consumer: record.name, reply: reply)
        return reply
    }

    /// The operators' view (`GET /api/stream/updates` without `consumer`): every record after
    /// `after`, unfiltered, in the same reply format. Only Administrator may read it.
    public func rawUpdates(caller: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) throws -> UpdatesReply {
        guard caller == "Administrator" else {
            throw StreamError(.permission, "only Administrator may read the raw log; \(caller) must name a consumer")
        }
        guard maxEntries > 0, maxBytes > 0 else {
            throw StreamError(.invalidRequest, "max_entries and max_bytes must be at least 1 (got \(maxEntries), \(maxBytes))")
        }
        return try scan(after: after, maxEntries: maxEntries, maxBytes: maxBytes, scanBytes: Int.max, dropCreatedAndDeleted: false) { _, _, _ in true }
    }

    /// Reads the log after `after`, keeping the frames `include` accepts (see `updates`).
    func scan(after: LogCursor?, maxEntries: Int, maxBytes: Int, scanBytes: Int, dropCreatedAndDeleted: Bool = true,
              include: (FramePeek, [UInt8], Int) throws -> Bool) throws -> UpdatesReply {
        let lastSequence = site.log.lastSequence
        var cursor = after ?? site.log.startCursor
        var entries: [UpdateEntry] = []
        var keys: [FilterKey] = []
        var frameBytes = 0
        var scanned = 0
        var caughtUp = false
        reading: while entries.count < maxEntries, frameBytes < maxBytes, scanned < scanBytes {
            let room = maxBytes - frameBytes
            let batch = try site.log.read(after: cursor, maxEntries: maxEntries - entries.count, maxBytes: min(room, 4 << 20))
            guard batch.count > 0 else {
                caughtUp = true
                break
            }
            let cursors = batch.cursors
            var offset = 0
            for after in cursors {
                guard let peek = FramePeek(batch.bytes, at: offset) else {
                    throw StreamError(.integrity, "log batch after \(cursor) holds an unreadable frame at byte \(offset)", offset: offset)
                }
                if try include(peek, batch.bytes, offset) {
                    if peek.length > room, !entries.isEmpty {
                        // A record larger than the room left: it goes first in the next reply.
                        break reading
                    }
                    entries.append(UpdateEntry(cursor: after, frame: Array(batch.bytes[offset..<offset + peek.length])))
                    keys.append(FilterKey(doctype: peek.doctype, docname: peek.docname, updateType: peek.updateType))
                    frameBytes += peek.length
                }
                scanned += peek.length
                offset += peek.length
                cursor = after
            }
            cursor = batch.next
        }
        let kept = dropCreatedAndDeleted ? Self.droppingCreatedAndDeleted(keys) : Array(keys.indices)
        if kept.count != entries.count {
            entries = kept.map { entries[$0] }
        }
        return UpdatesReply(next: cursor, caughtUp: caughtUp, lastSequence: lastSequence, statuses: [], entries: entries)
    }

    /// Whether a record passes its DocType's condition, as Frappe decides it: a Create by the
    /// document it creates, an Update or Cancel by the document as it stands now, a Delete
    /// always (a consumer that never had the document ignores it).
    func passes(_ condition: Condition?, peek: FramePeek, bytes: [UInt8], offset: Int) throws -> Bool {
        guard let condition else { return false }
        switch UpdateType(rawValue: peek.updateType) {
        case .create?:
            let record = try RecordFrame.decode(bytes, at: offset).record
            guard let object = try? JSON(parsing: record.payload).objectValue else { return false }
            return condition.matches(object)
        case .update?, .cancel?:
            guard let current = try site.get(peek.doctype, peek.docname) else { return false }
            return condition.matches(current.object)
        default:
            return true
        }
    }

    struct FilterKey: Hashable {
        var doctype: String
        var docname: String
        var updateType: UInt8 = 0

        var document: FilterKey { FilterKey(doctype: doctype, docname: docname) }
    }

    /// The indices of the entries to keep: a document's entries from its Create through its
    /// Delete, both in the reply, are dropped together.
    static func droppingCreatedAndDeleted(_ keys: [FilterKey]) -> [Int] {
        var open: [FilterKey: [Int]] = [:]
        var dropped = Set<Int>()
        for (i, key) in keys.enumerated() {
            let document = key.document
            switch key.updateType {
            case UpdateType.create.rawValue:
                open[document] = [i]
            case UpdateType.delete.rawValue:
                if let run = open.removeValue(forKey: document) {
                    dropped.formUnion(run)
                    dropped.insert(i)
                }
            default:
                open[document]?.append(i)
            }
        }
        return keys.indices.filter { !dropped.contains($0) }
    }
}

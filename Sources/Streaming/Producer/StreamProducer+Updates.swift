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
        let reply: UpdatesReply
        do {
            reply = try filteredUpdates(for: record, after: after, maxEntries: maxEntries, maxBytes: maxBytes, scanBytes: scanBytes)
        } catch let error as EventLogError where error.code == .cursorSegmentGone {
            // Retention removed the consumer's position (StreamProducer+Retention.swift).
            throw positionGone(record, after: after, error: error)
        }
        notePull(record, after: after ?? site.log.startCursor)
        metrics.served(consumer: record.name, reply: reply)
        return reply
    }

    /// `updates` for a consumer already authorized: the one function that decides what a
    /// consumer receives (approval, echo, conditions, access that changes; `ConsumerFilter`),
    /// for pulls and for anything else that hands a consumer log entries. A consumer with a
    /// condition has its request serialised with its others (its access journal is kept in
    /// step with what it was sent); one without takes no lock.
    ///
    /// `dropCreatedAndDeleted: false` keeps a document created and deleted within the reply
    /// (an offline bundle may start before what its consumer holds already).
    public func filteredUpdates(for record: ConsumerRecord, after: LogCursor?, maxEntries: Int, maxBytes: Int,
                                scanBytes: Int = 256 << 20, dropCreatedAndDeleted: Bool = true) throws -> UpdatesReply {
        var collected = CollectedFrames()
        let end = try filteredFrames(for: record, after: after, maxEntries: maxEntries, maxBytes: maxBytes, scanBytes: scanBytes) {
            collected.append($0)
        }
        var reply = collected.reply(end, dropCreatedAndDeleted: dropCreatedAndDeleted)
        reply.statuses = record.doctypes.filter { !record.unsubscribed.contains($0.doctype) }
        return reply
    }

    /// `filteredUpdates` handing each frame the consumer may see to `emit` as it is decided,
    /// straight from the log's read buffer (an export writes them to its files without a copy
    /// per record). Every frame is emitted; none is dropped as created and deleted within the
    /// reply. The access journal is made durable before this returns, so what `emit` was
    /// given is remembered before the caller hands it on.
    ///
    /// `readBytes` bounds each read of the log (`scan`).
    func filteredFrames(for record: ConsumerRecord, after: LogCursor?, maxEntries: Int, maxBytes: Int,
                        scanBytes: Int = 256 << 20, readBytes: Int = 4 << 20, emit: (ScannedFrame) throws -> Void) throws -> ScanEnd {
        guard !record.conditionTexts.isEmpty || journals.exists(consumerID: record.siteID) else {
            // Worked out once: `approved` builds a new set each time it is read. A backlog
            // runs of one DocType: the last one's answer is kept (a string compare, not a hash).
            let approved = record.approved
            var lastDoctype = "", lastApproved = false
            return try scan(after: after, maxEntries: maxEntries, maxBytes: maxBytes, scanBytes: scanBytes, readBytes: readBytes, decide: { peek, _, _, _ in
                if peek.doctype != lastDoctype {
                    lastDoctype = peek.doctype
                    lastApproved = approved.contains(peek.doctype)
                }
                return lastApproved && peek.originSite != record.siteID ? .keep : .skip
            }, emit: emit)
        }
        return try journals.with(consumerID: record.siteID) { journal in
            let start = after ?? site.log.startCursor
            journal.begin(after: start)
            let filter = self.filter(for: record, journal: journal)
            let retried = after == nil ? nil : try filter.retryFailing(after: start)
            let end = try scan(after: after, maxEntries: maxEntries, maxBytes: maxBytes, scanBytes: scanBytes, readBytes: readBytes,
                               first: retried.map { UpdateEntry(cursor: $0.cursor, frame: $0.frame) },
                               decide: { peek, bytes, offset, cursor in try filter.decide(peek, bytes: bytes, offset: offset, cursor: cursor) },
                               emit: emit)
            // What the consumer is sent is remembered before it leaves.
            try journal.flush()
            return end
        }
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
        var collected = CollectedFrames()
        let end = try scan(after: after, maxEntries: maxEntries, maxBytes: maxBytes, scanBytes: Int.max, decide: { _, _, _, _ in .keep }) {
            collected.append($0)
        }
        return collected.reply(end, dropCreatedAndDeleted: false)
    }

    /// One frame a scan keeps: the log's frame where it lies in the read buffer, or a grant or
    /// revoke made for the consumer (`synthesized`), with the cursor after its log record.
    struct ScannedFrame {
        var peek: FramePeek
        var cursor: LogCursor
        var frame: ArraySlice<UInt8>
        var synthesized: Bool
    }

    /// Where a scan stopped: the cursor to continue from, whether it reached the log's durable
    /// end, and the log's last sequence when it began.
    struct ScanEnd {
        var next: LogCursor
        var caughtUp: Bool
        var lastSequence: UInt64
    }

    /// The frames of a scan gathered into a reply.
    struct CollectedFrames {
        var entries: [UpdateEntry] = []
        var keys: [FilterKey] = []

        mutating func append(_ scanned: ScannedFrame) {
            entries.append(UpdateEntry(cursor: scanned.cursor, frame: Array(scanned.frame)))
            keys.append(FilterKey(doctype: scanned.peek.doctype, docname: scanned.peek.docname,
                                  updateType: scanned.frame[scanned.frame.startIndex + 24], synthesized: scanned.synthesized))
        }

        func reply(_ end: ScanEnd, dropCreatedAndDeleted: Bool) -> UpdatesReply {
            var entries = entries
            if dropCreatedAndDeleted {
                let kept = StreamProducer.droppingCreatedAndDeleted(keys)
                if kept.count != entries.count { entries = kept.map { entries[$0] } }
            }
            return UpdatesReply(next: end.next, caughtUp: end.caughtUp, lastSequence: end.lastSequence, statuses: [], entries: entries)
        }
    }

    /// Reads the log after `after`, handing `emit` the frames `decide` keeps or replaces (see
    /// `updates` for the bounds); `decide` gets each frame's peek, the batch bytes, its offset
    /// there and the cursor after it. `first`, if given, goes ahead of everything read. Each
    /// read of the log is at most `readBytes` (one larger record is read alone).
    func scan(after: LogCursor?, maxEntries: Int, maxBytes: Int, scanBytes: Int, readBytes: Int = 4 << 20, first: UpdateEntry? = nil,
              decide: (FramePeek, [UInt8], Int, LogCursor) throws -> ConsumerFilter.Verdict,
              emit: (ScannedFrame) throws -> Void) throws -> ScanEnd {
        let lastSequence = site.log.lastSequence
        var cursor = after ?? site.log.startCursor
        var emitted = 0
        var frameBytes = 0
        if let first, let peek = FramePeek(first.frame, at: 0) {
            try emit(ScannedFrame(peek: peek, cursor: first.cursor, frame: first.frame[...], synthesized: true))
            emitted += 1
            frameBytes += first.frame.count
        }
        var scanned = 0
        var caughtUp = false
        reading: while emitted < maxEntries, frameBytes < maxBytes, scanned < scanBytes {
            let room = maxBytes - frameBytes
            let batch = try site.log.read(after: cursor, maxEntries: maxEntries - emitted, maxBytes: min(room, readBytes))
            guard batch.count > 0 else {
                caughtUp = true
                break
            }
            var offset = 0
            for after in batch.cursors {
                guard let peek = FramePeek(batch.bytes, at: offset) else {
                    throw StreamError(.integrity, "log batch after \(cursor) holds an unreadable frame at byte \(offset)", offset: offset)
                }
                if peek.length > maxBytes - frameBytes, emitted > 0 {
                    // Possibly a record larger than the room left: it goes first in the next
                    // reply (decided then, so nothing is decided that is not sent).
                    break reading
                }
                let frame: ArraySlice<UInt8>?
                var synthesized = false
                switch try decide(peek, batch.bytes, offset, after) {
                case .skip: frame = nil
                case .keep: frame = batch.bytes[offset..<offset + peek.length]
                case .replace(let replacement):
                    frame = replacement[...]
                    synthesized = true
                }
                if let frame {
                    try emit(ScannedFrame(peek: peek, cursor: after, frame: frame, synthesized: synthesized))
                    emitted += 1
                    frameBytes += frame.count
                }
                scanned += peek.length
                offset += peek.length
                cursor = after
            }
            cursor = batch.next
        }
        return ScanEnd(next: cursor, caughtUp: caughtUp, lastSequence: lastSequence)
    }

    struct FilterKey: Hashable {
        var doctype: String
        var docname: String
        var updateType: UInt8 = 0
        /// A grant or revoke made for the consumer: never dropped with a Create/Delete pair
        /// (the access journal counts on the consumer receiving it).
        var synthesized = false

        var document: FilterKey { FilterKey(doctype: doctype, docname: docname) }
    }

    /// The indices of the entries to keep: a document's entries from its Create through its
    /// Delete, both in the reply, are dropped together.
    static func droppingCreatedAndDeleted(_ keys: [FilterKey]) -> [Int] {
        var open: [FilterKey: [Int]] = [:]
        var dropped = Set<Int>()
        for (i, key) in keys.enumerated() {
            let document = key.document
            if key.synthesized {
                open[document] = nil
                continue
            }
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

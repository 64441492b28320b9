import DocumentModel
import EventLog
import SnapshotStore
import Synchronization

/// A `ProducerClient` that answers from verified files instead of the network, so an import
/// replays through exactly the path a pull takes (`StreamConsumer.pull`: reply verification,
/// lifecycle, naming, mapping, dependencies, sync log, parking, the watermark in the same
/// write as each change).
///
/// `updates` serves the records after the cursor asked for (the consumer's watermark first),
/// encoded as an ordinary updates reply; `documents` serves the dependency documents the
/// bundle carries. A document the files do not carry cannot be fetched offline: asking for it
/// is refused as `.notFound`, which fails (parks) that one record until the site is online
/// and retries it — it never stops the import or skips the record silently.
final class OfflineProducerClient: ProducerClient {
    struct State {
        var entries: OfflineEntries
        /// The cursor of the last record read, and a record read but not yet served.
        var last: LogCursor?
        var pending: (cursor: LogCursor, frame: [UInt8])?
    }

    private let state: Mutex<State>
    /// Where the files end (served as `next` once every record was read).
    let end: LogCursor
    let lastSequence: UInt64
    let documentsByKey: [DocumentKey: Document?]
    let documentsAsOf: UInt64
    /// What the files are, for messages ("the bundle", "the copied segments").
    let what: String
    /// Consumer-side filter for copied segments (nil: the producer filtered already).
    let include: (@Sendable (FramePeek, [UInt8]) throws -> Bool)?

    init(files: OfflineEntries.Files, end: LogCursor, lastSequence: UInt64, documents: [DocumentKey: Document?] = [:], asOf: UInt64 = 0,
         what: String, include: (@Sendable (FramePeek, [UInt8]) throws -> Bool)? = nil) {
        state = Mutex(State(entries: OfflineEntries(files)))
        self.end = end
        self.lastSequence = lastSequence
        documentsByKey = documents
        documentsAsOf = asOf
        self.what = what
        self.include = include
    }

    func register(_ request: RegisterRequest) async throws -> RegisterReply {
        throw StreamError(.invalidRequest, "registering needs the producer online; \(what) cannot register")
    }

    func updates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> [UInt8] {
        try reply(after: after, maxEntries: maxEntries, maxBytes: maxBytes).encoded(deflate: false)
    }

    /// The reply's records decoded straight from its frames: `RecordFrame.decode` checks each
    /// frame's crc and fields, and sequences and cursors must increase, as
    /// `UpdatesReply.decodeVerified` checks them — without encoding a reply (a copy and a crc
    /// of every byte) only to decode it again (two more).
    func verifiedUpdates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> (reply: UpdatesReply, records: [LogRecord]) {
        let reply = try reply(after: after, maxEntries: maxEntries, maxBytes: maxBytes)
        var records: [LogRecord] = []
        records.reserveCapacity(reply.entries.count)
        var lastCursor = after
        for (index, entry) in reply.entries.enumerated() {
            let record: LogRecord
            do { record = try RecordFrame.decode(entry.frame).record } catch {
                throw StreamError(.integrity, "\(what): the record before cursor \(entry.cursor) fails its check: \(error)")
            }
            if let last = records.last, record.sequence <= last.sequence {
                throw StreamError(.integrity, "\(what): entry \(index): sequence \(record.sequence) does not follow \(last.sequence)")
            }
            if let lastCursor, entry.cursor <= lastCursor {
                throw StreamError(.integrity, "\(what): entry \(index): cursor \(entry.cursor) does not follow \(lastCursor)")
            }
            lastCursor = entry.cursor
            records.append(record)
        }
        return (reply, records)
    }

    /// The next reply after `after`, read from the files.
    private func reply(after: LogCursor?, maxEntries: Int, maxBytes: Int) throws -> UpdatesReply {
        try state.withLock { s -> UpdatesReply in
            if let after, let last = s.last, after < last {
                // Asked for something already passed: start again from the first file.
                s.entries.rewind()
                s.last = nil
                s.pending = nil
            }
            var entries: [UpdateEntry] = []
            var bytes = 0
            var caughtUp = false
            while entries.count < maxEntries {
                let item: (cursor: LogCursor, frame: [UInt8])?
                if let pending = s.pending {
                    item = pending
                    s.pending = nil
                } else {
                    item = try s.entries.next()
                }
                guard let (cursor, frame) = item else {
                    caughtUp = true
                    break
                }
                if let after, cursor <= after {
                    s.last = cursor
                    continue
                }
                if !entries.isEmpty, bytes + frame.count > maxBytes {
                    s.pending = (cursor, frame)
                    break
                }
                if let include {
                    guard let peek = FramePeek(frame, at: 0) else {
                        throw StreamError(.integrity, "\(what): an unreadable frame before cursor \(cursor)")
                    }
                    guard try include(peek, frame) else {
                        s.last = cursor
                        continue
                    }
                }
                entries.append(UpdateEntry(cursor: cursor, frame: frame))
                bytes += frame.count
                s.last = cursor
            }
            var next = s.last ?? after ?? end
            if caughtUp, next < end { next = end }
            if let after, next < after { next = after }
            return UpdatesReply(next: next, caughtUp: caughtUp, lastSequence: lastSequence, statuses: [], entries: entries)
        }
    }

    func documents(_ request: DocumentsRequest) async throws -> DocumentsReply {
        var documents: [Document] = []
        var missing: [DocumentKey] = []
        for key in request.keys {
            guard let carried = documentsByKey[key] else {
                throw StreamError(.notFound, "\(key.doctype) \(key.name) is not carried in \(what); it is fetched from the producer once this site is online again",
                                  doctype: key.doctype, docname: key.name)
            }
            if let carried { documents.append(carried) } else { missing.append(key) }
        }
        return DocumentsReply(asOf: documentsAsOf, documents: documents, missing: missing)
    }
}

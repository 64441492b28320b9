import DocumentModel
import EventLog
import Foundation
import Site
import SnapshotStore

extension StreamProducer {
    /// What one record brings to a bundle's dependencies, as far as the reading thread works
    /// it out (`ExportDependencyReader`, which also keeps where each document was created);
    /// the writing one takes the notes in order (`ExportState.write`). A Create's links are
    /// scanned out of its frame by whichever thread has spent less CPU time so far (decided
    /// piece by piece, `ExportLinkScans.balanced`): the export goes as fast as its busier
    /// thread, and the scans are the one part either can do.
    enum ExportNote: Sendable {
        case none
        /// A Create of a document of `doctype`: the writer scans the frame for its links
        /// (`DependencyScans`).
        case create(doctype: String)
        /// An Update or Cancel of a document first met: the links of that document as it
        /// stands now; or the links of a Create the reader scanned.
        case links([DocumentKey])
        /// A Delete: whether its document is gone for good travels too, even when the bundle
        /// creates it.
        case delete(DocumentKey)
    }

    /// One entry of a piece: its sequence, its bytes in the piece (the 16-byte cursor and the
    /// frame), whether the frame was read from the log with its crc checked (a synthesized
    /// grant or revoke is not), and its dependency note.
    struct ExportEntry: Sendable {
        var sequence: UInt64
        var size: Int
        var verified: Bool
        var note: ExportNote
    }

    /// Entries an export writes, in order, already laid out as a records file holds them
    /// (docs/formats/bundle.md), so the writer hands `bytes` to `write(2)` as they are; and
    /// the log's last sequence when they were read (for progress). Pieces go back to the
    /// reader once written (`ExportHandoff.recycle`) and are filled again: their buffers are
    /// allocated once per export, not once per piece.
    struct ExportPiece: Sendable {
        var bytes: [UInt8] = []
        var entries: [ExportEntry] = []
        var lastSequence: UInt64 = 0

        static func empty() -> ExportPiece {
            var piece = ExportPiece()
            piece.bytes.reserveCapacity(exportPieceBytes + (64 << 10))
            piece.entries.reserveCapacity(exportPieceFrames)
            return piece
        }
    }

    /// Which thread scans the links of an export's Creates. The bundle is the same either way
    /// (the tests hold the three side by side); only the load of the two threads differs.
    public enum ExportLinkScans: Sendable {
        /// The writer, and the reader for each piece it fills while it has spent less CPU
        /// time than the writer so far: the two stay evenly loaded, whatever the disk and the
        /// machine's load make of the writer's part.
        case balanced
        /// The writer only.
        case writer
        /// The reader only.
        case reader
    }

    /// Pieces hand over at about this size: large enough that handing over costs nothing per
    /// frame, small enough that the writer starts early.
    static let exportPieceFrames = 2048
    static let exportPieceBytes = 2 << 20
    /// Pieces waiting for the writer at most.
    static let exportPiecesWaiting = 4
    /// Each read of the log: below glibc's mmap threshold (128 KiB), so read buffers are
    /// recycled by the reading thread's heap (the frames are copied into the piece and the
    /// read buffer is freed on the thread that allocated it).
    static let exportReadBytes = 96 << 10

    /// Reads what `exportBundle` writes for `record` after `start` (through `through`, if
    /// given) on a thread of its own, handing each piece to `write` on this one, and returns
    /// the cursor the bundle ends at. Reading — the log's pread and crc checks, the filter a
    /// pull applies (`filteredFrames`), each record's dependencies — then overlaps writing,
    /// each on a core.
    ///
    /// A grant or revoke a condition retry makes at the request's own position (its sequence
    /// is earlier than records already kept) is left out: a bundle is strictly ordered.
    ///
    /// The first error on either side ends both: a damaged log record fails the read and is
    /// thrown here after the pieces before it; an error from `write` stops the reader. Either
    /// way the reading thread has finished when this returns.
    /// Where the reading ended: the cursor the bundle ends at, and every Create of the
    /// bundle in order (`ExportCreation`).
    struct ExportEnd: Sendable {
        var cursor: LogCursor
        var created: [ExportCreation]
        /// The reading thread's CPU time, seconds.
        var readerCPUSeconds: Double = 0
    }

    /// The calling thread's CPU time in seconds. The corresponding C function is
    /// `clock_gettime` (`CLOCK_THREAD_CPUTIME_ID`).
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    func readExportFrames(for record: ConsumerRecord, from start: LogCursor, fromSequence: UInt64, through: LogCursor?,
                          linkScans: ExportLinkScans = .balanced, write: (ExportPiece) throws -> Void) throws -> ExportEnd {
        let handoff = ExportHandoff<ExportPiece, ExportEnd>(capacity: Self.exportPiecesWaiting)
        let finished = DispatchSemaphore(value: 0)
        let writerCPUStarted = Self.threadCPUSeconds()
        let reader = Thread { [self] in
            let cpuStarted = Self.threadCPUSeconds()
            handoff.finish(Result {
                var end = try readExportFrames(for: record, from: start, fromSequence: fromSequence, through: through,
                                               linkScans: linkScans, into: handoff)
                end.readerCPUSeconds = Self.threadCPUSeconds() - cpuStarted
                return end
            })
            finished.signal()
        }
        reader.name = "export-read"
        reader.start()
        defer {
            handoff.stop()
            finished.wait()
        }
        while true {
            switch handoff.take() {
            case .piece(var piece):
                try write(piece)
                handoff.noteWriterCPU(Self.threadCPUSeconds() - writerCPUStarted)
                piece.bytes.removeAll(keepingCapacity: true)
                piece.entries.removeAll(keepingCapacity: true)
                handoff.recycle(piece)
            case .end(let end): return try end.get()
            }
        }
    }

    /// The writer stopped taking pieces (it failed; its error is the one reported).
    private struct ExportWriterStopped: Error {}

    /// The reading side of `readExportFrames`: the same replies a pull would get, piece by piece.
    private func readExportFrames(for record: ConsumerRecord, from start: LogCursor, fromSequence: UInt64, through: LogCursor?,
                                  linkScans: ExportLinkScans, into handoff: ExportHandoff<ExportPiece, ExportEnd>) throws -> ExportEnd {
        var cursor = start
        var lastCursor = start
        var lastSequence = fromSequence
        var logLastSequence = site.log.lastSequence
        var dependencies = ExportDependencyReader(site: site)
        var piece = ExportPiece.empty()
        let cpuStarted = Self.threadCPUSeconds()
        // Whether this thread scans the Creates of the piece it fills.
        var scanning = linkScans == .reader
        func handOver() throws {
            guard !piece.entries.isEmpty else { return }
            piece.lastSequence = logLastSequence
            guard handoff.put(piece) else { throw ExportWriterStopped() }
            piece = handoff.reusable() ?? ExportPiece.empty()
            if linkScans == .balanced { scanning = Self.threadCPUSeconds() - cpuStarted < handoff.writerCPUSeconds }
        }
        while true {
            // As a pull's filter decides, except that a document created and deleted within
            // one reply stays: the consumer may hold it from an earlier import or pull.
            let reply = try filteredFrames(for: record, after: cursor, maxEntries: 10_000, maxBytes: 8 << 20,
                                           readBytes: Self.exportReadBytes) { scanned in
                if let through, scanned.cursor > through { return }
                guard scanned.cursor > lastCursor, scanned.peek.sequence > lastSequence else { return }
                lastCursor = scanned.cursor
                lastSequence = scanned.peek.sequence
                piece.bytes.appendU64(scanned.cursor.segment)
                piece.bytes.appendU64(scanned.cursor.offset)
                piece.bytes.append(contentsOf: scanned.frame)
                piece.entries.append(ExportEntry(sequence: scanned.peek.sequence, size: 16 + scanned.frame.count,
                                                 verified: !scanned.synthesized, note: try dependencies.note(scanned, scanning: scanning)))
                if piece.entries.count >= Self.exportPieceFrames || piece.bytes.count >= Self.exportPieceBytes { try handOver() }
            }
            logLastSequence = max(logLastSequence, reply.lastSequence)
            if let through, reply.next >= through {
                try handOver()
                return ExportEnd(cursor: through, created: dependencies.created)
            }
            if reply.caughtUp || reply.next == cursor {
                try handOver()
                return ExportEnd(cursor: reply.next, created: dependencies.created)
            }
            cursor = reply.next
        }
    }
}

/// A Create of a bundle: the key hash (`ExportKeyHash`) of the document and its sequence.
struct ExportCreation: Sendable {
    var key: UInt64
    var sequence: UInt64
}

/// The reading thread's part of an export's dependencies: which documents the bundle creates
/// and where (`created`, handed over at the end), for an Update or Cancel the links
/// of the document as it stands now (once per document), a Delete's key — the rest handed to
/// the writer as an `ExportNote`, which scans the Creates' links and gathers the targets.
struct ExportDependencyReader {
    let site: Site
    /// The bundle's Creates in order: appended, never looked up here (a table insert per
    /// Create, a cache miss each, was a seventh of this thread's time); the few link targets
    /// are looked for in one pass at the end (`ExportState.firstCreations`).
    var created: [ExportCreation] = []
    /// Documents whose current links were looked at.
    var looked = KeyHashMap()
    /// This thread's own scans of Creates (the writer keeps its own): a Create passed over
    /// as linking like the previous one is compared with the previous one this thread
    /// scanned, whose links went ahead of it in the bundle's order.
    var scans: DependencyScans

    init(site: Site) {
        self.site = site
        scans = DependencyScans(site: site)
    }

    /// `scanning`: this thread scans a Create's links itself (`.links`) instead of leaving
    /// them to the writer (`.create`).
    mutating func note(_ scanned: StreamProducer.ScannedFrame, scanning: Bool) throws -> StreamProducer.ExportNote {
        let peek = scanned.peek
        switch UpdateType(rawValue: peek.updateType) {
        case .create?:
            created.append(ExportCreation(key: ExportKeyHash.of(doctype: peek.doctype, name: peek.docname), sequence: peek.sequence))
            guard scanning else { return .create(doctype: peek.doctype) }
            guard let document = try scans.linkingFields(of: scanned.frame, doctype: peek.doctype) else { return .none }
            return .links(targets(of: document))
        case .update?, .cancel?:
            guard looked.insert(ExportKeyHash.of(doctype: peek.doctype, name: peek.docname)),
                  let document = try site.get(peek.doctype, peek.docname) else { return .none }
            return .links(targets(of: document))
        case .delete?:
            return .delete(DocumentKey(doctype: peek.doctype, name: peek.docname))
        default:
            return .none
        }
    }

    func targets(of document: Document) -> [DocumentKey] { ExportState.targets(of: document, site: site) }
}

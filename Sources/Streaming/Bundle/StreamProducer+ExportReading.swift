import EventLog
import Foundation

extension StreamProducer {
    /// Frames an export writes, in order: a run of what the consumer may receive, and the
    /// log's last sequence when they were read (for progress).
    struct ExportPiece: Sendable {
        var frames: [ScannedFrame]
        var lastSequence: UInt64
    }

    /// Pieces hand over at about this size: large enough that handing over costs nothing per
    /// frame, small enough that the writer starts early.
    static let exportPieceFrames = 2048
    static let exportPieceBytes = 2 << 20
    /// Pieces waiting for the writer at most (frames keep their log read buffers, 4 MiB
    /// each, alive while they wait).
    static let exportPiecesWaiting = 4
    /// Each read of the log: below glibc's mmap threshold (128 KiB), so read buffers are
    /// recycled by the reading thread's heap. With 4 MiB reads every buffer was a fresh
    /// mapping freed by the other thread, and page faults took a seventh of the export's CPU.
    static let exportReadBytes = 96 << 10

    /// Reads what `exportBundle` writes for `record` after `start` (through `through`, if
    /// given) on a thread of its own, handing each piece to `write` on this one, and returns
    /// the cursor the bundle ends at. Reading — the log's pread and crc checks, the filter a
    /// pull applies (`filteredFrames`) — then overlaps writing, each on a core.
    ///
    /// A grant or revoke a condition retry makes at the request's own position (its sequence
    /// is earlier than records already kept) is left out: a bundle is strictly ordered.
    ///
    /// The first error on either side ends both: a damaged log record fails the read and is
    /// thrown here after the pieces before it; an error from `write` stops the reader. Either
    /// way the reading thread has finished when this returns.
    func readExportFrames(for record: ConsumerRecord, from start: LogCursor, fromSequence: UInt64, through: LogCursor?,
                          write: (ExportPiece) throws -> Void) throws -> LogCursor {
        let handoff = ExportHandoff<ExportPiece, LogCursor>(capacity: Self.exportPiecesWaiting)
        let finished = DispatchSemaphore(value: 0)
        let reader = Thread { [self] in
            handoff.finish(Result {
                try readExportFrames(for: record, from: start, fromSequence: fromSequence, through: through, into: handoff)
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
            case .piece(let piece): try write(piece)
            case .end(let end): return try end.get()
            }
        }
    }

    /// The writer stopped taking pieces (it failed; its error is the one reported).
    private struct ExportWriterStopped: Error {}

    /// The reading side of `readExportFrames`: the same replies a pull would get, piece by piece.
    private func readExportFrames(for record: ConsumerRecord, from start: LogCursor, fromSequence: UInt64, through: LogCursor?,
                                  into handoff: ExportHandoff<ExportPiece, LogCursor>) throws -> LogCursor {
        var cursor = start
        var lastCursor = start
        var lastSequence = fromSequence
        var logLastSequence = site.log.lastSequence
        var frames: [ScannedFrame] = []
        var frameBytes = 0
        func handOver() throws {
            guard !frames.isEmpty else { return }
            guard handoff.put(ExportPiece(frames: frames, lastSequence: logLastSequence)) else { throw ExportWriterStopped() }
            frames.removeAll(keepingCapacity: true)
            frameBytes = 0
        }
        while true {
            // As a pull's filter decides, except that a document created and deleted within
            // one reply stays: the consumer may hold it from an earlier import or pull. The
            // frames stay in the log's read buffer until written.
            let reply = try filteredFrames(for: record, after: cursor, maxEntries: 10_000, maxBytes: 8 << 20,
                                           readBytes: Self.exportReadBytes) { scanned in
                if let through, scanned.cursor > through { return }
                guard scanned.cursor > lastCursor, scanned.peek.sequence > lastSequence else { return }
                lastCursor = scanned.cursor
                lastSequence = scanned.peek.sequence
                frames.append(scanned)
                frameBytes += scanned.frame.count
                if frames.count >= Self.exportPieceFrames || frameBytes >= Self.exportPieceBytes { try handOver() }
            }
            logLastSequence = max(logLastSequence, reply.lastSequence)
            if let through, reply.next >= through {
                try handOver()
                return through
            }
            if reply.caughtUp || reply.next == cursor {
                try handOver()
                return reply.next
            }
            cursor = reply.next
        }
    }
}

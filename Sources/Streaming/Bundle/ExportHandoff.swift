import Foundation

/// Carries an export's frames from the thread that reads and filters the log to the thread
/// that writes the bundle, a piece at a time, so reading (pread, crc checks, the filter) and
/// writing (dependency scans, copies, write syscalls) run on two cores at once.
///
/// Memory stays bounded: at most `capacity` pieces wait, and the reader blocks for room. A
/// failure on either side stops the other: the reader's error (or its end) is handed over
/// after its last piece; the writer `stop`s, and the reader's next `put` returns false.
///
/// Written pieces can travel back (`recycle`, `reusable`), so their buffers are filled again
/// by the thread that first allocated them instead of being freed on the other thread and
/// allocated anew (page faults were a tenth of an export's CPU).
final class ExportHandoff<Piece: Sendable, End: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property is read and written only under `condition`'s lock.
    private let condition = NSCondition()
    /// Taken pieces are set to nil, so the writer holds the only reference to its piece's
    /// buffers and can empty them in place.
    private var pieces: [Piece?] = []
    private var head = 0
    private var spare: [Piece] = []
    private var end: Result<End, any Error>?
    private var stopped = false
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// What the writer takes next.
    enum Next {
        case piece(Piece)
        case end(Result<End, any Error>)
    }

    /// Reader: hands over `piece`, waiting while `capacity` pieces wait already. False when
    /// the writer stopped (the piece is dropped; the reader should stop too).
    func put(_ piece: Piece) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while pieces.count - head >= capacity, !stopped { condition.wait() }
        guard !stopped else { return false }
        pieces.append(piece)
        condition.broadcast()
        return true
    }

    /// The CPU time the writer has spent so far (`noteWriterCPU`), seconds: the reader takes
    /// on work while it has spent less.
    var writerCPUSeconds: Double {
        condition.lock()
        defer { condition.unlock() }
        return writerCPU
    }
    private var writerCPU = 0.0

    /// Writer: the CPU time it has spent so far.
    func noteWriterCPU(_ seconds: Double) {
        condition.lock()
        defer { condition.unlock() }
        writerCPU = seconds
    }

    /// Reader: its last word, after its last piece: where it ended, or why it failed.
    func finish(_ result: Result<End, any Error>) {
        condition.lock()
        defer { condition.unlock() }
        end = result
        condition.broadcast()
    }

    /// Writer: the next piece in order, or the reader's end once every piece was taken.
    func take() -> Next {
        condition.lock()
        defer { condition.unlock() }
        while head == pieces.count, end == nil { condition.wait() }
        if head < pieces.count {
            let piece = pieces[head]!
            pieces[head] = nil
            head += 1
            if head == pieces.count {
                pieces.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.broadcast()
            return .piece(piece)
        }
        return .end(end!)
    }

    /// Writer: hands a written piece back for the reader to fill again (kept only while fewer
    /// than `capacity` + 2 wait: as many as can be in flight).
    func recycle(_ piece: Piece) {
        condition.lock()
        defer { condition.unlock() }
        if !stopped, spare.count < capacity + 2 { spare.append(piece) }
    }

    /// Reader: a piece handed back, if any.
    func reusable() -> Piece? {
        condition.lock()
        defer { condition.unlock() }
        return spare.popLast()
    }

    /// Writer: takes no more; the reader's waiting or next `put` returns false.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        pieces.removeAll()
        spare.removeAll()
        head = 0
        condition.broadcast()
    }
}

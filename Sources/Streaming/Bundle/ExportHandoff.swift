import Foundation

/// Carries an export's frames from the thread that reads and filters the log to the thread
/// that writes the bundle, a piece at a time, so reading (pread, crc checks, the filter) and
/// writing (dependency scans, copies, write syscalls) run on two cores at once.
///
/// Memory stays bounded: at most `capacity` pieces wait, and the reader blocks for room. A
/// failure on either side stops the other: the reader's error (or its end) is handed over
/// after its last piece; the writer `stop`s, and the reader's next `put` returns false.
final class ExportHandoff<Piece: Sendable, End: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property is read and written only under `condition`'s lock.
    private let condition = NSCondition()
    private var pieces: [Piece] = []
    private var head = 0
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
            let piece = pieces[head]
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

    /// Writer: takes no more; the reader's waiting or next `put` returns false.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        pieces.removeAll()
        head = 0
        condition.broadcast()
    }
}

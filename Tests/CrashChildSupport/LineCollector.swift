import Foundation
import Synchronization

/// Collects a child's stdout lines on a thread of its own, so the parent can poll how far the
/// child got without blocking on the pipe.
public final class LineCollector: Sendable {
    private let lines = Mutex<[String]>([])
    private let finished = Mutex(false)

    public init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                pending.append(data)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    lines.withLock { $0.append(line) }
                }
            }
            finished.withLock { $0 = true }
        }
    }

    public var count: Int { lines.withLock { $0.count } }
    public var isFinished: Bool { finished.withLock { $0 } }
    public var all: [String] { lines.withLock { $0 } }
}

import CZlib
import Synchronization

/// A few idle zlib deflate streams (level 1, zlib format, default window and memory: exactly
/// what `compress2` uses, so the output is the same bytes) for `Deflate.compress` to reuse.
///
/// Writers frame records on their own threads, several at once, so the streams are lent out
/// under a mutex rather than kept per thread; at most `keep` idle ones are held (each is about
/// 270 KB), and a caller that finds none idle makes its own.
final class DeflateStreams: Sendable {
    static let shared = DeflateStreams(keep: 8)

    /// Idle streams, as addresses: a `z_stream` holds pointers, so it is not `Sendable`; an
    /// idle one is touched by nobody, and a lent one only by its borrower.
    private let idle = Mutex<[UInt]>([])
    private let keep: Int

    init(keep: Int) {
        self.keep = keep
    }

    /// Runs `body` with a stream of its own; nil when zlib cannot make one (out of memory).
    func withStream<T>(_ body: (UnsafeMutablePointer<z_stream>) -> T?) -> T? {
        let lent: UInt? = idle.withLock { $0.popLast() }
        guard let stream = lent.flatMap({ UnsafeMutablePointer<z_stream>(bitPattern: $0) }) ?? Self.make() else { return nil }
        let result = body(stream)
        let kept = idle.withLock { streams -> Bool in
            guard streams.count < keep else { return false }
            streams.append(UInt(bitPattern: stream))
            return true
        }
        if !kept {
            deflateEnd(stream)
            stream.deallocate()
        }
        return result
    }

    /// A new stream, as `compress2(…, 1)` sets one up (`deflateInit` is a C macro, hence `_`).
    private static func make() -> UnsafeMutablePointer<z_stream>? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard deflateInit_(stream, 1, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            return nil
        }
        return stream
    }
}

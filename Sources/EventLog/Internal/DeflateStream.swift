import CZlib
import Synchronization

/// One zlib deflate stream (level 1, zlib format, 32 KiB window: `compress2`'s settings), kept
/// and reset between payloads instead of set up anew for each.
///
/// Why: `compress2` allocates and clears about 270 KB of working memory (window, hash chains,
/// pending buffer) for every call and frees it again; for a 12 KB invoice that setup cost as
/// much as the compression itself (a C probe: 127 µs per invoice with `compress2` against 57 µs
/// with a reset stream, byte-identical output). `deflateReset` keeps the memory.
///
/// The `z_stream` lives at a fixed address (zlib's state points back to it), so it is allocated
/// by hand, not held as a stored struct that Swift may move.
final class DeflateStream: @unchecked Sendable {
    // @unchecked: a stream is used by one thread at a time. It is either in the idle pool (only
    // touched under the pool's lock) or taken out of it by the one caller of `withIdle`.
    private let stream: UnsafeMutablePointer<z_stream>

    /// nil when zlib cannot set up a stream (out of memory).
    init?() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard deflateInit_(stream, 1, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            return nil
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// `input` deflated in one pass, or nil when that fails or does not make it smaller.
    func compress(_ input: [UInt8]) -> [UInt8]? {
        guard deflateReset(stream) == Z_OK else { return nil }
        let bound = Int(deflateBound(stream, UInt(input.count)))
        var status = Z_STREAM_ERROR
        let output = [UInt8](unsafeUninitializedCapacity: bound) { out, initialized in
            initialized = 0
            input.withUnsafeBufferPointer { inp in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
                stream.pointee.avail_in = UInt32(inp.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = UInt32(bound)
                status = deflate(stream, Z_FINISH)
                if status == Z_STREAM_END { initialized = bound - Int(stream.pointee.avail_out) }
            }
            // No pointers into buffers that are about to go away stay in the kept stream.
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
        }
        guard status == Z_STREAM_END, output.count < input.count else { return nil }
        return output
    }

    /// Streams not in use, at most `keptIdle` of them (about 270 KB each): enough for the
    /// writers that deflate at the same time, bounded whatever the concurrency.
    private static let idle = Mutex<[DeflateStream]>([])
    static let keptIdle = 4

    /// Runs `body` with a stream taken from the idle pool (or a new one) and puts it back after;
    /// nil when no stream can be had.
    static func withIdle<T>(_ body: (DeflateStream) -> T) -> T? {
        guard let stream = idle.withLock({ $0.popLast() }) ?? DeflateStream() else { return nil }
        let result = body(stream)
        idle.withLock { streams in
            if streams.count < keptIdle { streams.append(stream) }
        }
        return result
    }
}

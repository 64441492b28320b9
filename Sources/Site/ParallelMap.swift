import Dispatch

/// Maps `items` on up to `workers` threads, in contiguous chunks, keeping the order. For pure,
/// CPU-bound work over a bounded batch (parsing and indexing the documents of one fold batch).
/// Small inputs, or `workers` 1, run on the calling thread. The first error thrown (in item
/// order) is rethrown after every chunk has finished.
func parallelMap<T: Sendable, R: Sendable>(_ items: [T], workers: Int, minimumChunk: Int = 256,
                                           _ transform: @Sendable (T) throws -> R) throws -> [R] {
    let chunks = min(workers, items.count / max(1, minimumChunk))
    guard chunks > 1 else { return try items.map(transform) }
    let chunkSize = (items.count + chunks - 1) / chunks
    var results = [Result<[R], any Error>?](repeating: nil, count: chunks)
    results.withUnsafeMutableBufferPointer { slots in
        // Each iteration writes only its own slot; concurrentPerform returns after all ran.
        nonisolated(unsafe) let slots = slots
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (chunk * chunkSize)..<min(items.count, (chunk + 1) * chunkSize)
            slots[chunk] = Result { try items[range].map(transform) }
        }
    }
    var out: [R] = []
    out.reserveCapacity(items.count)
    for result in results { out += try result!.get() }
    return out
}

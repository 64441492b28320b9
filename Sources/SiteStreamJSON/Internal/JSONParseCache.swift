import Synchronization

/// What one parse leaves for the next: interned keys and values, and the sizes of the last
/// containers seen at each depth. Kept in a small pool: a parse takes a cache (or makes one
/// when all are in use) and gives it back, so a cache is never shared and no lock is held while
/// parsing. Each cache holds about 600 KiB; the pool keeps at most `pooled` of them, enough for
/// the parses that run at once on a small machine, since making a cache costs about as much as
/// parsing a 10 KB document.
final class JSONParseCache {
    let keys = JSONStringTable()
    let values = JSONStringTable()
    /// [0]: the last object serial handed out (for duplicate-key stamps), then the element
    /// count of the last array and object at each depth (arrays at odd indexes, objects at
    /// even): rows of a table have the same shape, so the next one reserves that much room.
    let counters: UnsafeMutablePointer<Int>
    static let hintDepths = 16
    /// The key slot of member k of the last object at each depth (-1: none), for the first
    /// `predictedMembers` members: the next object at that depth, a row of the same table,
    /// most likely has the same keys in the same order, and checking a guess is cheaper than
    /// hashing.
    let predictedKeys: UnsafeMutablePointer<Int>
    static let predictedMembers = 64

    init() {
        counters = .allocate(capacity: 1 + 2 * Self.hintDepths)
        counters.initialize(repeating: 0, count: 1 + 2 * Self.hintDepths)
        predictedKeys = .allocate(capacity: Self.hintDepths * Self.predictedMembers)
        predictedKeys.initialize(repeating: -1, count: Self.hintDepths * Self.predictedMembers)
    }

    deinit {
        counters.deallocate()
        predictedKeys.deallocate()
    }

    @inline(__always)
    func nextObjectSerial() -> Int {
        counters[0] += 1
        return counters[0]
    }

    @inline(__always)
    func hintIndex(depth: Int, object: Bool) -> Int {
        1 + 2 * min(depth, Self.hintDepths - 1) + (object ? 1 : 0)
    }

    static let pooled = 4
    private static let pool = Mutex<[JSONParseCache]>([])

    static func take() -> JSONParseCache {
        let cache = pool.withLock { $0.popLast() } ?? JSONParseCache()
        cache.keys.emptyIfFull()
        cache.values.emptyIfFull()
        return cache
    }

    static func giveBack(_ cache: JSONParseCache) {
        pool.withLock { caches in
            if caches.count < pooled { caches.append(cache) }
        }
    }
}

// A cache is used by one parse at a time: `take()` removes it from the pool under the lock,
// and a parser never shares it.
extension JSONParseCache: @unchecked Sendable {}

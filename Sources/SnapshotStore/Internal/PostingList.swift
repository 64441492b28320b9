/// The documents carrying one index value when more than one do (a customer group, a link
/// target): their ids in ascending order, four bytes each.
///
/// It replaced a hash set that spent about ten bytes a posting (load between 3/8 and 3/4)
/// and about a hundred for a set of two (its minimum of eight slots, its own heap block and
/// the set's fields): at a million documents the `linkto` postings were the index's largest
/// part. Ids mostly arrive in ascending order (new documents get new ids), so an insert is
/// usually an append.
///
/// A list of up to `runLimit` ids is one array (`head`). A longer one (a million Customers in
/// one Customer Group) is cut into runs of at most `runLimit` ids, so an insert or removal in
/// its middle (a deleted Customer; a reused id) moves at most one run's tail, not megabytes.
struct PostingList {
    /// One array while the list fits one run; ascending runs, each non-empty and at most
    /// `runLimit` long, once it does not. An enum of two array references is one word, as the
    /// plain array was: a struct of both would add 8 bytes to each of the many small lists.
    private enum Storage {
        case one([UInt32])
        case runs([[UInt32]])
    }

    private var storage = Storage.one([])

    static let runLimit = 4096

    init() {}

    init(_ a: UInt32, _ b: UInt32) {
        storage = .one(a < b ? [a, b] : [b, a])
    }

    /// A list of `unordered` ids, without duplicates (loading a snapshot).
    init(loading unordered: [UInt32]) {
        storage = Self.stored(unordered.sorted())
    }

    /// `ids` (ascending) as one array, or cut into runs of half the limit when longer than
    /// one, so the next inserts do not split at once.
    private static func stored(_ ids: [UInt32]) -> Storage {
        guard ids.count > runLimit else { return .one(ids) }
        let size = runLimit / 2
        return .runs(stride(from: 0, to: ids.count, by: size).map { Array(ids[$0..<min($0 + size, ids.count)]) })
    }

    var count: Int {
        switch storage {
        case .one(let ids): ids.count
        case .runs(let runs): runs.reduce(0) { $0 + $1.count }
        }
    }

    var first: UInt32? {
        switch storage {
        case .one(let ids): ids.first
        case .runs(let runs): runs[0].first
        }
    }

    /// All ids in ascending order (copied together when the list is cut into runs).
    var ids: [UInt32] {
        switch storage {
        case .one(let ids): ids
        case .runs(let runs): Array(runs.joined())
        }
    }

    /// Where `id` is in `run`, or where it would go.
    @inline(__always)
    private static func position(of id: UInt32, in run: [UInt32]) -> (index: Int, found: Bool) {
        var low = 0, high = run.count
        while low < high {
            let mid = (low + high) >> 1
            if run[mid] < id { low = mid + 1 } else { high = mid }
        }
        return (low, low < run.count && run[low] == id)
    }

    /// The run that holds `id` or would take it: the first whose last id is ≥ `id`, else the last.
    private static func run(for id: UInt32, in runs: [[UInt32]]) -> Int {
        var low = 0, high = runs.count - 1
        while low < high {
            let mid = (low + high) >> 1
            if runs[mid][runs[mid].count - 1] < id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    func contains(_ id: UInt32) -> Bool {
        switch storage {
        case .one(let ids): Self.position(of: id, in: ids).found
        case .runs(let runs): Self.position(of: id, in: runs[Self.run(for: id, in: runs)]).found
        }
    }

    @discardableResult
    mutating func insert(_ id: UInt32) -> Bool {
        switch storage {
        case .one(var ids):
            storage = .one([])  // so `ids` is the array's only reference and changes in place
            let inserted = Self.insert(id, into: &ids)
            storage = Self.stored(ids)
            return inserted
        case .runs(var runs):
            storage = .one([])
            defer { storage = .runs(runs) }
            let r = Self.run(for: id, in: runs)
            guard Self.insert(id, into: &runs[r]) else { return false }
            if runs[r].count > Self.runLimit {
                let upper = Array(runs[r][(runs[r].count / 2)...])
                runs[r].removeLast(upper.count)
                runs.insert(upper, at: r + 1)
            }
            return true
        }
    }

    private static func insert(_ id: UInt32, into run: inout [UInt32]) -> Bool {
        if let last = run.last, id > last {
            run.append(id)
            return true
        }
        let (index, found) = position(of: id, in: run)
        guard !found else { return false }
        run.insert(id, at: index)
        return true
    }

    @discardableResult
    mutating func remove(_ id: UInt32) -> Bool {
        switch storage {
        case .one(var ids):
            let (index, found) = Self.position(of: id, in: ids)
            guard found else { return false }
            storage = .one([])
            ids.remove(at: index)
            storage = .one(ids)
            return true
        case .runs(var runs):
            let r = Self.run(for: id, in: runs)
            let (index, found) = Self.position(of: id, in: runs[r])
            guard found else { return false }
            storage = .one([])
            runs[r].remove(at: index)
            if runs[r].isEmpty { runs.remove(at: r) }
            // Back to one array once it fits in one run again.
            let total = runs.count <= 2 ? runs.reduce(0) { $0 + $1.count } : Int.max
            storage = runs.count == 1 || total <= Self.runLimit ? .one(Array(runs.joined())) : .runs(runs)
            return true
        }
    }

    func forEach(_ body: (UInt32) -> Void) {
        switch storage {
        case .one(let ids): for id in ids { body(id) }
        case .runs(let runs): for run in runs { for id in run { body(id) } }
        }
    }

    /// The first `limit` ids.
    func prefix(_ limit: Int) -> [UInt32] {
        switch storage {
        case .one(let ids): Array(ids.prefix(limit))
        case .runs(let runs): Array(runs.joined().prefix(limit))
        }
    }

    /// The most ids one insert or removal may have to move: the longest array.
    var longestRun: Int {
        switch storage {
        case .one(let ids): ids.count
        case .runs(let runs): runs.reduce(0) { max($0, $1.count) }
        }
    }

    var allocatedBytes: Int {
        switch storage {
        case .one(let ids): ids.capacity * 4
        case .runs(let runs): runs.reduce(runs.capacity * 8) { $0 + $1.capacity * 4 + StoreIndex.heapOverhead }
        }
    }
}

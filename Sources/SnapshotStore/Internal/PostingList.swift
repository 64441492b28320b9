/// The documents carrying one index value when more than one do (a customer group, a link
/// target): their ids in ascending order, four bytes each.
///
/// It replaced a hash set that spent about ten bytes a posting (load between 3/8 and 3/4)
/// and about a hundred for a set of two (its minimum of eight slots, its own heap block and
/// the set's fields): at a million documents the `linkto` postings were the index's largest
/// part. Ids mostly arrive in ascending order (new documents get new ids), so an insert is
/// usually an append; an insert or removal elsewhere moves the tail, which `SnapshotStore`
/// keeps rare by changing only the terms a new version adds or drops.
struct PostingList {
    private(set) var ids: [UInt32] = []

    init() {}

    init(_ a: UInt32, _ b: UInt32) {
        ids = a < b ? [a, b] : [b, a]
    }

    /// A list of `unordered` ids, without duplicates (loading a snapshot).
    init(loading unordered: [UInt32]) {
        ids = unordered
        ids.sort()
    }

    var count: Int { ids.count }
    var first: UInt32? { ids.first }

    /// Where `id` is, or where it would go.
    @inline(__always)
    private func position(of id: UInt32) -> (index: Int, found: Bool) {
        var low = 0, high = ids.count
        while low < high {
            let mid = (low + high) >> 1
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return (low, low < ids.count && ids[low] == id)
    }

    func contains(_ id: UInt32) -> Bool { position(of: id).found }

    @discardableResult
    mutating func insert(_ id: UInt32) -> Bool {
        if let last = ids.last, id > last {
            ids.append(id)
            return true
        }
        let (index, found) = position(of: id)
        guard !found else { return false }
        ids.insert(id, at: index)
        return true
    }

    @discardableResult
    mutating func remove(_ id: UInt32) -> Bool {
        let (index, found) = position(of: id)
        guard found else { return false }
        ids.remove(at: index)
        return true
    }

    func forEach(_ body: (UInt32) -> Void) {
        for id in ids { body(id) }
    }

    /// The first `limit` ids.
    func prefix(_ limit: Int) -> [UInt32] { Array(ids.prefix(limit)) }

    var allocatedBytes: Int { ids.capacity * 4 }
}

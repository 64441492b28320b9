/// A set of document ids: open addressing over a flat `[UInt32]` with Fibonacci hashing,
/// linear probing, load ≤ 3/4 and backward-shift deletion. The posting list of a term many
/// documents share (a customer group, a link target); cheaper to hash and to hold than
/// `Set<UInt32>`.
struct IDSet {
    private var slots: [UInt32] = []
    private(set) var count = 0
    private var shift: UInt32 = 32
    private static let empty = UInt32.max

    init() {}

    init(minimumCapacity: Int) {
        if minimumCapacity > 0 { resize(to: HashSlots.slotCount(for: minimumCapacity)) }
    }

    @inline(__always) private func home(_ id: UInt32) -> Int {
        Int((id &* 0x9E37_79B1) >> shift)
    }

    @discardableResult
    mutating func insert(_ id: UInt32) -> Bool {
        precondition(id != Self.empty)
        if (count + 1) * 4 > slots.count * 3 { resize(to: max(8, slots.count * 2)) }
        let mask = slots.count - 1
        var i = home(id)
        while true {
            let slot = slots[i]
            if slot == id { return false }
            if slot == Self.empty { break }
            i = (i + 1) & mask
        }
        slots[i] = id
        count += 1
        return true
    }

    func contains(_ id: UInt32) -> Bool {
        guard count > 0 else { return false }
        let mask = slots.count - 1
        var i = home(id)
        while true {
            let slot = slots[i]
            if slot == id { return true }
            if slot == Self.empty { return false }
            i = (i + 1) & mask
        }
    }

    @discardableResult
    mutating func remove(_ id: UInt32) -> Bool {
        guard count > 0 else { return false }
        let mask = slots.count - 1
        var i = home(id)
        while true {
            let slot = slots[i]
            if slot == id { break }
            if slot == Self.empty { return false }
            i = (i + 1) & mask
        }
        var hole = i
        var j = i
        while true {
            j = (j + 1) & mask
            let slot = slots[j]
            if slot == Self.empty { break }
            let h = home(slot)
            let homeInRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
            if !homeInRange {
                slots[hole] = slot
                hole = j
            }
        }
        slots[hole] = Self.empty
        count -= 1
        return true
    }

    var first: UInt32? { slots.first { $0 != Self.empty } }

    func forEach(_ body: (UInt32) -> Void) {
        for slot in slots where slot != Self.empty { body(slot) }
    }

    /// Up to `limit` elements, in no particular order.
    func prefix(_ limit: Int) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(min(limit, count))
        for slot in slots where slot != Self.empty {
            guard result.count < limit else { break }
            result.append(slot)
        }
        return result
    }

    var elements: [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(count)
        for slot in slots where slot != Self.empty { result.append(slot) }
        return result
    }

    private mutating func resize(to size: Int) {
        let old = slots
        slots = [UInt32](repeating: Self.empty, count: size)
        shift = UInt32(32 - size.trailingZeroBitCount)
        let mask = size - 1
        for id in old where id != Self.empty {
            var i = home(id)
            while slots[i] != Self.empty { i = (i + 1) & mask }
            slots[i] = id
        }
    }
}

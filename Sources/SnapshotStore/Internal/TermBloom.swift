/// A Bloom filter over the values of one index name in a term file (`TermFile`): "is any
/// document carrying this value on disk?" answered from memory. Most look-ups of a busy site
/// ask about a value nobody carries yet (a new Customer's unique name, a replicated document's
/// remote name before its first copy), and without the filter each would read a block.
///
/// Ten bits and seven probes a value: about one false "maybe" in a hundred. The probes are
/// derived from `slotHash` (stable across processes, so the bits can be stored) by double
/// hashing.
struct TermBloom {
    private(set) var words: [UInt64]
    let probes: UInt8

    static let bitsPerValue = 10
    static let defaultProbes: UInt8 = 7

    /// An empty filter sized for `expected` values.
    init(expected: Int) {
        words = [UInt64](repeating: 0, count: max(1, (expected * Self.bitsPerValue + 63) / 64))
        probes = Self.defaultProbes
    }

    /// A filter read back from a term file.
    init(words: [UInt64], probes: UInt8) {
        self.words = words.isEmpty ? [0] : words
        self.probes = max(1, probes)
    }

    /// The filter's `probes` bit positions for `hash`: `h1 + i·h2` modulo the bits, the second
    /// hash made from the first and odd, so that the probes cycle through every bit.
    @inline(__always)
    private func position(_ hash: UInt32, _ i: UInt64) -> Int {
        let bits = UInt64(words.count) * 64
        var h2 = UInt64(hash) &* 0x9E37_79B9_7F4A_7C15
        h2 = (h2 ^ (h2 >> 29)) | 1
        return Int((UInt64(hash) &+ i &* h2) % bits)
    }

    /// Adds the value whose `slotHash` is `hash`.
    mutating func insert(hash: UInt32) {
        // A plain loop, not a closure over `self`: a mutating method's closure capturing
        // `self` copies the words in and out, which made each insert copy the whole filter.
        for i in 0..<UInt64(probes) {
            let bit = position(hash, i)
            words[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    /// False when no value equal to `value` was inserted; true when one may have been.
    func mayContain(hash: UInt32) -> Bool {
        for i in 0..<UInt64(probes) {
            let bit = position(hash, i)
            if words[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
        }
        return true
    }

    var allocatedBytes: Int { words.capacity * 8 }
}

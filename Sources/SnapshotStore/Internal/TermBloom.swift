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

    @inline(__always)
    private func positions(_ hash: UInt32, _ body: (Int) -> Bool) -> Bool {
        let bits = UInt64(words.count) * 64
        let h1 = UInt64(hash)
        // A second hash from the first, odd so that the probes cycle through every bit.
        var h2 = UInt64(hash) &* 0x9E37_79B9_7F4A_7C15
        h2 = (h2 ^ (h2 >> 29)) | 1
        for i in 0..<UInt64(probes) where !body(Int((h1 &+ i &* h2) % bits)) { return false }
        return true
    }

    mutating func insert(_ value: UnsafeRawBufferPointer) {
        let hash = slotHash(value)
        _ = positions(hash) { bit in
            words[bit >> 6] |= 1 << UInt64(bit & 63)
            return true
        }
    }

    /// False when no value equal to `value` was inserted; true when one may have been.
    func mayContain(hash: UInt32) -> Bool {
        positions(hash) { bit in words[bit >> 6] & (1 << UInt64(bit & 63)) != 0 }
    }

    var allocatedBytes: Int { words.capacity * 8 }
}

import SnapshotStore

/// A 64-bit FNV-1a hash of a document key or an index term, for `ReadSet`, `CommitFootprint`
/// and `RecentWrites`.
///
/// Not `hashValue`: Swift's `Hasher` (SipHash, seeded per process, with a Unicode
/// normalization pass for non-ASCII text) cost about as much per write of the concurrent path
/// as the check itself saves. Here the UTF-8 bytes are hashed as they are stored. A collision
/// (even a crafted one) can only make a transaction run again under the lock, never let a
/// conflict through: equal keys always give equal fingerprints.
enum WriteFingerprint {
    static func of(_ key: DocumentKey) -> Int {
        var hash = fold(offsetBasis, key.doctype)
        hash = (hash ^ 0xFF) &* prime // 0xFF never occurs in UTF-8: the parts stay apart
        return Int(truncatingIfNeeded: fold(hash, key.name))
    }

    static func of(_ term: IndexTerm) -> Int {
        var hash = fold(offsetBasis, term.index)
        hash = (hash ^ 0xFF) &* prime
        return Int(truncatingIfNeeded: fold(hash, term.value))
    }

    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    private static func fold(_ start: UInt64, _ text: String) -> UInt64 {
        var hash = start
        var text = text
        text.withUTF8 { bytes in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* prime }
        }
        return hash
    }
}

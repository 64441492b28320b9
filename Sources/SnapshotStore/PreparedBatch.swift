/// A batch of store changes already encoded as the data file's batch record, ready for
/// `SnapshotStore.apply(_:)`. Encoding (framing, copying the documents, checksums) is the part
/// of an apply that needs no lock, so a writer can do it on its own thread: a rebuild encodes
/// the next batch while the store takes in the previous one.
public struct PreparedBatch: Sendable {
    /// The encoded batch (`BatchFrame`), written to the data file as it is.
    let bytes: [UInt8]
    /// For each change, where its record starts in `bytes`.
    let offsets: [Int]
    /// The changes, for folding their keys and index terms into the index.
    let changes: [StoreChange]
    /// The log sequence the store holds once the batch is applied.
    public let throughSequence: UInt64

    /// Encodes `changes`. Invalid input (an empty or over-long key, …) throws
    /// `.invalidArgument`, as `apply` would.
    public init(_ changes: [StoreChange], throughSequence: UInt64) throws {
        var writer = ByteWriter(capacity: BatchFrame.headerSize + changes.count * 64)
        offsets = try BatchFrame.encode(changes, throughSequence: throughSequence, into: &writer)
        bytes = writer.bytes
        self.changes = changes
        self.throughSequence = throughSequence
    }

    /// The number of changes.
    public var count: Int { changes.count }

    /// The encoded size in bytes.
    public var byteCount: Int { bytes.count }
}

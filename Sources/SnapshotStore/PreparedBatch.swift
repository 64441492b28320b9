/// A batch of store changes already encoded as the data file's batch record, ready for
/// `SnapshotStore.apply(_:)`. Encoding (framing, copying the documents, checksums) is the part
/// of an apply that needs no lock, so a writer can do it on its own thread: a rebuild encodes
/// the next batch while the store takes in the previous one.
public struct PreparedBatch: Sendable {
    /// The encoded batch (`BatchFrame`), written to the data file as it is.
    private(set) var bytes: [UInt8]
    /// For each change, where its record starts in `bytes`.
    private(set) var offsets: [Int]
    /// The changes, for folding their keys and index terms into the index.
    private(set) var changes: [StoreChange]
    /// The log sequence the store holds once the batch is applied.
    public private(set) var throughSequence: UInt64

    /// Encodes `changes`. Invalid input (an empty or over-long key, …) throws
    /// `.invalidArgument`, as `apply` would. `reserving` bytes of room are kept for changes
    /// `append` adds later, so that it need not copy the batch to grow it.
    public init(_ changes: [StoreChange], throughSequence: UInt64, reserving: Int = 0) throws {
        var writer = ByteWriter(capacity: BatchFrame.headerSize + changes.count * 64)
        offsets = try BatchFrame.encode(changes, throughSequence: throughSequence, into: &writer, reserving: reserving)
        bytes = writer.bytes
        self.changes = changes
        self.throughSequence = throughSequence
    }

    /// Adds `more` changes after the batch's own and makes it hold the log through
    /// `throughSequence`: what a writer learns only under its lock (the log sequence, a
    /// document of counters) added to a batch encoded before it took the lock. Costs the new
    /// records and a header rewrite. Invalid input throws `.invalidArgument` and leaves the
    /// batch as it was.
    public mutating func append(_ more: [StoreChange], throughSequence: UInt64) throws {
        var writer = ByteWriter()
        swap(&writer.bytes, &bytes)
        defer { swap(&writer.bytes, &bytes) }
        try BatchFrame.append(more, to: &writer, offsets: &offsets, throughSequence: throughSequence)
        changes += more
        self.throughSequence = throughSequence
    }

    /// The number of changes.
    public var count: Int { changes.count }

    /// The encoded size in bytes.
    public var byteCount: Int { bytes.count }
}

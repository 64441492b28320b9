import Logging
import Synchronization
import SystemPackage

/// The snapshot store: the current version of every document of a site, kept in files so a
/// restart does not replay history. It is a derived cache of the site's Event Update Log: it
/// never holds a change the log lacks, and it records the last log sequence it folded
/// (`lastAppliedSequence`) so opening a site folds only the log tail after it.
///
/// Files in the store directory (byte layouts in `docs/formats/store.md`):
/// - `LOCK` — `flock`ed by the one open instance; holds its process id.
/// - `data-NNNNNNNNNNNNNNNNNNNN.ssd` — append-only batches of document versions; the number is the
///   generation, raised by each compaction.
/// - `index.ssi` — a snapshot of the in-memory index, written on `checkpoint()`, `close()` and
///   every `Configuration.snapshotInterval` bytes of data.
/// - `terms-NNNNNNNNNNNNNNNNNNNN.sst` — the index terms of the documents unchanged since a
///   snapshot moved them out of memory (`TermFile`); the snapshot names the one it goes with.
///
/// Concurrency: one writer at a time (`apply` calls are serialised by an internal mutex), any
/// number of readers. A read holds the mutex only to look the document up, then reads the file
/// without it. Compaction runs without the mutex except for a brief switch at the end. The mutex
/// is held longer in two places: while an index snapshot is serialized (tens to a few hundred
/// milliseconds per million documents, on `checkpoint()` and every `snapshotInterval` bytes) and
/// while the first `names`/`scan` after many inserts sorts the new names.
///
/// Typical use (the Site):
///
///     let store = try SnapshotStore(directory: FilePath("site/store"), logger: logger)
///     // fold the log tail after store.lastAppliedSequence, then for each committed change:
///     try store.apply([.put(key, document: bytes, terms: terms)], throughSequence: sequence)
///     let current = try store.get(key)          // one pread, checksum verified
///     try store.close()                         // flush, fsync, index snapshot
public final class SnapshotStore: Sendable {
    /// Tuning knobs, all with defaults.
    public struct Configuration: Sendable {
        /// Data bytes appended since the last index snapshot that make `apply` start a new one
        /// in the background (or four times the last snapshot's size, if larger).
        public var snapshotInterval: UInt64 = 128 << 20
        /// Start a background compaction when the data file is at least this large…
        public var compactionMinimumSize: UInt64 = 64 << 20
        /// …and at least this fraction of it is dead (overwritten or deleted versions, framing).
        public var compactionDeadRatio: Double = 0.5
        /// Set to false to compact only when `compact()` is called.
        public var automaticCompaction = true
        /// Applied batches are gathered in memory up to this many bytes and written to the data
        /// file in one `pwrite` (one system call per ~256 KiB instead of per `apply`). A crash
        /// loses what is gathered, which the Site re-folds from the log; `flush()`,
        /// `checkpoint()` and `close()` write it out. 0 writes every batch at once. A full
        /// buffer is written by the `apply` that filled it after it lets go of the store's
        /// lock, so readers (link checks, gets) do not wait for the `pwrite`.
        public var writeBufferSize = 256 << 10
        /// About how many live records a compaction lists at a time (`CompactionSlices`; 3 MiB
        /// of list). Tests set it low to make one compaction copy in many slices.
        var compactionSliceRecords = 1 << 17
        /// Distinct index values in memory from which an index snapshot moves the index terms
        /// to a term file (`TermFile`) and out of memory; with fewer they stay in memory and
        /// in the snapshot. 1 moves them at every snapshot (tests, the crash child).
        public var termFileMinimum = 1 << 16

        public init() {}
    }

    /// What opening the store found and did.
    public struct OpenReport: Sendable {
        /// True when the index came from `index.ssi`; false when it was rebuilt from the data.
        public var loadedIndexSnapshot = false
        /// Why the index snapshot was not used, if it was not.
        public var indexSnapshotProblem: String?
        /// Batches read from the data file after the snapshot's position (or all, on rebuild).
        public var replayedBatches = 0
        public var replayedBytes: UInt64 = 0
        /// Set when a torn or damaged tail was cut off: where, how many bytes, and why.
        public var truncatedTail: TruncatedTail?
        /// Files left over from an interrupted compaction or checkpoint, removed.
        public var removedFiles: [String] = []
    }

    public struct TruncatedTail: Sendable, Equatable {
        public var file: String
        public var offset: UInt64
        public var bytes: UInt64
        public var reason: String
    }

    struct State {
        var index: StoreIndex
        var file: StoreFile
        var generation: UInt64
        /// Where the next batch goes: the data file's valid length plus `buffer`.
        var end: UInt64
        /// Batches applied but not yet written to the data file, which ends at `end - buffer.count`.
        /// Written when it would pass `writeBufferSize`, and before anything reads the file as a
        /// whole (checkpoint, compaction, verify, close). Reads of records in it are served from it.
        var buffer: [UInt8] = []
        /// A full buffer being written outside the lock (`sealBuffer`), not yet known to be in
        /// the file, served to readers like `buffer`. Empty when no write is pending. It lies at
        /// `sealedStart`, before `buffer`, though not always next to it: a batch too large for
        /// the buffer, written at once, may lie between them.
        var sealed: [UInt8] = []
        var sealedStart: UInt64 = 0
        /// Counts seals, so a write outside the lock forgets only the buffer it wrote.
        var seals: UInt64 = 0
        /// The file offset of `buffer[0]`.
        var bufferStart: UInt64 { end - UInt64(buffer.count) }
        var lastAppliedSequence: UInt64
        /// Data position covered by the latest durable index snapshot.
        var snapshotPosition: UInt64
        /// Size of the latest index snapshot: the next automatic one waits for at least twice
        /// this much new data, so snapshots cost at most about half the bytes written.
        var snapshotBytes: UInt64 = 0
        var closed = false
    }

    public let directory: FilePath
    public let configuration: Configuration
    public let openReport: OpenReport
    let logger: Logger
    let state: Mutex<State>
    /// Keys `contains` found present (see `KnownKeys`); forgotten around every delete.
    let knownKeys = KnownKeys()
    /// Serialises index-snapshot writes and compaction switches (taken before `state`).
    let fileSwitch = Mutex<Void>(())
    let lock: LockFile
    let compacting = Atomic<Bool>(false)
    let checkpointing = Atomic<Bool>(false)
    /// Set while automatic index snapshots are held back (`holdingAutomaticSnapshots`).
    let snapshotsHeld = Atomic<Bool>(false)
    let closing = Atomic<Bool>(false)

    var directoryPath: String { directory.string }

    /// Opens the store in `directory`, creating it if needed. Takes the directory's exclusive
    /// lock (a second opener, in this or another process, gets a `.locked` error naming the
    /// holder), loads the index snapshot if it is current, replays the data written after it,
    /// and cuts off a torn tail (a batch cut short by a crash is discarded whole; see
    /// `openReport`). On return `lastAppliedSequence` matches exactly the data the store holds.
    public init(directory: FilePath, configuration: Configuration = Configuration(), logger: Logger) throws {
        self.directory = directory
        self.configuration = configuration
        self.logger = logger
        try StoreDirectory.create(directory.string)
        lock = try LockFile(path: directory.appending("LOCK").string)
        var report = OpenReport()
        let opened = try Self.recover(directory: directory.string, logger: logger, report: &report)
        openReport = report
        state = Mutex(opened)
    }

    /// The log sequence the store's contents correspond to: every change through it is folded,
    /// none after it. After a crash it may be behind the log, never ahead.
    public var lastAppliedSequence: UInt64 {
        state.withLock { $0.lastAppliedSequence }
    }

    /// The number of live documents.
    public var documentCount: Int {
        state.withLock { $0.index.liveCount }
    }

    /// The DocTypes that have (or had) documents, in first-seen order.
    public var doctypes: [String] {
        state.withLock { $0.index.doctypeNames }
    }

    /// The current data file: its generation, size, and the bytes still live in it.
    public var dataFileStatistics: (generation: UInt64, size: UInt64, liveBytes: UInt64) {
        state.withLock { ($0.generation, $0.end, $0.index.liveBytes) }
    }

    /// Writes an index snapshot (unless closed), then releases the directory lock. Waits for a
    /// running compaction to stop first. Further calls on this instance fail with `.closed`.
    public func close() throws {
        closing.store(true, ordering: .sequentiallyConsistent)
        while compacting.load(ordering: .sequentiallyConsistent) || checkpointing.load(ordering: .sequentiallyConsistent) {
            usleepForCompaction()
        }
        let wasOpen = state.withLock { !$0.closed }
        guard wasOpen else { return }
        defer {
            state.withLock { $0.closed = true }
            lock.release()
        }
        try checkpoint()
    }

    deinit {
        // The data file and lock close with their descriptors; an unclosed store simply
        // replays its tail on the next open.
    }

    static func dataFileName(_ generation: UInt64) -> String {
        let digits = String(generation)
        return "data-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".ssd"
    }

    func closedError() -> SnapshotStoreError {
        SnapshotStoreError(.closed, "the store at \(directoryPath) is closed")
    }
}

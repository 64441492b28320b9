import Foundation
import Logging

/// A site's Event Update Log: a directory of segment files holding checksummed records with
/// contiguous sequence numbers, appended by group commit and read by sequence number or cursor.
///
/// One process writes a log at a time (an exclusive `flock` on `<dir>/LOCK`). Appends are
/// written by one writer at a time — a dedicated writer thread that coalesces concurrent callers
/// into one write, or a synchronous caller that finds the writer idle — and a sync thread makes
/// them durable per `Configuration.durability`, one `fdatasync` covering every group before it. Readers run concurrently and only ever see whole
/// records that are durable.
///
///     let log = try EventLog(directory: "/srv/site/log", configuration: .init(durability: .always))
///     let result = try await log.append([EntryDraft(updateType: .create, doctype: "Customer",
///                                                   docname: "CUST-0001", payload: bytes)])
///     let batch = try log.read(after: nil, maxEntries: 1000, maxBytes: 1 << 20)
///
/// Thread safety: every mutable property is guarded by `lock`, except the writer-thread state in
/// `WriterState`, which only the writer thread touches after `init` returns. That is why the class
/// is `@unchecked Sendable`.
public final class EventLog: @unchecked Sendable {
    public let directory: String
    public let configuration: Configuration
    /// What opening did to reach a consistent end (torn tail cut, indexes rebuilt, damage found).
    public let recoveryReport: RecoveryReport
    let logger: Logger

    let lock = NSCondition()
    // Guarded by `lock`:
    var segments: [Segment]
    var queue: [AppendRequest] = []
    var pendingAcks: [AppendRequest] = []
    var writtenSequence: UInt64
    var writtenCursor: LogCursor
    var durableSequence: UInt64
    var durableCursor: LogCursor
    var closing = false
    /// True while some thread (the writer thread, or a synchronous appender leading) writes.
    var writerBusy = false
    var closed = false
    var threadsRunning = 0
    /// A write or sync failure after which nothing more is accepted (the file state is unknown).
    var failure: EventLogError?
    /// Set when appending would reuse sequence numbers (the segment after a sealed one is missing).
    var appendBlocked: EventLogError?
    var waiters: [(after: UInt64, id: UInt64, continuation: CheckedContinuation<UInt64, Never>)] = []
    var nextWaiterId: UInt64 = 0
    var statistics = Statistics()

    let lockFile: RawFile
    let writer: WriterState
    let metrics: EventLogMetrics

    /// Opens (creating if allowed) the log in `directory`, takes its lock, and recovers: the active
    /// segment's torn tail is truncated, indexes are checked and rebuilt, damage in sealed
    /// segments is recorded in `recoveryReport` and fails reads of those ranges.
    public init(directory: String, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "sitestream.eventlog")) throws {
        let configuration = try configuration.validated()
        self.directory = directory
        self.configuration = configuration
        self.logger = logger
        metrics = EventLogMetrics(factory: configuration.metrics)
        if !FileSystem.exists(directory) {
            guard configuration.createIfMissing else {
                throw EventLogError(.notALog, "no event log at \(directory) (the directory does not exist)")
            }
            try FileSystem.createDirectory(directory)
        }
        let lockPath = directory + "/" + SegmentName.lockFile
        lockFile = try RawFile.open(lockPath, create: true)
        guard try lockFile.tryLock() else {
            throw EventLogError(.locked, "the log is open for writing elsewhere: \(lockPath) is locked by another process or another EventLog")
        }
        let opened = try LogOpener(directory: directory, configuration: configuration, logger: logger).open()
        segments = opened.segments
        recoveryReport = opened.report
        appendBlocked = opened.appendBlocked
        let active = opened.segments.last!
        writtenSequence = active.lastSequence
        writtenCursor = LogCursor(segment: active.base, offset: active.writtenEnd)
        durableSequence = writtenSequence
        durableCursor = writtenCursor
        writer = WriterState(active: active, indexFile: opened.activeIndexFile, nextSequence: active.lastSequence &+ 1)
        if opened.report.truncatedSegment != nil || !opened.report.problems.isEmpty {
            logger.warning("event log recovered", metadata: ["directory": "\(directory)", "report": "\(opened.report)"])
        }
        startThreads()
    }

    deinit {
        if !closed { try? close() }
    }

    /// Finishes queued appends, syncs, stops the threads and releases the lock. Appends after
    /// `close` fail with `.closed`.
    public func close() throws {
        lock.lock()
        if closed || closing {
            while !closed { lock.wait() }
            lock.unlock()
            return
        }
        closing = true
        lock.broadcast()
        while threadsRunning > 0 { lock.wait() }
        closed = true
        lockFile.unlock()
        let waiting = waiters
        waiters.removeAll()
        let failure = self.failure
        lock.broadcast()
        lock.unlock()
        for waiter in waiting { waiter.continuation.resume(returning: durableSequenceSnapshot()) }
        if let failure { throw failure }
    }

    // MARK: Positions

    /// The sequence number of the first entry kept (after retention); when the log is empty it is
    /// the sequence number the next entry will get.
    public var firstSequence: UInt64 {
        lock.withLock { segments.first!.base }
    }

    /// The last durable sequence number (0 when nothing was ever appended). Entries are served to
    /// readers up to here.
    public var lastSequence: UInt64 {
        lock.withLock { durableSequence }
    }

    /// The last written sequence number (may be ahead of `lastSequence` with durability
    /// `interval`, or for an instant with `always`).
    public var lastWrittenSequence: UInt64 {
        lock.withLock { writtenSequence }
    }

    /// The cursor after the last durable entry: reading after it returns nothing yet.
    public var durableEndCursor: LogCursor {
        lock.withLock { durableCursor }
    }

    /// The cursor of the first entry kept: reading after `nil` starts here.
    public var startCursor: LogCursor {
        lock.withLock { LogCursor(segment: segments.first!.base, offset: UInt64(SegmentHeader.size)) }
    }

    /// Counters of the group commit since open: how many append calls were coalesced into how
    /// many groups, writes and syncs.
    public struct Statistics: Sendable, Equatable {
        public var appendCalls: UInt64 = 0
        /// Groups taken from the queue by the writer (one per wake-up).
        public var groups: UInt64 = 0
        /// `pwrite` calls of records (a group is one write unless it crosses a segment roll).
        public var writes: UInt64 = 0
        /// `fdatasync` calls made by the sync thread.
        public var syncs: UInt64 = 0
        /// The last sequence number written.
        public var lastWrittenSequence: UInt64 = 0
    }

    public var commitStatistics: Statistics {
        lock.withLock { statistics }
    }

    func durableSequenceSnapshot() -> UInt64 {
        lock.withLock { durableSequence }
    }

    /// Suspends until an entry after `sequence` is durable (or the log closes, or the task is
    /// cancelled); returns the last durable sequence number. The ping notifier waits here.
    public func waitForDurable(after sequence: UInt64) async -> UInt64 {
        let id = lock.withLock { () -> UInt64 in
            nextWaiterId += 1
            return nextWaiterId
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                lock.lock()
                if durableSequence > sequence || closed || closing || Task.isCancelled {
                    let now = durableSequence
                    lock.unlock()
                    continuation.resume(returning: now)
                    return
                }
                waiters.append((sequence, id, continuation))
                lock.unlock()
            }
        } onCancel: {
            lock.lock()
            let index = waiters.firstIndex { $0.id == id }
            let waiter = index.map { waiters.remove(at: $0) }
            let now = durableSequence
            lock.unlock()
            waiter?.continuation.resume(returning: now)
        }
    }

    /// Suspends until every entry written before the call is durable, so readers see it (or
    /// the log closes). With durability `interval` a write is acknowledged once written, before
    /// its sync: a reader that must see every acknowledged write (an export "to now") waits
    /// here first, one interval at most.
    public func waitUntilWrittenIsDurable() async {
        let written = lastWrittenSequence
        guard written > 0 else { return }
        _ = await waitForDurable(after: written - 1)
    }

    /// True once `close()` has begun.
    public var isClosed: Bool {
        lock.withLock { closing || closed }
    }

    /// Resumes waiters covered by the durable position; call with `lock` held, run the result
    /// after unlocking.
    func takeReadyWaiters() -> [CheckedContinuation<UInt64, Never>] {
        guard !waiters.isEmpty else { return [] }
        var ready: [CheckedContinuation<UInt64, Never>] = []
        waiters.removeAll { waiter in
            if waiter.after < durableSequence { ready.append(waiter.continuation); return true }
            return false
        }
        return ready
    }

    var segmentPathPrefix: String { directory + "/" }
}

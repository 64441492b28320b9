import Foundation

/// One caller's append: its entries framed (sequence numbers and crcs left zero) or to be
/// framed by the writer, and how to tell the caller once they are acknowledged.
final class AppendRequest: @unchecked Sendable {
    // Touched by the appending thread until enqueued, then only by the writer thread, then
    // (result) read by whoever completes it after the writer published it under the log's lock.
    var frames: [UInt8]
    /// Entries checked by `framedLater` and not encoded yet (`frames` is empty until then).
    var drafts: (entries: [EntryDraft], stampedAt: Int64)?
    let count: Int
    let completion: @Sendable (Result<AppendResult, any Error>) -> Void
    var result: AppendResult?

    init(frames: [UInt8], count: Int, completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void) {
        self.frames = frames
        self.count = count
        self.completion = completion
    }

    convenience init(_ framed: FramedEntries, completion: @escaping @Sendable (Result<AppendResult, any Error>) -> Void) {
        switch framed.content {
        case .frames(let frames):
            self.init(frames: frames, count: framed.count, completion: completion)
        case .drafts(let entries, let stamp):
            self.init(frames: [], count: framed.count, completion: completion)
            drafts = (entries, stamp)
        }
    }
}

/// What only the writer thread touches: the active segment's write position and buffers.
final class WriterState: @unchecked Sendable {
    var active: Segment
    var indexFile: RawFile
    var nextSequence: UInt64
    var writeOffset: UInt64
    var indexFileEnd: UInt64
    var lastIndexedOffset: UInt64?
    var buffer: [UInt8] = []
    var newIndexEntries: [SparseIndex.Entry] = []
    /// Encoded index entries not yet written to the index file (see `writeIndexBacklog`).
    var indexBacklog: [UInt8] = []
    var lastSync = monotonicNanos()

    init(active: Segment, indexFile: RawFile, nextSequence: UInt64) {
        self.active = active
        self.indexFile = indexFile
        self.nextSequence = nextSequence
        self.writeOffset = active.writtenEnd
        self.indexFileEnd = UInt64(SparseIndex.headerSize + SparseIndex.entrySize * active.index.entries.count)
        self.lastIndexedOffset = active.index.entries.last?.offset
    }
}

extension EventLog {
    func startThreads() {
        let syncing = configuration.durability != .none
        threadsRunning = syncing ? 2 : 1
        let writerThread = Thread { [self] in writerLoop() }
        writerThread.name = "eventlog-writer"
        writerThread.start()
        if syncing {
            let syncThread = Thread { [self] in syncLoop() }
            syncThread.name = "eventlog-sync"
            syncThread.start()
        }
    }

    /// Hands `request` to the writer. With `lead`, a caller that finds the writer idle and
    /// nothing queued writes its own request on its own thread (no hand-off to the writer thread
    /// and back); callers arriving meanwhile queue up and are written together afterwards.
    /// With `deferLead`, a leading request is not written here but returned: the writer stays
    /// reserved for it (later requests queue behind it) until the caller passes it to
    /// `writeLed`, which it must do exactly once.
    @discardableResult
    func enqueue(_ request: AppendRequest, lead: Bool = false, deferLead: Bool = false) -> AppendRequest? {
        lock.lock()
        if closing || closed {
            lock.unlock()
            request.completion(.failure(EventLogError(.closed, "the log at \(directory) is closed")))
            return nil
        }
        if lead && !writerBusy && queue.isEmpty && failure == nil && appendBlocked == nil {
            writerBusy = true
            statistics.appendCalls += 1
            statistics.groups += 1
            lock.unlock()
            if deferLead { return request }
            writeLed(request)
            return nil
        }
        queue.append(request)
        // A busy writer (the writer thread, or a caller leading a write) looks at the queue
        // again when it is done, so only an idle one needs waking.
        if queue.count == 1 && !writerBusy { lock.broadcast() }
        lock.unlock()
        return nil
    }

    /// Writes a request that `enqueue` let its caller lead, then what queued behind it meanwhile
    /// (up to `ledGroupsMax` groups, so no caller writes for others for long), then frees the
    /// writer. Writing the queue here spares the writer thread a wake-up, and each queued
    /// caller a hand-off, per group.
    func writeLed(_ request: AppendRequest) {
        writeGroup([request])
        var groups = 1
        while true {
            lock.lock()
            if queue.isEmpty || groups >= Self.ledGroupsMax || closing || failure != nil || appendBlocked != nil {
                writerBusy = false
                if !queue.isEmpty || closing { lock.broadcast() }
                lock.unlock()
                return
            }
            let group = queue
            queue.removeAll(keepingCapacity: true)
            statistics.appendCalls += UInt64(group.count)
            statistics.groups += 1
            lock.unlock()
            writeGroup(group)
            groups += 1
        }
    }

    /// How many groups one led write takes on before handing the queue to the writer thread.
    static let ledGroupsMax = 4

    // MARK: The writer thread

    /// Takes everything queued, writes it as one group, and acknowledges (or hands to the sync
    /// thread) until the log closes and the queue is drained.
    func writerLoop() {
        var writerDoneSynced = false
        while true {
            lock.lock()
            while (queue.isEmpty || writerBusy) && !closing { lock.wait() }
            while writerBusy { lock.wait() }
            if queue.isEmpty {
                lock.unlock()
                break
            }
            let group = queue
            queue.removeAll(keepingCapacity: true)
            let refusal = failure ?? appendBlocked
            writerBusy = true
            statistics.appendCalls += UInt64(group.count)
            statistics.groups += 1
            lock.unlock()
            if let refusal {
                for request in group { request.completion(.failure(refusal)) }
            } else {
                writeGroup(group)
            }
            lock.withLock {
                writerBusy = false
                lock.broadcast()
            }
        }
        // Closing: make everything written durable, whatever the setting.
        writeIndexBacklog()
        do {
            try metrics.timedSync { try writer.active.file.sync() }
            writerDoneSynced = true
        } catch {
            lock.withLock { if failure == nil { failure = error as? EventLogError } }
        }
        lock.lock()
        if writerDoneSynced { advanceDurable(sequence: writtenSequence, cursor: writtenCursor, segment: writer.active) }
        let acks = takeReadyAcks()
        let ready = takeReadyWaiters()
        threadsRunning -= 1
        lock.broadcast()
        lock.unlock()
        complete(acks)
        for waiter in ready { waiter.resume(returning: durableSequenceSnapshot()) }
    }

    func writeGroup(_ group: [AppendRequest]) {
        let w = writer
        do {
            if let maxAge = configuration.segmentMaxAgeSeconds, w.writeOffset > UInt64(SegmentHeader.size),
               Double(wallClockMicroseconds() - w.active.created) / 1e6 >= maxAge {
                try roll()
            }
            // A lone request is written straight from its own buffer; several are gathered
            // into one buffer so the group is one write. A request (one group) never spans
            // segments: when it would take the segment past its size, the segment is sealed
            // first (unless it is empty: a group larger than a segment gets one of its own).
            let direct = group.count == 1
            for request in group {
                if let drafts = request.drafts {
                    // Checked by `framedLater`: encoding cannot refuse them any more.
                    request.frames = try frame(drafts.entries, stampedAt: drafts.stampedAt)
                    request.drafts = nil
                }
                let first = w.nextSequence
                let start = w.writeOffset + UInt64(w.buffer.count)
                if start + UInt64(request.frames.count) > configuration.segmentSize && start > UInt64(SegmentHeader.size) {
                    try flush()
                    try roll()
                }
                try request.frames.withUnsafeMutableBytes { frames in
                    let start = w.writeOffset + UInt64(w.buffer.count)
                    var at = 0
                    while at < frames.count {
                        let length = Int(UnsafeRawBufferPointer(frames).u32(at: at))
                        let position = start + UInt64(at)
                        RecordFrame.seal(frames, at: at, sequence: w.nextSequence)
                        if w.lastIndexedOffset.map({ position - $0 >= UInt64(configuration.indexIntervalBytes) }) ?? true {
                            w.newIndexEntries.append(SparseIndex.Entry(sequence: w.nextSequence, offset: position))
                            w.lastIndexedOffset = position
                        }
                        w.nextSequence += 1
                        at += length
                    }
                    if direct {
                        try flush(direct: UnsafeRawBufferPointer(frames))
                    } else {
                        w.buffer.append(contentsOf: UnsafeRawBufferPointer(frames))
                    }
                }
                let cursor = LogCursor(segment: w.active.base, offset: w.writeOffset + UInt64(w.buffer.count))
                request.result = AppendResult(firstSequence: first, lastSequence: w.nextSequence - 1, cursor: cursor)
            }
            try flush()
        } catch {
            // The file's state is no longer known: refuse everything until the log is reopened
            // (recovery then keeps exactly the whole, valid records).
            let failure = (error as? EventLogError) ?? EventLogError(.io, "\(error)")
            lock.withLock { if self.failure == nil { self.failure = failure } }
            logger.error("event log write failed; appends are refused until reopened", metadata: ["error": "\(failure)"])
            for request in group { request.completion(.failure(failure)) }
            return
        }
        metrics.written(group)
        if configuration.durability == .always {
            lock.lock()
            pendingAcks.append(contentsOf: group)
            let acks = takeReadyAcks()
            lock.broadcast()
            lock.unlock()
            complete(acks)
        } else {
            complete(group)
        }
    }

    /// Writes the buffered records at the end of the active segment and publishes them.
    /// `direct`: bytes to write instead of the gathered buffer.
    private func flush(direct: UnsafeRawBufferPointer? = nil) throws {
        let w = writer
        if let direct {
            guard !direct.isEmpty else { return }
            try w.active.file.write(direct, at: w.writeOffset)
            w.writeOffset += UInt64(direct.count)
        } else {
            guard !w.buffer.isEmpty else { return }
            try w.active.file.write(w.buffer, at: w.writeOffset)
            w.writeOffset += UInt64(w.buffer.count)
            w.buffer.removeAll(keepingCapacity: true)
        }
        let entries = w.newIndexEntries
        w.newIndexEntries.removeAll(keepingCapacity: true)
        if !entries.isEmpty {
            SparseIndex.encode(entries, into: &w.indexBacklog)
            if w.indexBacklog.count >= Self.indexWriteBatchBytes { writeIndexBacklog() }
        }
        let last = w.nextSequence - 1
        let cursor = LogCursor(segment: w.active.base, offset: w.writeOffset)
        lock.lock()
        // Whether the sync thread may be parked in its untimed wait: nothing written was
        // waiting for a sync before this write.
        let syncIdle = writtenSequence <= durableSequence
        statistics.writes += 1
        statistics.lastWrittenSequence = last
        w.active.writtenEnd = w.writeOffset
        w.active.lastSequence = last
        w.active.index.entries.append(contentsOf: entries)
        writtenSequence = last
        writtenCursor = cursor
        var ready: [CheckedContinuation<UInt64, Never>] = []
        if configuration.durability == .none {
            advanceDurable(sequence: last, cursor: cursor, segment: w.active)
            ready = takeReadyWaiters()
        } else {
            // The sync thread waits for the written position to move. (Nothing else waits
            // for it on this condition: waking the idle writer thread on every write would
            // cost a thread switch per append.) With `interval`, once something waits for a
            // sync the sync thread sleeps until its deadline and takes everything written by
            // then: waking it again for every later write only cost two context switches per
            // append (a sixth of a Customer insert's CPU). `always` wakes it every time.
            if syncIdle || configuration.durability == .always { lock.broadcast() }
        }
        lock.unlock()
        for waiter in ready { waiter.resume(returning: last) }
    }

    /// Index entries are written to the index file in batches of this many bytes (64 entries),
    /// not with every append: the index is a cache, and one `pwrite` less per append is ~10 µs.
    /// A crash loses at most the batch, which open finds again by scanning the segment's tail.
    static let indexWriteBatchBytes = 64 * SparseIndex.entrySize

    /// Writes the encoded index entries gathered so far at the end of the active index file.
    func writeIndexBacklog() {
        let w = writer
        guard !w.indexBacklog.isEmpty else { return }
        do {
            try w.indexFile.write(w.indexBacklog, at: w.indexFileEnd)
            w.indexFileEnd += UInt64(w.indexBacklog.count)
        } catch {
            logger.warning("cannot write a segment index (a cache; rebuilt on open)", metadata: ["segment": "\(w.active.name)", "error": "\(error)"])
        }
        w.indexBacklog.removeAll(keepingCapacity: true)
    }

    /// Seals the active segment (durable first) and starts the next one at the next sequence.
    private func roll() throws {
        let w = writer
        let old = w.active
        writeIndexBacklog()
        try metrics.timedSync { try old.file.sync() }
        let created = try SegmentFiles.create(directory: directory, base: w.nextSequence)
        try old.file.write(SegmentHeader(base: old.base, created: old.created, sealed: true).encoded(), at: 0)
        try old.file.sync()
        let segment = Segment(
            base: w.nextSequence, file: created.file, created: created.created, end: UInt64(SegmentHeader.size),
            lastSequence: w.nextSequence - 1, index: SparseIndex(), sealed: false, damage: nil)
        lock.lock()
        old.sealed = true
        advanceDurable(sequence: old.lastSequence, cursor: LogCursor(segment: old.base, offset: old.writtenEnd), segment: old)
        segments.append(segment)
        let acks = takeReadyAcks()
        let ready = takeReadyWaiters()
        lock.unlock()
        complete(acks)
        for waiter in ready { waiter.resume(returning: old.lastSequence) }
        w.active = segment
        w.indexFile = created.index
        w.writeOffset = UInt64(SegmentHeader.size)
        w.indexFileEnd = UInt64(SparseIndex.headerSize)
        w.lastIndexedOffset = nil
        logger.debug("sealed segment", metadata: ["segment": "\(old.name)", "sequence": "\(old.lastSequence)"])
    }
}

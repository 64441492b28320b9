extension EventLog {
    /// What a reader needs to know about one segment, copied under the lock.
    struct SegmentView {
        var segment: Segment
        var readableEnd: UInt64
        var writtenEnd: UInt64
        var damage: LogProblem?
        var sealed: Bool
    }

    /// Reads the next batch of raw framed records after `cursor` (nil: from the first entry kept).
    ///
    /// The batch holds at most `maxEntries` records and at most `maxBytes` bytes — except that a
    /// single record larger than `maxBytes` is returned alone, so reading always progresses. It
    /// may span segments. Every record's checksum and sequence number is verified; only durable
    /// records are returned, and the durable end always falls after the last record of a group
    /// (one append call), so a group still being written is never served. The bounds may end a
    /// batch inside a group; the rest comes with the next read. When damage is met inside a
    /// group, that group's records are left out of the batch and the read reaching them fails.
    /// An empty batch (with `next == cursor`) means nothing more yet.
    ///
    /// Throws `.cursorNotOnBoundary`, `.cursorBeyondEnd` or `.cursorSegmentGone` for a bad cursor,
    /// and `.corruptRecord` / `.missingSegment` / `.corruptSegmentHeader` when the very next
    /// record is damaged (records before a damaged place are returned first, then the next read
    /// fails there, naming segment, offset and sequence).
    public func read(after cursor: LogCursor?, maxEntries: Int, maxBytes: Int) throws -> LogBatch {
        guard maxEntries > 0, maxBytes > 0 else {
            throw EventLogError(.invalidEntry, "a read needs maxEntries and maxBytes of at least 1 (got \(maxEntries), \(maxBytes))")
        }
        let (views, start, anchor) = try locate(cursor)
        var sequence = try walkToBoundary(views[0], from: anchor, to: start.offset)
        var out: [UInt8] = []
        var cursors: [LogCursor] = []
        var count = 0
        var first: UInt64? = nil
        var k = 0
        var position = start.offset
        // The batch up to its last record that ends a group: what is kept if damage is met
        // inside a group, so a damaged group is never served in part.
        var whole = (count: 0, bytes: 0, k: 0, position: start.offset, sequence: sequence)
        reading: while count < maxEntries {
            let view = views[k]
            if position >= view.readableEnd {
                if let damage = view.damage, damage.offset <= position {
                    if count > 0 { break }
                    throw damage.error
                }
                guard view.sealed, k + 1 < views.count, position >= view.writtenEnd else { break }
                k += 1
                position = UInt64(SegmentHeader.size)
                if views[k].segment.base != sequence {
                    if count > 0 { break }
                    throw EventLogError(.missingSegment, "segment \(views[k].segment.name) starts at \(views[k].segment.base) but \(sequence) was expected", segmentFile: views[k].segment.name, offset: position, sequence: sequence)
                }
                continue
            }
            let budget = maxBytes - out.count
            if budget <= 0 && count > 0 { break }
            let allowed = Int(min(view.readableEnd - position, UInt64(max(budget, RecordFrame.headerSize))))
            // Read about what the entries still wanted take, not the whole byte budget: a
            // rebuild asks for 4,096 entries within 16 MiB and read 16 MiB to use 2.5.
            let want = min(allowed, Self.chunkEstimate(read: out.count, entries: count, wanted: maxEntries - count))
            let cappedByEstimate = want < allowed
            var chunk = try view.segment.file.read(at: position, count: want)
            var grown = false
            var consumed = 0
            var defect: RecordFrame.Defect? = nil
            var badSequence: UInt64? = nil
            while count < maxEntries {
                let result = chunk.withUnsafeBytes { RecordFrame.check($0, at: consumed) }
                switch result {
                case .success(let length):
                    let found = chunk.withUnsafeBytes { RecordFrame.sequence($0, at: consumed) }
                    if found != sequence { badSequence = found; break }
                    if first == nil { first = sequence }
                    let endsGroup = chunk.withUnsafeBytes { !RecordFrame.continuesGroup($0, at: consumed) }
                    sequence += 1
                    count += 1
                    consumed += length
                    cursors.append(LogCursor(segment: view.segment.base, offset: position + UInt64(consumed)))
                    if endsGroup { whole = (count, out.count + consumed, k, position + UInt64(consumed), sequence) }
                    if consumed == chunk.count { break }
                    continue
                case .failure(let d):
                    if d == .short {
                        let length = chunk.count - consumed >= 4 ? chunk.withUnsafeBytes { Int($0.u32(at: consumed)) } : 0
                        let fits = length >= RecordFrame.headerSize && position + UInt64(consumed + length) <= view.readableEnd
                        // The chunk ends where the byte budget does, before the readable end.
                        let cutByBudget = position + UInt64(chunk.count) < view.readableEnd
                        // The estimate, not the budget, ended the chunk: read on from here.
                        if cappedByEstimate && !grown
                            && (chunk.count - consumed < RecordFrame.headerSize || (fits && consumed + length <= budget)) {
                            if consumed > 0 { break }
                            if fits {
                                chunk = try view.segment.file.read(at: position, count: length)
                                grown = true
                                continue
                            }
                        }
                        if (fits || cutByBudget) && count > 0 { break }  // the byte budget is spent
                        if fits && count == 0 && consumed == 0 && length > chunk.count && !grown {
                            // One record larger than the budget: return it alone. Read once:
                            // still short then, the file ends before the bytes the log wrote
                            // (cut short underneath it), which is damage, not a budget.
                            chunk = try view.segment.file.read(at: position, count: length)
                            grown = true
                            continue
                        }
                    }
                    defect = d
                }
                break
            }
            if consumed > 0 {
                if out.isEmpty {
                    chunk.removeLast(chunk.count - consumed)
                    out = chunk
                } else {
                    out.append(contentsOf: chunk[..<consumed])
                }
                position += UInt64(consumed)
            }
            if defect != nil || badSequence != nil {
                let reason = badSequence.map { "sequence \($0) where \(sequence) was expected" } ?? defect!.rawValue
                let error = EventLogError(.corruptRecord, "damaged record: \(reason)", segmentFile: view.segment.name, offset: position, sequence: sequence)
                if whole.count < count {
                    // The records since the last group end belong to the damaged group.
                    out.removeLast(out.count - whole.bytes)
                    cursors.removeLast(count - whole.count)
                    count = whole.count
                    k = whole.k
                    position = whole.position
                    sequence = whole.sequence
                    if count == 0 { first = nil }
                }
                if count > 0 { break reading }
                throw error
            }
            if consumed == 0 { break }
        }
        let next = LogCursor(segment: views[k].segment.base, offset: position)
        var batch = LogBatch(bytes: out, count: count, firstSequence: first, lastSequence: first.map { _ in sequence - 1 }, next: next, cursors: cursors)
        // Every frame in `out` passed `RecordFrame.check` above, in sequence.
        batch.framesChecked = true
        return batch
    }

    /// Bytes to read for `wanted` more entries, given `read` bytes for `entries` so far: their
    /// average size (512 bytes before any), with room for one more, and at least 4 KiB. A
    /// record the chunk cuts is read on from in a further chunk; the byte budget still bounds
    /// the whole.
    static func chunkEstimate(read: Int, entries: Int, wanted: Int) -> Int {
        let average = entries == 0 ? 512 : (read + entries - 1) / entries
        let (product, overflow) = average.multipliedReportingOverflow(by: wanted + 1)
        return overflow ? Int.max : max(product, 4096)
    }

    /// Finds the cursor's segment and the index point at or before it; copies what reading needs.
    private func locate(_ cursor: LogCursor?) throws -> (views: [SegmentView], start: LogCursor, anchor: SparseIndex.Entry) {
        lock.lock()
        defer { lock.unlock() }
        let start = cursor ?? LogCursor(segment: segments[0].base, offset: UInt64(SegmentHeader.size))
        guard let i = segmentIndex(base: start.segment) else {
            if start.segment < segments[0].base {
                throw EventLogError(.cursorSegmentGone, "cursor \(start) points into a segment that was removed; the log now starts at sequence \(segments[0].base) (cursor \(segments[0].base):\(SegmentHeader.size))", segmentFile: SegmentName.segment(start.segment), offset: start.offset)
            }
            if start.segment > segments.last!.base {
                throw EventLogError(.cursorBeyondEnd, "cursor \(start) is beyond the end of the log (\(durableCursor))", segmentFile: SegmentName.segment(start.segment), offset: start.offset)
            }
            throw EventLogError(.cursorSegmentGone, "cursor \(start) names no segment of this log", segmentFile: SegmentName.segment(start.segment), offset: start.offset)
        }
        let segment = segments[i]
        guard start.offset <= segment.writtenEnd else {
            throw EventLogError(.cursorBeyondEnd, "cursor \(start) is beyond the end of segment \(segment.name) (\(segment.writtenEnd) bytes written)", segmentFile: segment.name, offset: start.offset)
        }
        guard start.offset >= UInt64(SegmentHeader.size) else {
            throw EventLogError(.cursorNotOnBoundary, "cursor \(start) points into the segment header", segmentFile: segment.name, offset: start.offset)
        }
        let anchor = segment.index.floor(offset: start.offset) ?? SparseIndex.Entry(sequence: segment.base, offset: UInt64(SegmentHeader.size))
        let views = segments[i...].map { SegmentView(segment: $0, readableEnd: $0.readableEnd, writtenEnd: $0.writtenEnd, damage: $0.damage, sealed: $0.sealed) }
        return (views, start, anchor)
    }

    func segmentIndex(base: UInt64) -> Int? {
        var lo = 0, hi = segments.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if segments[mid].base < base { lo = mid + 1 } else { hi = mid }
        }
        return lo < segments.count && segments[lo].base == base ? lo : nil
    }

    /// The index of the segment holding `sequence` (the last with base ≤ sequence).
    func segmentIndex(holding sequence: UInt64) -> Int? {
        var lo = 0, hi = segments.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if segments[mid].base <= sequence { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : lo - 1
    }

    /// Walks record lengths from the index point `anchor` to `offset`; returns the sequence number
    /// of the record at `offset`, or throws `.cursorNotOnBoundary` when no record starts there.
    private func walkToBoundary(_ view: SegmentView, from anchor: SparseIndex.Entry, to offset: UInt64) throws -> UInt64 {
        var position = anchor.offset
        var sequence = anchor.sequence
        let limit = view.writtenEnd
        while position < offset {
            let chunk = try view.segment.file.read(at: position, count: Int(min(offset + 4, limit) - position))
            var at = 0
            let moved: Bool = chunk.withUnsafeBytes { raw in
                while UInt64(at) + position < offset && at + 4 <= raw.count {
                    let length = Int(raw.u32(at: at))
                    guard length >= RecordFrame.headerSize, length <= RecordFrame.maxFrameLength else { return false }
                    at += length
                    sequence += 1
                }
                return true
            }
            guard moved, at > 0 else { break }
            position += UInt64(at)
        }
        guard position == offset else {
            throw EventLogError(.cursorNotOnBoundary, "cursor \(view.segment.base):\(offset) does not fall on a record boundary", segmentFile: view.segment.name, offset: offset)
        }
        return sequence
    }

    /// The record with sequence number `sequence`, found through the sparse index, checksum
    /// verified and decoded (payload inflated).
    ///
    /// Throws `.sequenceOutOfRange` below `firstSequence` or above `lastSequence` (durable), and
    /// the damage error when the record lies in a damaged range.
    public func record(at sequence: UInt64) throws -> LogRecord {
        let (view, anchor) = try locate(sequence: sequence)
        if let found = try find(sequence, in: view, from: anchor) { return found }
        // The index point did not lead to the record: the index is stale, so walk from the start.
        logger.warning("segment index disagrees with its segment; scanning from the start", metadata: ["segment": "\(view.segment.name)", "sequence": "\(sequence)"])
        if let found = try find(sequence, in: view, from: SparseIndex.Entry(sequence: view.segment.base, offset: UInt64(SegmentHeader.size))) { return found }
        if let damage = view.damage { throw damage.error }
        throw EventLogError(.sequenceOutOfRange, "sequence \(sequence) is not in segment \(view.segment.name)", segmentFile: view.segment.name, sequence: sequence)
    }

    /// The cursor at which the record `sequence` starts (reading after it returns that record).
    public func cursor(before sequence: UInt64) throws -> LogCursor {
        let (view, anchor) = try locate(sequence: sequence)
        var offset: UInt64? = nil
        _ = try walkFrames(view, from: anchor) { seq, at, _ in
            if seq == sequence { offset = at; return true }
            return false
        }
        guard let offset else {
            if let damage = view.damage { throw damage.error }
            throw EventLogError(.sequenceOutOfRange, "sequence \(sequence) is not in segment \(view.segment.name)", segmentFile: view.segment.name, sequence: sequence)
        }
        return LogCursor(segment: view.segment.base, offset: offset)
    }

    private func locate(sequence: UInt64) throws -> (SegmentView, SparseIndex.Entry) {
        lock.lock()
        defer { lock.unlock() }
        guard sequence >= segments[0].base, sequence <= durableSequence, let i = segmentIndex(holding: sequence) else {
            throw EventLogError(.sequenceOutOfRange, "sequence \(sequence) is outside the log (\(segments[0].base)…\(durableSequence))", sequence: sequence)
        }
        let segment = segments[i]
        if sequence > segment.lastSequence {
            if let damage = segment.damage { throw damage.error }
            throw EventLogError(.sequenceOutOfRange, "sequence \(sequence) is missing from the log", sequence: sequence)
        }
        let anchor = segment.index.floor(sequence: sequence) ?? SparseIndex.Entry(sequence: segment.base, offset: UInt64(SegmentHeader.size))
        return (SegmentView(segment: segment, readableEnd: segment.readableEnd, writtenEnd: segment.writtenEnd, damage: segment.damage, sealed: segment.sealed), anchor)
    }

    private func find(_ sequence: UInt64, in view: SegmentView, from anchor: SparseIndex.Entry) throws -> LogRecord? {
        var record: LogRecord? = nil
        let consistent = try walkFrames(view, from: anchor) { seq, offset, frame in
            guard seq == sequence else { return false }
            record = try frame.withUnsafeBytes { raw in
                guard case .success = RecordFrame.check(raw, at: 0) else {
                    throw EventLogError(.corruptRecord, "damaged record: checksum or fields do not verify", segmentFile: view.segment.name, offset: offset, sequence: sequence)
                }
                return try RecordFrame.decodeVerified(raw, at: 0)
            }
            return true
        }
        return consistent ? record : nil
    }

    /// Visits frames from `anchor` up to the readable end, giving each (sequence, offset, bytes)
    /// to `visit` until it returns true. Returns false if the frames are inconsistent with the
    /// anchor (wrong sequence at the index point).
    private func walkFrames(_ view: SegmentView, from anchor: SparseIndex.Entry, _ visit: (UInt64, UInt64, ArraySlice<UInt8>) throws -> Bool) throws -> Bool {
        var position = anchor.offset
        var expected = anchor.sequence
        let end = view.readableEnd
        var chunkSize = 16 << 10
        while position < end {
            let chunk = try view.segment.file.read(at: position, count: Int(min(UInt64(chunkSize), end - position)))
            var at = 0
            while at + RecordFrame.headerSize <= chunk.count {
                let (length, seq) = chunk.withUnsafeBytes { (Int($0.u32(at: at)), $0.u64(at: at + 8)) }
                guard length >= RecordFrame.headerSize, length <= RecordFrame.maxFrameLength else {
                    throw EventLogError(.corruptRecord, "damaged record: impossible length \(length)", segmentFile: view.segment.name, offset: position + UInt64(at), sequence: expected)
                }
                if seq != expected { return false }
                if at + length > chunk.count { break }
                if try visit(seq, position + UInt64(at), chunk[at..<at + length]) { return true }
                at += length
                expected += 1
            }
            if at == 0 {
                // A record larger than the chunk: read again with room for it, unless the
                // readable bytes end inside it.
                let length = chunk.count >= 4 ? chunk.withUnsafeBytes { Int($0.u32(at: 0)) } : 0
                guard chunk.count >= RecordFrame.headerSize, length > chunkSize, position + UInt64(length) <= end else {
                    throw EventLogError(.corruptRecord, "damaged record: runs past the readable end", segmentFile: view.segment.name, offset: position, sequence: expected)
                }
                chunkSize = length
                continue
            }
            position += UInt64(at)
        }
        return true
    }
}

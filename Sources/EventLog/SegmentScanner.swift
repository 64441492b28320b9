/// Walks the records of one segment file in order, checking every frame (length, fields, crc),
/// the sequence numbers and the group marks, and stops at the first record that is not whole and
/// valid — or, when that record belongs to a group (one append call) whose earlier records were
/// good, at the start of that group, so a torn group is cut or refused whole. Recovery, index
/// rebuilding, inspection and verification are all built on it.
struct SegmentScanner {
    struct Stop: Equatable {
        /// Where the log ends: the first bad record, or the start of the incomplete group it
        /// belongs to.
        var offset: UInt64
        /// The sequence number a good record at `offset` would have had.
        var expectedSequence: UInt64
        var reason: String
        /// True when the records simply end early (a torn write): the bad record is cut short by
        /// the end of the file, or the file ends inside a group.
        var isShort: Bool
        /// True when `offset` is the start of a group whose last record is missing or bad.
        var incompleteGroup: Bool = false
        /// Where the bad record itself starts (after `offset` for an incomplete group).
        var defectOffset: UInt64
    }

    struct Outcome {
        /// Offset just after the last good record that ends a group.
        var end: UInt64
        /// The sequence number the next record must carry.
        var nextSequence: UInt64
        /// Good records before `end`.
        var count: Int
        /// Nil when the scan reached `limit` on a group boundary.
        var stop: Stop?
    }

    let file: RawFile
    /// How many bytes to read at a time.
    var chunkSize = 1 << 20

    /// Scans from `offset` (a record boundary where `sequence` starts, taken to start a group)
    /// up to `limit` bytes. `onRecord(sequence, offset, length)` sees every good record of every
    /// complete group, once the group's last record has been checked.
    func scan(
        from offset: UInt64, sequence: UInt64, limit: UInt64,
        onRecord: (UInt64, UInt64, Int) -> Void = { _, _, _ in }
    ) throws -> Outcome {
        var position = offset
        var expected = sequence
        var count = 0
        // After the last record that ended a group.
        var committedEnd = offset, committedNext = sequence, committedCount = 0
        // Good records of the group still open.
        var open: [(UInt64, UInt64, Int)] = []

        func finish(_ stop: Stop?) -> Outcome {
            guard !open.isEmpty else {
                return Outcome(end: stop?.offset ?? position, nextSequence: expected, count: count, stop: stop)
            }
            let why = stop.map { "then \($0.reason) at offset \($0.defectOffset)" } ?? "then the segment ends"
            let groupStop = Stop(
                offset: committedEnd, expectedSequence: committedNext,
                reason: "incomplete group: records \(committedNext)…\(expected - 1) of one append lack the group's last record (\(why))",
                isShort: stop?.isShort ?? true, incompleteGroup: true, defectOffset: stop?.defectOffset ?? position)
            return Outcome(end: committedEnd, nextSequence: committedNext, count: committedCount, stop: groupStop)
        }

        while position < limit {
            let want = Int(min(UInt64(chunkSize), limit - position))
            var chunk = try file.read(at: position, count: want)
            // A record longer than the chunk: read it whole.
            if chunk.count >= 4 {
                let length = chunk.withUnsafeBytes { Int($0.u32(at: 0)) }
                if length > chunk.count, length <= RecordFrame.maxFrameLength, UInt64(length) <= limit - position {
                    chunk = try file.read(at: position, count: length)
                }
            }
            var at = 0
            var stop: Stop? = nil
            chunk.withUnsafeBytes { raw in
                func stopHere(_ reason: String, isShort: Bool) {
                    let place = position + UInt64(at)
                    stop = Stop(offset: place, expectedSequence: expected, reason: reason, isShort: isShort, defectOffset: place)
                }
                while at < raw.count {
                    switch RecordFrame.check(raw, at: at) {
                    case .success(let length):
                        let seq = RecordFrame.sequence(raw, at: at)
                        if seq != expected {
                            stopHere("sequence \(seq) where \(expected) was expected", isShort: false)
                            return
                        }
                        let recordOffset = position + UInt64(at)
                        expected += 1
                        count += 1
                        if RecordFrame.continuesGroup(raw, at: at) {
                            open.append((seq, recordOffset, length))
                        } else {
                            for record in open { onRecord(record.0, record.1, record.2) }
                            open.removeAll(keepingCapacity: true)
                            onRecord(seq, recordOffset, length)
                            committedEnd = recordOffset + UInt64(length)
                            committedNext = expected
                            committedCount = count
                        }
                        at += length
                    case .failure(let defect):
                        // A frame cut by the chunk boundary is read again in the next chunk;
                        // one cut by the limit is short.
                        if defect == .short && position + UInt64(raw.count) < limit { return }
                        if defect == .impossibleLength && raw.count - at >= 4 && isZeroFilled(raw, from: at) {
                            stopHere("zero-filled bytes where a record should start", isShort: false)
                            return
                        }
                        stopHere(defect.rawValue, isShort: defect == .short)
                        return
                    }
                }
            }
            position += UInt64(at)
            if let stop { return finish(stop) }
            if at == 0 {
                // Nothing whole fits before `limit` (or the file ends before it): a torn record.
                return finish(Stop(offset: position, expectedSequence: expected, reason: Defect.short, isShort: true, defectOffset: position))
            }
        }
        return finish(nil)
    }

    private enum Defect { static let short = RecordFrame.Defect.short.rawValue }

    private func isZeroFilled(_ raw: UnsafeRawBufferPointer, from: Int) -> Bool {
        let end = min(raw.count, from + 64)
        for i in from..<end where raw[i] != 0 { return false }
        return true
    }

    /// The sequence number of the frame at `offset` if a whole, valid frame starts there.
    func sequenceOfValidFrame(at offset: UInt64, limit: UInt64) throws -> UInt64? {
        guard offset + 4 <= limit else { return nil }
        let head = try file.read(at: offset, count: 4)
        guard head.count == 4 else { return nil }
        let length = head.withUnsafeBytes { Int($0.u32(at: 0)) }
        guard length >= RecordFrame.headerSize, length <= RecordFrame.maxFrameLength, offset + UInt64(length) <= limit else { return nil }
        let frame = try file.read(at: offset, count: length)
        return frame.withUnsafeBytes { raw in
            if case .success = RecordFrame.check(raw, at: 0) { return RecordFrame.sequence(raw, at: 0) }
            return nil
        }
    }
}

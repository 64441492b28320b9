/// Walks the records of one segment file in order, checking every frame (length, fields, crc) and
/// the sequence numbers, and stops at the first record that is not whole and valid. Recovery,
/// index rebuilding, inspection and verification are all built on it.
struct SegmentScanner {
    struct Stop: Equatable {
        /// Where the first bad record starts.
        var offset: UInt64
        /// The sequence number a good record there would have had.
        var expectedSequence: UInt64
        var reason: String
        /// True when the bad record is simply cut short by the end of the file (a torn write).
        var isShort: Bool
    }

    struct Outcome {
        /// Offset just after the last good record.
        var end: UInt64
        /// The sequence number the next record must carry.
        var nextSequence: UInt64
        var count: Int
        /// Nil when the scan reached `limit` on a record boundary.
        var stop: Stop?
    }

    let file: RawFile
    /// How many bytes to read at a time.
    var chunkSize = 1 << 20

    /// Scans from `offset` (a record boundary where `sequence` starts) up to `limit` bytes.
    /// `onRecord(sequence, offset, length)` sees every good record.
    func scan(
        from offset: UInt64, sequence: UInt64, limit: UInt64,
        onRecord: (UInt64, UInt64, Int) -> Void = { _, _, _ in }
    ) throws -> Outcome {
        var position = offset
        var expected = sequence
        var count = 0
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
                while at < raw.count {
                    switch RecordFrame.check(raw, at: at) {
                    case .success(let length):
                        let seq = RecordFrame.sequence(raw, at: at)
                        if seq != expected {
                            stop = Stop(offset: position + UInt64(at), expectedSequence: expected,
                                        reason: "sequence \(seq) where \(expected) was expected", isShort: false)
                            return
                        }
                        onRecord(seq, position + UInt64(at), length)
                        expected += 1
                        count += 1
                        at += length
                    case .failure(let defect):
                        // A frame cut by the chunk boundary is read again in the next chunk;
                        // one cut by the limit is short.
                        if defect == .short && position + UInt64(raw.count) < limit { return }
                        if defect == .impossibleLength && raw.count - at >= 4 && isZeroFilled(raw, from: at) {
                            stop = Stop(offset: position + UInt64(at), expectedSequence: expected,
                                        reason: "zero-filled bytes where a record should start", isShort: false)
                            return
                        }
                        stop = Stop(offset: position + UInt64(at), expectedSequence: expected,
                                    reason: defect.rawValue, isShort: defect == .short)
                        return
                    }
                }
            }
            position += UInt64(at)
            if let stop { return Outcome(end: stop.offset, nextSequence: expected, count: count, stop: stop) }
            if at == 0 {
                // Nothing whole fits before `limit` (or the file ends before it): a torn record.
                let stop = Stop(offset: position, expectedSequence: expected, reason: Defect.short, isShort: true)
                return Outcome(end: position, nextSequence: expected, count: count, stop: stop)
            }
        }
        return Outcome(end: position, nextSequence: expected, count: count, stop: nil)
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

extension SnapshotStore {
    /// What `verify()` read.
    public struct VerificationReport: Sendable {
        public var batches = 0
        public var records = 0
        public var bytes: UInt64 = 0
    }

    /// Reads the whole data file and checks every batch's and every record's checksum and
    /// framing. Open does not do this (it would read every document); it checks only the data
    /// written after the index snapshot, and every `get` checks the record it reads.
    /// Throws `.corrupt` naming the file and the offset of the first damaged batch or record.
    @discardableResult
    public func verify() throws -> VerificationReport {
        let (file, end) = try state.withLock { state in
            guard !state.closed else { throw closedError() }
            try Self.flushBuffer(&state)
            return (state.file, state.end)
        }
        var report = VerificationReport()
        var window = ReadWindow(file: file, size: end)
        var position = UInt64(DataFileHeader.size)
        while position < end {
            let parsed = try window.withBytes(at: position, count: BatchFrame.headerSize) {
                BatchFrame.header($0, available: end - position)
            }
            guard case .success(let header) = parsed else {
                throw SnapshotStoreError(.corrupt, "bad batch header", file: file.path, offset: position)
            }
            let problem: (String, Int)? = try window.withBytes(at: position, count: header.length) { batch in
                switch BatchFrame.verify(batch, header: header) {
                case .failure(let box):
                    // Point at the damaged record if the framing still lets us find it.
                    var start = BatchFrame.headerSize
                    while start + ChangeRecord.headerSize <= batch.count {
                        let record = UnsafeRawBufferPointer(rebasing: batch[start...])
                        guard let length = ByteReader(record).get(UInt32.self, at: 4), length > 0 else { break }
                        if ChangeRecord.decode(record) == nil { return ("record checksum or framing", start) }
                        start += Int(length)
                    }
                    return ("batch \(box.damage)", 0)
                case .success(let offsets):
                    for (i, start) in offsets.enumerated() {
                        let stop = i + 1 < offsets.count ? offsets[i + 1] : header.length
                        guard ChangeRecord.decode(UnsafeRawBufferPointer(rebasing: batch[start..<stop])) != nil else {
                            return ("record checksum or framing", start)
                        }
                    }
                    report.records += offsets.count
                    return nil
                }
            }
            if let (what, at) = problem {
                throw SnapshotStoreError(.corrupt, "damaged data: \(what)", file: file.path, offset: position + UInt64(at))
            }
            report.batches += 1
            report.bytes += UInt64(header.length)
            position += UInt64(header.length)
        }
        return report
    }
}

import Foundation
import Logging

extension SnapshotStore {
    /// What one compaction did.
    public struct CompactionReport: Sendable {
        public var oldGeneration: UInt64
        public var newGeneration: UInt64
        public var bytesBefore: UInt64
        public var bytesAfter: UInt64
        public var documentsCopied: Int
        /// Bytes written by `apply` during the compaction and carried over.
        public var tailBytesCopied: UInt64
    }

    /// Rewrites the live versions into a new data file and switches to it, reclaiming the
    /// space of overwritten and deleted versions. Writers and readers go on meanwhile: the live
    /// records are listed and copied a region of the file at a time (`CompactionSlices`), the
    /// data appended since is copied after them byte for byte, and only the last few bytes and
    /// the switch itself happen under the store's mutex (besides one pass over the index per
    /// region). Readers still holding offsets into the old file keep reading it (it stays
    /// open until the last of them is done); it is unlinked after the switch.
    ///
    /// Crash safety: the new file is written under a temporary name and renamed only once
    /// synced; open removes temporary files and, if both generations exist, the older one.
    /// Throws `.busy` if a compaction is already running, `.corrupt` (naming file and offset) if
    /// a live record is damaged — the old file is then kept and nothing changes.
    @discardableResult
    public func compact() throws -> CompactionReport {
        guard compacting.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged else {
            throw SnapshotStoreError(.busy, "a compaction of \(directoryPath) is already running")
        }
        defer { compacting.store(false, ordering: .sequentiallyConsistent) }
        guard !closing.load(ordering: .sequentiallyConsistent) else { throw closedError() }

        // 1. The data file's regions, each with a bounded number of live records (`CompactionSlices`).
        let (oldFile, generation, capturedEnd, capturedSequence, slices) = try state.withLock { state in
            guard !state.closed else { throw closedError() }
            try Self.flushBuffer(&state)
            let slices = CompactionSlices.slices(of: state.index, from: UInt64(DataFileHeader.size), to: state.end,
                                                 target: configuration.compactionSliceRecords)
            return (state.file, state.generation, state.end, state.lastAppliedSequence, slices)
        }
        let newGeneration = generation + 1
        let path = directoryPath + "/" + Self.dataFileName(newGeneration)
        let temporary = path + ".tmp"
        var switched = false
        defer { if !switched { try? StoreDirectory.remove(temporary) } }

        // 2. Copy the live records, a region at a time and in file order, into batches of
        //    about 1 MiB carrying the captured sequence.
        let newFile = try StoreFile.open(temporary, create: true, truncate: true)
        try newFile.write(DataFileHeader.encode(generation: newGeneration), at: 0)
        var position = UInt64(DataFileHeader.size)
        var copied = CopiedRecords()
        var window = ReadWindow(file: oldFile, size: capturedEnd, chunk: 1 << 20)
        var batch = ByteWriter(capacity: (1 << 20) + 4096)
        var batchCount = 0
        var recordOffsets: [Int] = []
        func startBatch() {
            batch.bytes.removeAll(keepingCapacity: true)
            batch.write(BatchFrame.magic)
            batch.write(UInt32(0))
            batch.write(UInt32(0))
            batch.write(UInt32(0))
            batch.write(capturedSequence)
            batchCount = 0
            recordOffsets.removeAll(keepingCapacity: true)
        }
        func flushBatch() throws {
            batch.set(UInt32(batch.count), at: 8)
            batch.set(UInt32(batchCount), at: 12)
            batch.set(batch.bytes.withUnsafeBytes { BatchFrame.batchChecksum($0, records: recordOffsets) }, at: 4)
            try newFile.write(batch.bytes, at: position)
            position += UInt64(batch.count)
        }
        startBatch()
        for slice in slices {
            if closing.load(ordering: .relaxed) { throw closedError() }
            let records = try state.withLock { state in
                guard !state.closed, state.generation == generation else { throw closedError() }
                return CompactionSlices.records(of: state.index, in: slice)
            }
            for (i, record) in records.enumerated() {
                if i % 4096 == 4095, closing.load(ordering: .relaxed) { throw closedError() }
                if batchCount > 0 && batch.count + Int(record.length) > 1 << 20 {
                    try flushBatch()
                    startBatch()
                }
                copied.append(id: record.id, at: position + UInt64(batch.count))
                let intact = try window.withBytes(at: record.offset, count: Int(record.length)) { raw -> Bool in
                    guard raw.count == Int(record.length), ChangeRecord.decode(raw, withTerms: false) != nil else { return false }
                    recordOffsets.append(batch.count)
                    batch.write(raw)
                    return true
                }
                guard intact else {
                    throw SnapshotStoreError(.corrupt, "a live record fails its checksum; compaction stopped, nothing changed",
                                             file: oldFile.path, offset: record.offset)
                }
                batchCount += 1
            }
        }
        // Always end with a batch (empty if need be) so the new file alone carries the sequence.
        try flushBatch()
        let tailStart = position

        // 3. Catch up with what writers appended meanwhile, without the mutex, while it is large.
        var tailCopied = capturedEnd
        for _ in 0..<16 {
            let end = try state.withLock { state in
                try Self.flushBuffer(&state)
                return state.end
            }
            if end - tailCopied < 1 << 20 { break }
            try copyRange(from: oldFile, tailCopied..<end, to: newFile, at: tailStart + (tailCopied - capturedEnd))
            tailCopied = end
            if closing.load(ordering: .relaxed) { throw closedError() }
        }
        try newFile.syncData()

        // 4. Switch: copy the last bytes, sync, rename, and re-point the index.
        let report: CompactionReport = try fileSwitch.withLock { _ in
            try state.withLock { state in
                guard !state.closed, state.generation == generation else { throw closedError() }
                try Self.flushBuffer(&state)
                try copyRange(from: oldFile, tailCopied..<state.end, to: newFile, at: tailStart + (tailCopied - capturedEnd))
                let newEnd = tailStart + (state.end - capturedEnd)
                try newFile.syncData()
                try StoreDirectory.rename(temporary, path)
                switched = true
                try StoreDirectory.sync(directoryPath)
                let opened = try StoreFile.open(path, create: false)
                var shifted: [(Int, UInt64)] = []
                for (id, entry) in state.index.entries.enumerated() where entry.isLive && entry.offset >= capturedEnd {
                    shifted.append((id, entry.offset - capturedEnd + tailStart))
                }
                // Unchanged since the copy: still live, still in the old file's copied part.
                copied.repoint(&state.index, capturedEnd: capturedEnd)
                for (id, offset) in shifted { state.index.entries[id].offset = offset }
                let report = CompactionReport(oldGeneration: generation, newGeneration: newGeneration, bytesBefore: state.end,
                                              bytesAfter: newEnd, documentsCopied: copied.count,
                                              tailBytesCopied: state.end - capturedEnd)
                state.file = opened
                state.generation = newGeneration
                state.end = newEnd
                state.snapshotPosition = 0
                return report
            }
        }
        try StoreDirectory.remove(oldFile.path)
        logger.info("compacted the store's data file", metadata: [
            "generation": "\(newGeneration)", "bytesBefore": "\(report.bytesBefore)", "bytesAfter": "\(report.bytesAfter)",
        ])
        try? checkpoint()
        return report
    }

    /// Starts a background compaction when the data file is large and mostly dead.
    func startCompactionIfDue() {
        guard configuration.automaticCompaction, !compacting.load(ordering: .relaxed) else { return }
        let due = state.withLock { state in
            state.end >= configuration.compactionMinimumSize
                && Double(state.end - state.index.liveBytes) / Double(state.end) >= configuration.compactionDeadRatio
        }
        guard due else { return }
        Thread.detachNewThread { [self] in
            do {
                try compact()
            } catch let error as SnapshotStoreError where error.code == .busy || error.code == .closed {
                return
            } catch {
                logger.error("background compaction failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Copies a byte range of one file into another in 4 MiB pieces.
    private func copyRange(from source: StoreFile, _ range: Range<UInt64>, to destination: StoreFile, at offset: UInt64) throws {
        var done: UInt64 = 0
        let total = range.upperBound - range.lowerBound
        var buffer = [UInt8](repeating: 0, count: Int(min(total, 4 << 20)))
        while done < total {
            let piece = Int(min(UInt64(buffer.count), total - done))
            let got = try buffer.withUnsafeMutableBytes {
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<piece]), at: range.lowerBound + done)
            }
            guard got == piece else {
                throw SnapshotStoreError(.io, "short read while copying the tail", file: source.path, offset: range.lowerBound + done)
            }
            try buffer.withUnsafeBytes { try destination.write(UnsafeRawBufferPointer(rebasing: $0[0..<piece]), at: offset + done) }
            done += UInt64(piece)
        }
    }
}

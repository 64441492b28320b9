import Logging

extension SnapshotStore {
    /// Chooses the data file, loads the index snapshot if it describes that file, and replays
    /// the batches after it, cutting off the first damaged batch and everything after it.
    ///
    /// Why cutting is safe: the replayed region was never made durable by a snapshot (the
    /// snapshot's position is fdatasync'ed before the snapshot is written), so it may hold a
    /// batch torn by a crash, and the store is a cache: `lastAppliedSequence` falls back to the
    /// last intact batch and the Site re-folds the log after it.
    static func recover(directory: String, logger: Logger, report: inout OpenReport) throws -> State {
        var generations: [UInt64] = []
        var removed = false
        for name in try StoreDirectory.list(directory) {
            if name.hasSuffix(".tmp") {
                try StoreDirectory.remove(directory + "/" + name)
                report.removedFiles.append(name)
                removed = true
            } else if name.hasPrefix("data-"), name.hasSuffix(".ssd"), let generation = UInt64(name.dropFirst(5).dropLast(4)) {
                generations.append(generation)
            }
        }
        generations.sort()
        let file: StoreFile
        let generation: UInt64
        if let newest = generations.last {
            // Older generations are left over when a crash came between a compaction's switch
            // and its unlink of the old file; the newest is complete (renamed only once synced).
            for old in generations.dropLast() {
                try StoreDirectory.remove(directory + "/" + dataFileName(old))
                report.removedFiles.append(dataFileName(old))
                removed = true
            }
            generation = newest
            file = try StoreFile.open(directory + "/" + dataFileName(newest), create: false)
            try DataFileHeader.check(file, generation: generation)
        } else {
            generation = 1
            file = try DataFileHeader.create(directory: directory, generation: generation)
        }
        if removed { try StoreDirectory.sync(directory) }
        let size = try file.size()

        var state = State(index: StoreIndex(), file: file, generation: generation, end: UInt64(DataFileHeader.size),
                          lastAppliedSequence: 0, snapshotPosition: 0)
        let snapshotPath = directory + "/" + IndexSnapshot.fileName
        do {
            if let snapshotFile = try StoreFile.openIfExists(snapshotPath) {
                let bytes = try snapshotFile.read(count: Int(try snapshotFile.size()), at: 0)
                let loaded = try IndexSnapshot.decode(bytes, path: snapshotPath)
                if loaded.generation != generation {
                    report.indexSnapshotProblem = "it describes data generation \(loaded.generation), the data file is generation \(generation)"
                } else if loaded.position > size || loaded.position < UInt64(DataFileHeader.size) {
                    report.indexSnapshotProblem = "it covers \(loaded.position) bytes of data, the data file has \(size)"
                } else {
                    state.index = loaded.index
                    if loaded.termFile != 0 {
                        // Checked whole: a damaged block found later could only stop the store.
                        state.index.termFile = try TermFile.open(directory + "/" + TermFile.fileName(loaded.termFile),
                                                                 number: loaded.termFile, verifyBlocks: true)
                    }
                    state.end = loaded.position
                    state.snapshotPosition = loaded.position
                    state.lastAppliedSequence = loaded.lastAppliedSequence
                    report.loadedIndexSnapshot = true
                }
            } else {
                report.indexSnapshotProblem = "there is no index snapshot"
            }
        } catch let error as SnapshotStoreError {
            report.indexSnapshotProblem = error.description
            state = State(index: StoreIndex(), file: file, generation: generation, end: UInt64(DataFileHeader.size),
                          lastAppliedSequence: 0, snapshotPosition: 0)
        }
        report.removedFiles += try removeTermFiles(in: directory, except: state.index.termFile?.number)
        if let problem = report.indexSnapshotProblem, size > UInt64(DataFileHeader.size) {
            logger.warning("rebuilding the store index from the data file", metadata: ["reason": "\(problem)", "file": "\(file.path)"])
        }
        try replay(&state, size: size, report: &report, logger: logger)
        return state
    }

    /// Folds every intact batch from `state.end` to `size` into the index.
    static func replay(_ state: inout State, size: UInt64, report: inout OpenReport, logger: Logger) throws {
        let file = state.file
        var window = ReadWindow(file: file, size: size)
        var position = state.end
        while position < size {
            let parsed = try window.withBytes(at: position, count: BatchFrame.headerSize) {
                BatchFrame.header($0, available: size - position)
            }
            var damage: BatchFrame.Damage?
            switch parsed {
            case .failure(let box):
                damage = box.damage
            case .success(let header):
                damage = try window.withBytes(at: position, count: header.length) { batch -> BatchFrame.Damage? in
                    switch BatchFrame.verify(batch, header: header) {
                    case .failure(let box): return box.damage
                    case .success(let offsets):
                        // Decode the whole batch before folding any of it: a batch is applied whole or not at all.
                        var records: [ChangeRecord.Decoded] = []
                        records.reserveCapacity(offsets.count)
                        for (i, start) in offsets.enumerated() {
                            let end = i + 1 < offsets.count ? offsets[i + 1] : header.length
                            guard var record = ChangeRecord.decodeUnchecked(UnsafeRawBufferPointer(rebasing: batch[start..<end]))
                            else { return .badRecords }
                            record.document = start..<end // reused below as the record's place in the batch
                            records.append(record)
                        }
                        for record in records {
                            fold(kind: record.kind, key: record.key, terms: record.terms,
                                 offset: position + UInt64(record.document.lowerBound), length: record.length, into: &state, logger: logger)
                        }
                        state.lastAppliedSequence = max(state.lastAppliedSequence, header.throughSequence)
                        state.end = position + UInt64(header.length)
                        report.replayedBatches += 1
                        report.replayedBytes += UInt64(header.length)
                        return nil
                    }
                }
            }
            if let damage {
                let reason: String
                switch damage {
                case .incomplete: reason = "the last batch is incomplete (torn write)"
                case .badHeader: reason = "bad batch header"
                case .badChecksum: reason = "batch checksum mismatch"
                case .badRecords: reason = "batch records do not parse"
                }
                report.truncatedTail = TruncatedTail(file: file.path, offset: position, bytes: size - position, reason: reason)
                logger.warning("cutting off the store's data tail", metadata: [
                    "file": "\(file.path)", "offset": "\(position)", "bytes": "\(size - position)", "reason": "\(reason)",
                    "lastAppliedSequence": "\(state.lastAppliedSequence)",
                ])
                try file.truncate(to: position)
                try file.syncData()
                return
            }
            position = state.end
        }
    }
}

/// A sliding buffer over a file for sequential scans: `withBytes(at:count:)` hands out a
/// contiguous view of the requested range, reading ahead in large chunks.
struct ReadWindow {
    let file: StoreFile
    let size: UInt64
    var buffer: [UInt8] = []
    var start: UInt64 = 0
    var count = 0
    /// Bytes read at a time (or one record, if larger).
    let chunk: Int

    init(file: StoreFile, size: UInt64, chunk: Int = 8 << 20) {
        self.file = file
        self.size = size
        self.chunk = chunk
    }

    /// `body` sees up to `count` bytes at `offset` (fewer only at end of file).
    mutating func withBytes<R>(at offset: UInt64, count wanted: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let available = Int(min(UInt64(wanted), size - min(size, offset)))
        if offset < start || offset + UInt64(available) > start + UInt64(count) {
            let length = Int(min(UInt64(max(chunk, wanted)), size - offset))
            if buffer.count < length { buffer = [UInt8](repeating: 0, count: length) }
            count = try buffer.withUnsafeMutableBytes { try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<length]), at: offset) }
            start = offset
        }
        let from = Int(offset - start)
        let to = from + min(available, count - from)
        return try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[from..<to])) }
    }
}

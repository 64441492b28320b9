/// One segment of an open log. `base`, `file` and `name` never change; every `var` is guarded by
/// the owning `EventLog`'s lock.
final class Segment: @unchecked Sendable {
    let base: UInt64
    let file: RawFile
    let name: String
    let created: Int64
    /// Bytes of whole records written (file size for sealed segments).
    var writtenEnd: UInt64
    /// Bytes known durable; readers never go past it.
    var durableEnd: UInt64
    /// The last sequence number written here (`base - 1` when empty).
    var lastSequence: UInt64
    var index: SparseIndex
    var sealed: Bool
    /// The first damaged place: reads reaching it fail, everything before is served.
    var damage: LogProblem?

    init(base: UInt64, file: RawFile, created: Int64, end: UInt64, lastSequence: UInt64, index: SparseIndex, sealed: Bool, damage: LogProblem?) {
        self.base = base
        self.file = file
        self.name = SegmentName.segment(base)
        self.created = created
        self.writtenEnd = end
        self.durableEnd = end
        self.lastSequence = lastSequence
        self.index = index
        self.sealed = sealed
        self.damage = damage
    }

    /// Where readers must stop: the durable end, or the damaged place before it.
    var readableEnd: UInt64 {
        if let damage { return min(durableEnd, damage.offset) }
        return durableEnd
    }
}

/// What the files say about one segment: header, good records, index, first damage.
/// Built read-only, so inspection can use it on a log another process is writing.
struct SegmentAnalysis {
    var base: UInt64
    var name: String
    var header: SegmentHeader?
    var size: UInt64
    /// End of the good records.
    var end: UInt64
    var lastSequence: UInt64
    var index: SparseIndex
    var indexRebuilt: Bool
    var indexWasMissing: Bool
    /// The first record that is not whole and valid, if the good records end before the file does.
    var stop: SegmentScanner.Stop?
    var headerProblem: String?

    var recordCount: UInt64 { lastSequence + 1 - base }

    /// Reads the header, checks the index against the segment (rebuilding it in memory when it is
    /// missing, damaged or stale) and scans from the last index point to the end of the file.
    static func analyze(file: RawFile, base: UInt64, indexPath: String, indexInterval: Int) throws -> SegmentAnalysis {
        let size = try file.size()
        let name = SegmentName.segment(base)
        var analysis = SegmentAnalysis(
            base: base, name: name, header: nil, size: size, end: 0, lastSequence: base &- 1,
            index: SparseIndex(), indexRebuilt: false, indexWasMissing: false, stop: nil, headerProblem: nil)
        switch SegmentHeader.decode(try file.read(at: 0, count: SegmentHeader.size), expectedBase: base) {
        case .failure(let defect):
            analysis.headerProblem = defect.reason
            return analysis
        case .success(let header):
            analysis.header = header
        }
        let scanner = SegmentScanner(file: file)
        // Start from the last index point that still matches the segment.
        var index = SparseIndex()
        if let bytes = try? RawFile.open(indexPath, writable: false).read(at: 0, count: Int(FileSystem.fileSize(indexPath) ?? 0)),
           let loaded = SparseIndex.decode(bytes, base: base, segmentSize: size) {
            index = loaded
            var tries = 0
            while let last = index.entries.last, tries < 16 {
                if try scanner.sequenceOfValidFrame(at: last.offset, limit: size) == last.sequence { break }
                index.entries.removeLast()
                tries += 1
                analysis.indexRebuilt = true
            }
            if tries == 16 { index = SparseIndex() }
        } else {
            analysis.indexWasMissing = !FileSystem.exists(indexPath)
            analysis.indexRebuilt = true
        }
        if index.entries.isEmpty { analysis.indexRebuilt = true }
        let start = index.entries.last ?? SparseIndex.Entry(sequence: base, offset: UInt64(SegmentHeader.size))
        if index.entries.isEmpty { index.entries.append(start) }
        var lastIndexed = start.offset
        var startCount = index.entries.count
        func scanTail(from start: SparseIndex.Entry) throws -> SegmentScanner.Outcome {
            try scanner.scan(from: start.offset, sequence: start.sequence, limit: size) { seq, offset, _ in
                if offset - lastIndexed >= UInt64(indexInterval) {
                    index.entries.append(SparseIndex.Entry(sequence: seq, offset: offset))
                    lastIndexed = offset
                }
            }
        }
        var outcome = try scanTail(from: start)
        if let stop = outcome.stop, stop.incompleteGroup, stop.offset == start.offset, start.offset > UInt64(SegmentHeader.size) {
            // The incomplete group may have begun before the index point (index points fall
            // anywhere in a group): find its start by scanning the whole segment.
            let first = SparseIndex.Entry(sequence: base, offset: UInt64(SegmentHeader.size))
            index = SparseIndex(entries: [first])
            lastIndexed = first.offset
            startCount = 1
            analysis.indexRebuilt = true
            outcome = try scanTail(from: first)
        }
        if outcome.count == 0 && outcome.end == UInt64(SegmentHeader.size) {
            // An empty segment has no index point.
            index.entries.removeAll()
            startCount = 0
        }
        // No index point may lie past the last whole group (an incomplete group is cut or
        // unreadable).
        index.entries.removeAll { $0.offset >= outcome.end && $0.offset > UInt64(SegmentHeader.size) }
        if index.entries.count != startCount { analysis.indexRebuilt = true }
        analysis.index = index
        analysis.end = outcome.end
        analysis.lastSequence = outcome.nextSequence &- 1
        analysis.stop = outcome.stop
        return analysis
    }
}

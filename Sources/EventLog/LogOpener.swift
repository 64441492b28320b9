import Logging

/// Brings a log directory to a consistent state on open: checks every segment, cuts the active
/// segment's torn tail, rebuilds indexes, and records (never repairs) damage in sealed segments.
struct LogOpener {
    let directory: String
    let configuration: EventLog.Configuration
    let logger: Logger

    struct Opened {
        var segments: [Segment]
        var report: RecoveryReport
        var appendBlocked: EventLogError?
        var activeIndexFile: RawFile
    }

    func path(_ name: String) -> String { directory + "/" + name }

    func open() throws -> Opened {
        var bases = try SegmentName.segmentBases(in: directory)
        var report = RecoveryReport()
        var appendBlocked: EventLogError? = nil
        if bases.isEmpty {
            _ = try SegmentFiles.create(directory: directory, base: 1)
            bases = [1]
        }
        var segments: [Segment] = []
        var activeIndexFile: RawFile? = nil
        for (i, base) in bases.enumerated() {
            let isLast = i == bases.count - 1
            let name = SegmentName.segment(base)
            let file = try RawFile.open(path(name))
            let indexPath = path(SegmentName.index(base))
            var analysis = try SegmentAnalysis.analyze(file: file, base: base, indexPath: indexPath, indexInterval: configuration.indexIntervalBytes)
            var damage: LogProblem? = nil

            if let headerProblem = analysis.headerProblem {
                if isLast && analysis.size <= UInt64(SegmentHeader.size) {
                    // A segment whose creation was torn: it holds no records, so write it anew.
                    try file.truncate(to: 0)
                    try file.write(SegmentHeader(base: base, created: wallClockMicroseconds(), sealed: false).encoded(), at: 0)
                    try file.sync()
                    logger.warning("rewrote the header of an empty active segment whose creation was torn", metadata: ["segment": "\(name)"])
                    analysis = try SegmentAnalysis.analyze(file: file, base: base, indexPath: indexPath, indexInterval: configuration.indexIntervalBytes)
                } else {
                    damage = LogProblem(kind: .damagedHeader, segmentFile: name, offset: 0, sequence: base, reason: headerProblem)
                    analysis.end = 0
                    if isLast {
                        appendBlocked = EventLogError(.corruptSegmentHeader, "the active segment's header is damaged (\(headerProblem)); appending is refused until it is restored", segmentFile: name, offset: 0, sequence: base)
                    }
                }
            }

            if let stop = analysis.stop {
                if isLast {
                    try cutTail(file: file, name: name, at: stop, size: analysis.size, report: &report)
                    analysis.size = stop.offset
                } else {
                    damage = LogProblem(kind: .damagedRecord, segmentFile: name, offset: stop.offset, sequence: stop.expectedSequence,
                                        reason: "sealed segment damaged: \(stop.reason)")
                }
            }

            // Continuity with the segment before: no gap, no overlap.
            if let previous = segments.last, previous.damage == nil, previous.lastSequence &+ 1 != base {
                let reason = previous.lastSequence &+ 1 < base
                    ? "sequences \(previous.lastSequence &+ 1)…\(base - 1) are missing: a segment between \(previous.name) and \(name) is gone"
                    : "segment \(name) starts at \(base) but \(previous.name) already ends at \(previous.lastSequence)"
                previous.damage = LogProblem(kind: .missingSegment, segmentFile: previous.name, offset: previous.writtenEnd,
                                             sequence: previous.lastSequence &+ 1, reason: reason)
                report.problems.append(previous.damage!)
            }

            if isLast, analysis.header?.sealed == true, damage == nil {
                let problem = LogProblem(kind: .missingSegment, segmentFile: name, offset: analysis.end, sequence: analysis.lastSequence &+ 1,
                                         reason: "\(name) is marked sealed but no later segment exists: the newest segment is missing")
                report.problems.append(problem)
                appendBlocked = problem.error
            }
            if let damage { report.problems.append(damage) }

            if isLast {
                // The active segment's index is rewritten to match exactly what recovery kept.
                try SparseIndex.write(analysis.index, base: base, to: indexPath)
                activeIndexFile = try RawFile.open(indexPath)
                if analysis.indexRebuilt && analysis.recordCount > 0 { report.rebuiltIndexes.append(SegmentName.index(base)) }
            } else if analysis.indexRebuilt && analysis.headerProblem == nil {
                do {
                    try SparseIndex.write(analysis.index, base: base, to: indexPath)
                    report.rebuiltIndexes.append(SegmentName.index(base))
                } catch {
                    logger.warning("cannot rewrite a segment index (a cache; reads still work)", metadata: ["segment": "\(name)", "error": "\(error)"])
                }
            }

            segments.append(Segment(
                base: base, file: file, created: analysis.header?.created ?? 0, end: analysis.end,
                lastSequence: analysis.lastSequence, index: analysis.index,
                sealed: !isLast || analysis.header?.sealed == true, damage: damage))
        }
        report.lastSequence = segments.last!.lastSequence
        return Opened(segments: segments, report: report, appendBlocked: appendBlocked, activeIndexFile: activeIndexFile!)
    }

    /// Cuts the active segment at the first bad record, keeping the cut bytes in a side file first
    /// (unless they are all zero) so recovery destroys nothing.
    private func cutTail(file: RawFile, name: String, at stop: SegmentScanner.Stop, size: UInt64, report: inout RecoveryReport) throws {
        let cut = size - stop.offset
        if configuration.keepCutTail {
            let bytes = try file.read(at: stop.offset, count: Int(min(cut, 1 << 30)))
            if bytes.contains(where: { $0 != 0 }) {
                let sidePath = path("\(name).cut-\(stop.offset)")
                let side = try RawFile.open(sidePath, create: true)
                try side.truncate(to: 0)
                try side.write(bytes, at: 0)
                try side.sync()
                report.cutBytesSavedTo = sidePath
            }
        }
        try file.truncate(to: stop.offset)
        try file.sync()
        try FileSystem.syncDirectory(directory)
        report.truncatedSegment = name
        report.truncatedAt = stop.offset
        report.bytesCut = cut
        report.reason = "\(stop.reason) (expected sequence \(stop.expectedSequence))"
        logger.warning("cut torn tail of the active segment",
                       metadata: ["segment": "\(name)", "offset": "\(stop.offset)", "bytes": "\(cut)", "reason": "\(stop.reason)"])
    }
}

/// Creating segment files.
enum SegmentFiles {
    /// Creates `<base>.log` with its header and an empty `<base>.index`, both durable, and the
    /// directory entry durable too. Fails if the segment already exists.
    static func create(directory: String, base: UInt64) throws -> (file: RawFile, index: RawFile, created: Int64) {
        let created = wallClockMicroseconds()
        let file = try RawFile.open(directory + "/" + SegmentName.segment(base), create: true, exclusive: true)
        try file.write(SegmentHeader(base: base, created: created, sealed: false).encoded(), at: 0)
        try file.sync()
        let indexPath = directory + "/" + SegmentName.index(base)
        let index = try RawFile.open(indexPath, create: true)
        try index.truncate(to: 0)
        try index.write(SparseIndex.encodeHeader(base: base), at: 0)
        try FileSystem.syncDirectory(directory)
        return (file, index, created)
    }
}

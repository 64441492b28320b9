import Logging

/// A read-only description of a log directory (`sitestream log inspect`).
public struct LogInspection: Sendable {
    public struct SegmentInfo: Sendable, Equatable {
        public var file: String
        public var baseSequence: UInt64
        /// The last good record's sequence (`baseSequence - 1` when empty or unreadable).
        public var lastSequence: UInt64
        public var entryCount: UInt64
        /// The file's size.
        public var bytes: UInt64
        public var sealed: Bool
        /// False when the index file is missing, damaged or stale (it is rebuilt on open).
        public var indexCurrent: Bool
    }

    public var directory: String
    public var segments: [SegmentInfo]
    /// The first kept sequence number; nil when the log holds no entries.
    public var firstSequence: UInt64?
    public var lastSequence: UInt64?
    /// Damage and gaps found while inspecting (a torn tail of the active segment included).
    public var problems: [LogProblem]
    /// True when a process holds the log open for writing right now.
    public var openForWriting: Bool
}

/// The outcome of checking every record of a log (`sitestream log verify`).
public struct LogVerification: Sendable {
    public var directory: String
    public var segmentsChecked: Int
    public var recordsChecked: UInt64
    public var bytesChecked: UInt64
    /// Every damaged place, in order; verification resumes at the next valid record after each.
    public var problems: [LogProblem]
    /// Things that are not damage (an index to be rebuilt, stray files).
    public var notes: [String]
    public var openForWriting: Bool
    public var isClean: Bool { problems.isEmpty }
}

extension EventLog {
    /// Describes the segments of the log in `directory` without opening it for writing.
    public static func inspect(directory: String) throws -> LogInspection {
        let bases = try existingLogBases(directory)
        var infos: [LogInspection.SegmentInfo] = []
        var problems: [LogProblem] = []
        var previousLast: UInt64? = nil
        for (i, base) in bases.enumerated() {
            let isLast = i == bases.count - 1
            let name = SegmentName.segment(base)
            let file = try RawFile.open(directory + "/" + name, writable: false)
            let analysis = try SegmentAnalysis.analyze(file: file, base: base, indexPath: directory + "/" + SegmentName.index(base), indexInterval: 4096)
            if let previousLast, previousLast &+ 1 != base {
                problems.append(LogProblem(kind: .missingSegment, segmentFile: name, offset: 0, sequence: previousLast &+ 1,
                                           reason: "sequences \(previousLast &+ 1)…\(base &- 1) are missing before \(name)"))
            }
            if let headerProblem = analysis.headerProblem {
                problems.append(LogProblem(kind: .damagedHeader, segmentFile: name, offset: 0, sequence: base, reason: headerProblem))
            } else if let stop = analysis.stop {
                problems.append(LogProblem(kind: isLast && stop.isShort ? .tornTail : .damagedRecord, segmentFile: name, offset: stop.offset,
                                           sequence: stop.expectedSequence, reason: stop.reason))
            }
            if isLast, analysis.header?.sealed == true {
                problems.append(LogProblem(kind: .missingSegment, segmentFile: name, offset: analysis.end, sequence: analysis.lastSequence &+ 1,
                                           reason: "\(name) is marked sealed but no later segment exists"))
            }
            infos.append(LogInspection.SegmentInfo(
                file: name, baseSequence: base, lastSequence: analysis.lastSequence, entryCount: analysis.recordCount,
                bytes: analysis.size, sealed: !isLast || analysis.header?.sealed == true, indexCurrent: !analysis.indexRebuilt))
            previousLast = analysis.headerProblem == nil ? analysis.lastSequence : nil
        }
        let nonEmpty = infos.filter { $0.entryCount > 0 }
        return LogInspection(
            directory: directory, segments: infos, firstSequence: nonEmpty.first?.baseSequence, lastSequence: nonEmpty.last?.lastSequence,
            problems: problems, openForWriting: try isOpenForWriting(directory))
    }

    /// Checks every record of every segment without opening the log for writing, and returns
    /// every damaged place (segment, offset, sequence, reason) — it does not stop at the first:
    /// after damage it searches forward for the next valid record and goes on from there.
    /// `progress` is told the bytes checked so far and the total after each segment.
    public static func verify(directory: String, progress: ((_ bytesChecked: UInt64, _ totalBytes: UInt64) -> Void)? = nil) throws -> LogVerification {
        let bases = try existingLogBases(directory)
        let totalBytes = bases.reduce(UInt64(0)) { $0 + (FileSystem.fileSize(directory + "/" + SegmentName.segment($1)) ?? 0) }
        defer { progress?(totalBytes, totalBytes) }
        var report = LogVerification(directory: directory, segmentsChecked: 0, recordsChecked: 0, bytesChecked: 0, problems: [], notes: [], openForWriting: try isOpenForWriting(directory))
        var previousLast: UInt64? = nil
        for (i, base) in bases.enumerated() {
            let isLast = i == bases.count - 1
            let name = SegmentName.segment(base)
            let file = try RawFile.open(directory + "/" + name, writable: false)
            let size = try file.size()
            report.segmentsChecked += 1
            report.bytesChecked += size
            if let previousLast, previousLast &+ 1 != base {
                report.problems.append(LogProblem(kind: .missingSegment, segmentFile: name, offset: 0, sequence: previousLast &+ 1,
                                                  reason: "sequences \(previousLast &+ 1)…\(base &- 1) are missing before \(name)"))
            }
            let header = SegmentHeader.decode(try file.read(at: 0, count: SegmentHeader.size), expectedBase: base)
            if case .failure(let defect) = header {
                report.problems.append(LogProblem(kind: .damagedHeader, segmentFile: name, offset: 0, sequence: base, reason: defect.reason))
            }
            let scanner = SegmentScanner(file: file)
            var position = UInt64(SegmentHeader.size)
            var expected = base
            while position < size {
                let outcome = try scanner.scan(from: position, sequence: expected, limit: size)
                report.recordsChecked += UInt64(outcome.count)
                expected = outcome.nextSequence
                guard let stop = outcome.stop else { position = outcome.end; break }
                // Search from just after the bad record itself (for an incomplete group, its
                // good records before the bad one are reported with it, not rechecked).
                let resume = try resynchronize(file: file, from: stop.defectOffset + 1, size: size, expected: stop.expectedSequence)
                let kind: LogProblem.Kind = isLast && resume == nil ? .tornTail : .damagedRecord
                report.problems.append(LogProblem(kind: kind, segmentFile: name, offset: stop.offset, sequence: stop.expectedSequence, reason: stop.reason))
                guard let resume else { position = size; break }
                report.problems.append(LogProblem(
                    kind: .skippedBytes, segmentFile: name, offset: stop.offset, sequence: stop.expectedSequence,
                    reason: "bytes \(stop.offset)..<\(resume.offset) skipped; checking resumes at sequence \(resume.sequence)"
                        + (resume.sequence > stop.expectedSequence ? " (sequences \(stop.expectedSequence)…\(resume.sequence - 1) unreadable)" : "")))
                position = resume.offset
                expected = resume.sequence
            }
            if isLast, case .success(let h) = header, h.sealed {
                report.problems.append(LogProblem(kind: .missingSegment, segmentFile: name, offset: size, sequence: expected,
                                                  reason: "\(name) is marked sealed but no later segment exists"))
            }
            let indexPath = directory + "/" + SegmentName.index(base)
            if !FileSystem.exists(indexPath) {
                report.notes.append("\(SegmentName.index(base)) is missing (rebuilt on open)")
            } else if let bytes = try? RawFile.open(indexPath, writable: false).read(at: 0, count: Int(FileSystem.fileSize(indexPath) ?? 0)),
                      SparseIndex.decode(bytes, base: base, segmentSize: size) == nil {
                report.notes.append("\(SegmentName.index(base)) is damaged (rebuilt on open)")
            }
            previousLast = expected &- 1
            progress?(min(report.bytesChecked, totalBytes), totalBytes)
        }
        for name in try FileSystem.list(directory) where SegmentName.base(ofSegment: name) == nil && !name.hasSuffix(".index") && name != SegmentName.lockFile {
            report.notes.append("\(name) is not part of the log (ignored)")
        }
        return report
    }

    /// Opens the log for writing (taking its lock), which cuts a torn tail, rebuilds indexes and
    /// records damage; closes it again and returns what was done.
    public static func recover(directory: String, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "sitestream.eventlog")) throws -> RecoveryReport {
        var configuration = configuration
        configuration.createIfMissing = false
        _ = try existingLogBases(directory)
        let log = try EventLog(directory: directory, configuration: configuration, logger: logger)
        let report = log.recoveryReport
        try log.close()
        return report
    }

    /// The next valid record at or after `from` whose sequence number is plausible (not before
    /// `expected`); a byte-by-byte search, for offline verification only.
    static func resynchronize(file: RawFile, from: UInt64, size: UInt64, expected: UInt64) throws -> (offset: UInt64, sequence: UInt64)? {
        guard from < size else { return nil }
        let rest = try file.read(at: from, count: Int(size - from))
        return rest.withUnsafeBytes { raw -> (UInt64, UInt64)? in
            var at = 0
            while at + RecordFrame.headerSize <= raw.count {
                let length = Int(raw.u32(at: at))
                let seq = raw.u64(at: at + 8)
                if length >= RecordFrame.headerSize, at + length <= raw.count, seq >= expected, seq < expected &+ (1 << 32),
                   case .success = RecordFrame.check(raw, at: at) {
                    return (from + UInt64(at), seq)
                }
                at += 1
            }
            return nil
        }
    }

    static func existingLogBases(_ directory: String) throws -> [UInt64] {
        guard FileSystem.exists(directory) else {
            throw EventLogError(.notALog, "no event log at \(directory) (the directory does not exist)")
        }
        return try SegmentName.segmentBases(in: directory)
    }

    /// Whether another holder has the log's lock (a shared lock attempt fails).
    static func isOpenForWriting(_ directory: String) throws -> Bool {
        let lockPath = directory + "/" + SegmentName.lockFile
        guard FileSystem.exists(lockPath), let file = try? RawFile.open(lockPath, writable: false) else { return false }
        return try !file.tryLock(exclusive: false)
    }
}

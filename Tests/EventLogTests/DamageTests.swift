import Foundation
import Testing
@testable import EventLog

/// Damage of every documented kind, each with its documented outcome (docs/formats/eventlog.md).
@Suite struct DamageTests {
    /// A closed log of `count` entries with small segments, one entry per append (so every
    /// record is a group of its own; GroupDamageTests covers groups); returns the segment paths.
    func makeLog(_ dir: TempDirectory, count: Int = 60, payloadSize: Int? = nil, segmentSize: UInt64 = 4096) throws -> [String] {
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(segmentSize: segmentSize))
        try appendKeys(log, 0..<count, chunk: 1, payloadSize: payloadSize)
        try log.close()
        return segmentFiles(dir.logPath).map { dir.logPath + "/" + $0 }
    }

    func open(_ dir: TempDirectory, segmentSize: UInt64 = 4096) throws -> EventLog {
        try EventLog(directory: dir.logPath, configuration: smallConfiguration(segmentSize: segmentSize))
    }

    @Test func truncatingTheActiveSegmentAtEveryOffsetOfItsLastRecordsKeepsThePrefix() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let segments = try makeLog(dir, count: 30, payloadSize: 30, segmentSize: 1 << 20)
        let active = segments.last!
        let original = fileBytes(active)
        let offsets = try recordOffsets(active)
        #expect(offsets.count == 30)
        for cut in offsets[27]..<original.count {
            writeBytes(original, active)
            truncateFile(active, to: cut)
            let whole = offsets.filter { $0 < cut }.count - (offsets.contains(cut) ? 0 : 1)
            let log = try open(dir, segmentSize: 1 << 20)
            #expect(log.lastSequence == UInt64(whole), "cut at \(cut)")
            if offsets.contains(cut) {
                #expect(log.recoveryReport.truncatedSegment == nil, "cut at \(cut) is a boundary")
            } else {
                #expect(log.recoveryReport.truncatedAt == UInt64(offsets[whole]), "cut at \(cut)")
                #expect(log.recoveryReport.bytesCut == UInt64(cut - offsets[whole]))
            }
            let (records, _) = try readAll(log)
            #expect(records.count == whole && records.allSatisfy { matches($0, key: Int($0.sequence) - 1, payloadSize: 30) })
            #expect(try log.appendSynchronously([draft(whole, payloadSize: 30)]).firstSequence == UInt64(whole + 1))
            try log.close()
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.logPath) where name.contains(".cut-") {
                try FileManager.default.removeItem(atPath: dir.logPath + "/" + name)
            }
        }
    }

    @Test func aZeroFilledTailIsCutWithoutKeepingIt() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let active = try makeLog(dir).last!
        let size = fileBytes(active).count
        writeBytes(fileBytes(active) + [UInt8](repeating: 0, count: 4096), active)
        let log = try open(dir)
        #expect(log.lastSequence == 60)
        #expect(log.recoveryReport.truncatedAt == UInt64(size))
        #expect(log.recoveryReport.bytesCut == 4096)
        #expect(log.recoveryReport.cutBytesSavedTo == nil)
        #expect(fileBytes(active).count == size)
        try log.close()
    }

    @Test func garbageAfterTheLastRecordIsCutAndKept() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let active = try makeLog(dir).last!
        let size = fileBytes(active).count
        let garbage: [UInt8] = (0..<777).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        writeBytes(fileBytes(active) + garbage, active)
        let log = try open(dir)
        #expect(log.lastSequence == 60)
        #expect(log.recoveryReport.truncatedAt == UInt64(size))
        let kept = try #require(log.recoveryReport.cutBytesSavedTo)
        #expect(fileBytes(kept) == garbage)
        #expect(try log.appendSynchronously([draft(60)]).firstSequence == 61)
        try log.close()
        // The kept side file is not mistaken for a segment.
        let reopened = try open(dir)
        #expect(reopened.lastSequence == 61)
        #expect(reopened.recoveryReport.truncatedSegment == nil)
        try reopened.close()
    }

    enum Spot: String, CaseIterable { case lengthField, recordHeader, payload }

    func offsetInRecord(_ spot: Spot, recordStart: Int) -> Int {
        switch spot {
        case .lengthField: recordStart + 1
        case .recordHeader: recordStart + 24  // the update type
        case .payload: recordStart + RecordFrame.headerSize + 30
        }
    }

    @Test(arguments: Spot.allCases)
    func aFlippedByteInTheActiveSegmentsLastRecordEndsTheLogThere(spot: Spot) throws {
        let dir = TempDirectory("active\(spot)")
        defer { dir.remove() }
        let active = try makeLog(dir, count: 20, payloadSize: 100, segmentSize: 1 << 20).last!
        let offsets = try recordOffsets(active)
        var bytes = fileBytes(active)
        bytes[offsetInRecord(spot, recordStart: offsets[19])] ^= 0x10
        writeBytes(bytes, active)
        let log = try open(dir, segmentSize: 1 << 20)
        #expect(log.lastSequence == 19)
        #expect(log.recoveryReport.truncatedAt == UInt64(offsets[19]))
        #expect(log.recoveryReport.reason?.isEmpty == false)
        let kept = try #require(log.recoveryReport.cutBytesSavedTo)
        #expect(fileBytes(kept) == Array(bytes[offsets[19]...]))
        #expect(try log.appendSynchronously([draft(19, payloadSize: 100)]).firstSequence == 20)
        try log.close()
    }

    /// Open scans the active segment only from its last index point, so damage earlier in it is
    /// found by the read that reaches it (and by `verify`), exactly as in a sealed segment: the
    /// records before are served, the read fails naming the place, nothing is cut.
    @Test(arguments: Spot.allCases)
    func aFlippedByteEarlierInTheActiveSegmentFailsReadsThereWithoutCutting(spot: Spot) throws {
        let dir = TempDirectory("activeEarly\(spot)")
        defer { dir.remove() }
        let active = try makeLog(dir, count: 20, payloadSize: 100, segmentSize: 1 << 20).last!
        let offsets = try recordOffsets(active)
        var bytes = fileBytes(active)
        bytes[offsetInRecord(spot, recordStart: offsets[5])] ^= 0x10
        writeBytes(bytes, active)
        let log = try open(dir, segmentSize: 1 << 20)
        #expect(log.lastSequence == 20)
        #expect(log.recoveryReport.truncatedSegment == nil)
        let (records, error) = try readAllUntilError(log)
        #expect(records.map(\.sequence) == Array(1...5))
        #expect(error?.code == .corruptRecord)
        #expect(error?.offset == UInt64(offsets[5]))
        #expect(error?.sequence == 6)
        #expect(error?.segmentFile == SegmentName.segment(1))
        #expect(matches(try log.record(at: 20), key: 19, payloadSize: 100))
        #expect(throws: EventLogError.self) { try log.record(at: 6) }
        try log.close()
        let verification = try EventLog.verify(directory: dir.logPath)
        #expect(verification.problems.first?.kind == .damagedRecord)
        #expect(verification.problems.first?.offset == UInt64(offsets[5]))
    }

    @Test(arguments: Spot.allCases)
    func aFlippedByteInASealedSegmentFailsThatRangeAndServesEverythingBefore(spot: Spot) throws {
        let dir = TempDirectory("sealed\(spot)")
        defer { dir.remove() }
        let segments = try makeLog(dir, count: 60, payloadSize: 100)
        #expect(segments.count >= 3)
        let damaged = segments[1]
        let base = SegmentName.base(ofSegment: URL(fileURLWithPath: damaged).lastPathComponent)!
        let offsets = try recordOffsets(damaged)
        var bytes = fileBytes(damaged)
        let target = offsets[2]
        bytes[offsetInRecord(spot, recordStart: target)] ^= 0x10
        writeBytes(bytes, damaged)
        let sizeBefore = bytes.count

        let log = try open(dir)
        #expect(log.recoveryReport.truncatedSegment == nil)
        #expect(fileBytes(damaged).count == sizeBefore, "a sealed segment is never truncated")
        // Everything before the damage is served, then the read fails naming the place.
        var cursor: LogCursor? = nil
        var served: [LogRecord] = []
        var failure: EventLogError? = nil
        while failure == nil {
            do {
                let batch = try log.read(after: cursor, maxEntries: 50, maxBytes: 1 << 20)
                #expect(batch.count > 0)
                served += try batch.records()
                cursor = batch.next
            } catch let error as EventLogError { failure = error }
        }
        #expect(served.map(\.sequence) == Array(1...(base + 1)))
        #expect(failure?.segmentFile == SegmentName.segment(base))
        #expect(failure?.offset == UInt64(target))
        #expect(failure?.sequence == base + 2)
        #expect(try log.record(at: base + 1).sequence == base + 1)
        #expect(throws: EventLogError.self) { try log.record(at: base + 2) }
        // Later segments still answer lookups; appending goes on.
        #expect(matches(try log.record(at: 60), key: 59, payloadSize: 100))
        #expect(try log.appendSynchronously([draft(60)]).firstSequence == 61)
        try log.close()

        let verification = try EventLog.verify(directory: dir.logPath)
        #expect(verification.problems.first?.kind == .damagedRecord)
        #expect(verification.problems.first?.offset == UInt64(target))
        #expect(verification.problems.first?.sequence == base + 2)
        #expect(verification.problems.contains { $0.kind == .skippedBytes })
        #expect(verification.problems.filter { $0.kind == .damagedRecord }.count == 1)
    }

    @Test func verifyReportsEveryDamagedPlaceNotJustTheFirst() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let segments = try makeLog(dir, count: 80, payloadSize: 100)
        for path in [segments[0], segments[2]] {
            let offsets = try recordOffsets(path)
            var bytes = fileBytes(path)
            bytes[offsets[1] + RecordFrame.headerSize + 5] ^= 1
            bytes[offsets[4] + 9] ^= 1  // the sequence number field
            writeBytes(bytes, path)
        }
        let verification = try EventLog.verify(directory: dir.logPath)
        let damaged = verification.problems.filter { $0.kind == .damagedRecord }
        #expect(damaged.count == 4, "\(verification.problems)")
        #expect(Set(damaged.map(\.segmentFile)).count == 2)
        #expect(!verification.isClean)
    }

    @Test func aDamagedSealedSegmentHeaderFailsReadsOfThatSegment() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let segments = try makeLog(dir)
        var bytes = fileBytes(segments[1])
        bytes[17] ^= 0xFF  // the base sequence
        writeBytes(bytes, segments[1])
        let log = try open(dir)
        #expect(log.recoveryReport.problems.contains { $0.kind == .damagedHeader && $0.segmentFile == URL(fileURLWithPath: segments[1]).lastPathComponent })
        let (records, _) = try readAllUntilError(log)
        let secondBase = SegmentName.base(ofSegment: URL(fileURLWithPath: segments[1]).lastPathComponent)!
        #expect(records.map(\.sequence) == Array(1..<secondBase))
        #expect(try log.record(at: 60).sequence == 60)
        try log.close()
        #expect(try EventLog.verify(directory: dir.logPath).problems.contains { $0.kind == .damagedHeader })
    }

    func readAllUntilError(_ log: EventLog) throws -> ([LogRecord], EventLogError?) {
        var cursor: LogCursor? = nil
        var records: [LogRecord] = []
        while true {
            do {
                let batch = try log.read(after: cursor, maxEntries: 10, maxBytes: 1 << 16)
                if batch.count == 0 { return (records, nil) }
                records += try batch.records()
                cursor = batch.next
            } catch let error as EventLogError { return (records, error) }
        }
    }

    @Test func aMissingFirstSegmentLooksLikeRetention() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let segments = try makeLog(dir)
        let secondBase = SegmentName.base(ofSegment: URL(fileURLWithPath: segments[1]).lastPathComponent)!
        try FileManager.default.removeItem(atPath: segments[0])
        let log = try open(dir)
        #expect(log.firstSequence == secondBase)
        #expect(log.recoveryReport.problems.isEmpty)
        let (records, error) = try readAllUntilError(log)
        #expect(error == nil)
        #expect(records.map(\.sequence) == Array(secondBase...60))
        try log.close()
    }

    @Test func aMissingMiddleSegmentIsAGapThatReadsReport() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let segments = try makeLog(dir)
        #expect(segments.count >= 4)
        let names = segments.map { URL(fileURLWithPath: $0).lastPathComponent }
        let missingBase = SegmentName.base(ofSegment: names[2])!
        try FileManager.default.removeItem(atPath: segments[2])
        let log = try open(dir)
        let problem = try #require(log.recoveryReport.problems.first { $0.kind == .missingSegment })
        #expect(problem.segmentFile == names[1])
        #expect(problem.sequence == missingBase)
        let (records, error) = try readAllUntilError(log)
        #expect(records.map(\.sequence) == Array(1..<missingBase))
        #expect(error?.code == .missingSegment)
        #expect(error?.sequence == missingBase)
        #expect(throws: EventLogError.self) { try log.record(at: missingBase) }
        #expect(try log.record(at: 60).sequence == 60)
        #expect(try log.appendSynchronously([draft(60)]).firstSequence == 61)
        try log.close()
        #expect(try EventLog.verify(directory: dir.logPath).problems.contains { $0.kind == .missingSegment && $0.sequence == missingBase })
        #expect(try EventLog.inspect(directory: dir.logPath).problems.contains { $0.kind == .missingSegment })
    }

    @Test func aMissingLastSegmentRefusesAppendsButServesTheRest() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let segments = try makeLog(dir)
        let lastBase = SegmentName.base(ofSegment: URL(fileURLWithPath: segments.last!).lastPathComponent)!
        try FileManager.default.removeItem(atPath: segments.last!)
        let log = try open(dir)
        #expect(log.recoveryReport.problems.contains { $0.kind == .missingSegment && $0.sequence == lastBase })
        let error = #expect(throws: EventLogError.self) { try log.appendSynchronously([draft(99)]) }
        #expect(error?.code == .missingSegment)
        let (records, readError) = try readAllUntilError(log)
        #expect(readError == nil)
        #expect(records.map(\.sequence) == Array(1..<lastBase))
        try log.close()
    }

    enum IndexDamage: String, CaseIterable { case deleted, truncatedMidEntry, truncatedToHeader, flippedEntry, flippedHeader, stale }

    @Test(arguments: IndexDamage.allCases)
    func aDamagedIndexIsRebuiltAndLookupsStayRight(damage: IndexDamage) throws {
        let dir = TempDirectory("index\(damage)")
        defer { dir.remove() }
        let segments = try makeLog(dir, count: 80, payloadSize: 50, segmentSize: 8192)
        for segment in [segments[0], segments.last!] {
            let base = SegmentName.base(ofSegment: URL(fileURLWithPath: segment).lastPathComponent)!
            let indexPath = dir.logPath + "/" + SegmentName.index(base)
            var bytes = fileBytes(indexPath)
            #expect(bytes.count > SparseIndex.headerSize + 2 * SparseIndex.entrySize)
            switch damage {
            case .deleted: try FileManager.default.removeItem(atPath: indexPath)
            case .truncatedMidEntry: truncateFile(indexPath, to: bytes.count - 7)
            case .truncatedToHeader: truncateFile(indexPath, to: SparseIndex.headerSize)
            case .flippedEntry: bytes[SparseIndex.headerSize + SparseIndex.entrySize + 3] ^= 4; writeBytes(bytes, indexPath)
            case .flippedHeader: bytes[3] ^= 4; writeBytes(bytes, indexPath)
            case .stale:
                // Well-formed entries that point at the wrong records.
                var stale = SparseIndex()
                stale.entries = [.init(sequence: base, offset: 32), .init(sequence: base + 1, offset: 200), .init(sequence: base + 2, offset: 300)]
                try SparseIndex.write(stale, base: base, to: indexPath)
            }
        }
        let log = try open(dir, segmentSize: 8192)
        #expect(log.lastSequence == 80)
        if damage != .truncatedMidEntry && damage != .truncatedToHeader { #expect(!log.recoveryReport.rebuiltIndexes.isEmpty) }
        for seq in 1...80 as ClosedRange<UInt64> {
            #expect(matches(try log.record(at: seq), key: Int(seq) - 1, payloadSize: 50))
        }
        try log.close()
        // After the rebuild the index files are current again.
        #expect(try EventLog.inspect(directory: dir.logPath).segments.allSatisfy { $0.indexCurrent })
    }
}

import Foundation
import Synchronization
import Testing
@testable import EventLog

/// Groups: the records of one append call (one site transaction) survive a crash or damage
/// whole or not at all (docs/formats/eventlog.md, "Groups").
@Suite struct GroupTests {
    /// Appends one group per element of `sizes` (keys continue across groups); returns the
    /// sequence number each group ends at.
    @discardableResult
    func appendGroups(_ log: EventLog, _ sizes: [Int], firstKey: Int = 0, payloadSize: Int? = 30) throws -> [UInt64] {
        var key = firstKey
        var ends: [UInt64] = []
        for size in sizes {
            let result = try log.appendSynchronously((key..<key + size).map { draft($0, payloadSize: payloadSize) })
            #expect(result.lastSequence - result.firstSequence + 1 == UInt64(size))
            ends.append(result.lastSequence)
            key += size
        }
        return ends
    }

    /// Whether the record starting at `offset` of a segment file's bytes says more of its group
    /// follow (flags byte, bit 2).
    func continuesGroup(_ bytes: [UInt8], at offset: Int) -> Bool { bytes[offset + 25] & 4 != 0 }

    func open(_ dir: TempDirectory, segmentSize: UInt64 = 1 << 20) throws -> EventLog {
        try EventLog(directory: dir.logPath, configuration: smallConfiguration(segmentSize: segmentSize))
    }

    func removeCutFiles(_ dir: TempDirectory) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.logPath) where name.contains(".cut-") {
            try FileManager.default.removeItem(atPath: dir.logPath + "/" + name)
        }
    }

    @Test func everyRecordButTheLastOfAnAppendIsMarked() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try open(dir)
        try appendGroups(log, [1, 3, 2])
        try log.close()
        let path = dir.logPath + "/" + segmentFiles(dir.logPath)[0]
        let bytes = fileBytes(path)
        let marks = try recordOffsets(path).map { continuesGroup(bytes, at: $0) }
        #expect(marks == [false, true, true, false, true, false])
        // The batch codec reports the same boundaries.
        let reopened = try open(dir)
        defer { try? reopened.close() }
        let batch = try reopened.read(after: nil, maxEntries: 100, maxBytes: 1 << 20)
        #expect(try RecordFrame.verifyAll(batch.bytes).map(\.endsGroup) == marks.map { !$0 })
    }

    /// The last two groups (4 and 5 records) torn at every byte offset: the log recovers to the
    /// last group that is whole, never to part of one, reports the cut, and appending continues.
    /// Index points fall inside both groups (records ~100 bytes, an index point every 256), so
    /// recovery must find a torn group's start before its last index point. Every offset is
    /// checked by the analysis open runs (read-only, fast); the full open — cut, report,
    /// reads, appends — runs at every record boundary and every 11th offset.
    @Test func aGroupTornAtEveryByteOffsetRecoversToThePreviousCompleteGroup() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try open(dir)
        let ends = try appendGroups(log, [3, 1, 2, 4, 5])
        try log.close()
        let indexPoints = try SparseIndexProbe.sequences(dir.logPath + "/" + SegmentName.index(1))
        #expect(indexPoints.contains { $0 > ends[2] + 1 && $0 <= ends[3] }, "an index point inside the 4-record group: \(indexPoints)")
        #expect(indexPoints.contains { $0 > ends[3] + 1 && $0 <= ends[4] }, "an index point inside the 5-record group: \(indexPoints)")
        let active = dir.logPath + "/" + segmentFiles(dir.logPath)[0]
        let indexPath = dir.logPath + "/" + SegmentName.index(1)
        let original = fileBytes(active)
        let originalIndex = fileBytes(indexPath)
        let offsets = try recordOffsets(active) + [original.count]
        // Byte offset at which each group ends.
        let groupEnds = ends.map { offsets[Int($0)] }
        var fullOpens = 0
        // Restoring by pwrite and cutting with ftruncate (never truncating to zero, which makes
        // ext4 flush on close) keeps the loop fast.
        let file = try RawFile.open(active)
        for cut in (groupEnds[2] + 1)...original.count {
            try file.write(original, at: 0)
            try file.truncate(to: UInt64(cut))
            let kept = groupEnds.lastIndex { $0 <= cut }!
            let analysis = try SegmentAnalysis.analyze(file: RawFile.open(active, writable: false), base: 1, indexPath: indexPath, indexInterval: 256)
            #expect(analysis.end == UInt64(groupEnds[kept]), "cut at \(cut)")
            #expect(analysis.lastSequence == ends[kept], "cut at \(cut)")
            #expect((analysis.stop == nil) == groupEnds.contains(cut), "cut at \(cut)")
            #expect(analysis.index.entries.allSatisfy { $0.offset < UInt64(groupEnds[kept]) }, "cut at \(cut)")
            guard offsets.contains(cut) || cut % 11 == 0 else { continue }

            fullOpens += 1
            let index = try RawFile.open(indexPath)
            try index.write(originalIndex, at: 0)
            try index.truncate(to: UInt64(originalIndex.count))
            let log = try open(dir)
            #expect(log.lastSequence == ends[kept], "cut at \(cut)")
            if groupEnds.contains(cut) {
                #expect(log.recoveryReport.truncatedSegment == nil, "cut at \(cut) is a group boundary")
            } else {
                #expect(log.recoveryReport.truncatedAt == UInt64(groupEnds[kept]), "cut at \(cut)")
                #expect(log.recoveryReport.bytesCut == UInt64(cut - groupEnds[kept]), "cut at \(cut)")
                #expect(fileBytes(active).count == groupEnds[kept])
                // A cut on a record boundary inside the group is still a cut: the group is incomplete.
                if offsets.contains(cut) { #expect(log.recoveryReport.reason?.contains("incomplete group") == true, "cut at \(cut)") }
            }
            let (records, _) = try readAll(log)
            #expect(records.map(\.sequence) == Array(1...ends[kept]), "cut at \(cut)")
            #expect(records.allSatisfy { matches($0, key: Int($0.sequence) - 1, payloadSize: 30) })
            let next = try log.appendSynchronously([draft(Int(ends[kept]), payloadSize: 30), draft(Int(ends[kept]) + 1, payloadSize: 30)])
            #expect(next.firstSequence == ends[kept] + 1)
            #expect(matches(try log.record(at: next.lastSequence), key: Int(ends[kept]) + 1, payloadSize: 30))
            try log.close()
            try removeCutFiles(dir)
        }
        #expect(fullOpens > 60)
    }

    @Test func aGroupWhoseLastRecordIsMissingIsCutWholeAndKept() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try open(dir)
        let ends = try appendGroups(log, [2, 6])
        try log.close()
        let active = dir.logPath + "/" + segmentFiles(dir.logPath)[0]
        let original = fileBytes(active)
        let offsets = try recordOffsets(active)
        let groupStart = offsets[Int(ends[0])]
        // Drop exactly the last record: every record left is whole and valid.
        truncateFile(active, to: offsets.last!)
        let verification = try EventLog.verify(directory: dir.logPath)
        #expect(verification.problems.map(\.kind) == [.tornTail])
        #expect(verification.problems.first?.offset == UInt64(groupStart))
        #expect(verification.problems.first?.sequence == ends[0] + 1)
        #expect(try EventLog.inspect(directory: dir.logPath).problems.map(\.kind) == [.tornTail])

        let report = try EventLog.recover(directory: dir.logPath, configuration: smallConfiguration(segmentSize: 1 << 20))
        #expect(report.lastSequence == ends[0])
        #expect(report.truncatedAt == UInt64(groupStart))
        #expect(report.reason?.contains("incomplete group") == true, "\(report)")
        let saved = try #require(report.cutBytesSavedTo)
        #expect(fileBytes(saved) == Array(original[groupStart..<offsets.last!]))
        #expect(try EventLog.verify(directory: dir.logPath).isClean)
    }

    /// A group is never split across segments: a segment is sealed before a group that would
    /// not fit, and a group larger than a segment gets a segment of its own.
    @Test func groupsNeverSpanSegments() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try open(dir, segmentSize: 4096)
        var random = SeededRandom(seed: 7)
        let sizes = (0..<60).map { i in i == 30 ? 70 : Int(random.next() % 9) + 1 }
        let ends = try appendGroups(log, sizes, payloadSize: 60)
        try log.close()
        let files = segmentFiles(dir.logPath)
        #expect(files.count > 5)
        var groupEnds = Set(ends)
        groupEnds.insert(0)
        for name in files {
            let path = dir.logPath + "/" + name
            let base = SegmentName.base(ofSegment: name)!
            #expect(groupEnds.contains(base - 1), "\(name) starts inside a group")
            let bytes = fileBytes(path)
            let offsets = try recordOffsets(path)
            #expect(!continuesGroup(bytes, at: offsets.last!), "\(name) ends inside a group")
            if bytes.count > 4096 { #expect(offsets.count == 70, "only the 70-record group outgrows a segment") }
        }
        let reopened = try open(dir, segmentSize: 4096)
        #expect(reopened.recoveryReport.problems.isEmpty)
        let (records, _) = try readAll(reopened)
        #expect(records.count == sizes.reduce(0, +))
        try reopened.close()
    }

    /// Damage inside a group of a sealed segment (found by the read that reaches it): the
    /// records of that group before the damage are not served; the read fails naming the
    /// damaged record; `verify` reports the group.
    @Test(arguments: DamageTests.Spot.allCases)
    func damageInsideAGroupOfASealedSegmentWithholdsTheWholeGroup(spot: DamageTests.Spot) throws {
        let dir = TempDirectory("sealedGroup\(spot)")
        defer { dir.remove() }
        let log = try open(dir, segmentSize: 8192)
        let ends = try appendGroups(log, Array(repeating: 5, count: 30), payloadSize: 100)
        try log.close()
        let files = segmentFiles(dir.logPath)
        #expect(files.count >= 3)
        let path = dir.logPath + "/" + files[1]
        let base = SegmentName.base(ofSegment: files[1])!
        let offsets = try recordOffsets(path)
        // The fourth record of the segment's second group: records base+5…base+9.
        let target = offsets[8]
        var bytes = fileBytes(path)
        bytes[DamageTests().offsetInRecord(spot, recordStart: target)] ^= 0x10
        writeBytes(bytes, path)

        let reopened = try open(dir, segmentSize: 8192)
        var cursor: LogCursor? = nil
        var served: [UInt64] = []
        var failure: EventLogError? = nil
        while failure == nil {
            do {
                // Small batches, so some end inside the damaged group before reaching the damage.
                let batch = try reopened.read(after: cursor, maxEntries: 3, maxBytes: 1 << 20)
                #expect(batch.count > 0)
                served += try batch.records().map(\.sequence)
                cursor = batch.next
            } catch let error as EventLogError { failure = error }
        }
        // Batches of 3 from the segment start: base…base+2 and base+3…base+5 — the latter
        // ends inside the damaged group (base+5…base+9); the next read withholds the rest.
        #expect(served.last! < base + 8)
        #expect(failure?.code == .corruptRecord)
        #expect(failure?.offset == UInt64(target))
        #expect(failure?.sequence == base + 8)
        // With bounds wide enough, the group is withheld whole.
        let wide = try reopened.read(after: LogCursor(segment: base, offset: UInt64(SegmentHeader.size)), maxEntries: 100, maxBytes: 1 << 20)
        #expect(wide.lastSequence == base + 4)
        #expect(throws: EventLogError.self) { try reopened.read(after: wide.next, maxEntries: 100, maxBytes: 1 << 20) }
        #expect(matches(try reopened.record(at: ends.last!), key: Int(ends.last!) - 1, payloadSize: 100))
        try reopened.close()

        let verification = try EventLog.verify(directory: dir.logPath)
        let damaged = verification.problems.filter { $0.kind == .damagedRecord }
        #expect(damaged.count == 1, "\(verification.problems)")
        #expect(damaged.first?.offset == UInt64(offsets[5]))
        #expect(damaged.first?.sequence == base + 5)
        #expect(damaged.first?.reason.contains("incomplete group") == true)
    }

    /// A sealed segment whose last group lacks its last record (a sealed segment cut short):
    /// found on open, reported at the group's start; reads stop before the group.
    @Test func aSealedSegmentEndingInsideAGroupIsReportedAtTheGroupStart() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try open(dir, segmentSize: 4096)
        try appendGroups(log, Array(repeating: 4, count: 20), payloadSize: 100)
        try log.close()
        let files = segmentFiles(dir.logPath)
        let path = dir.logPath + "/" + files[1]
        let base = SegmentName.base(ofSegment: files[1])!
        let offsets = try recordOffsets(path)
        #expect(offsets.count % 4 == 0)
        truncateFile(path, to: offsets.last!)
        let reopened = try open(dir, segmentSize: 4096)
        let problem = try #require(reopened.recoveryReport.problems.first { $0.kind == .damagedRecord })
        #expect(problem.segmentFile == files[1])
        #expect(problem.offset == UInt64(offsets[offsets.count - 4]))
        #expect(problem.sequence == base + UInt64(offsets.count - 4))
        #expect(reopened.recoveryReport.truncatedSegment == nil, "a sealed segment is never cut")
        var cursor: LogCursor? = nil
        var served: [UInt64] = []
        do {
            while true {
                let batch = try reopened.read(after: cursor, maxEntries: 7, maxBytes: 1 << 20)
                if batch.count == 0 { break }
                served += try batch.records().map(\.sequence)
                cursor = batch.next
            }
            Issue.record("the read must fail at the damaged group")
        } catch let error as EventLogError {
            #expect(error.offset == problem.offset)
        }
        #expect(served == Array(1..<(base + UInt64(offsets.count - 4))))
        try reopened.close()
    }

    /// While appenders write large multi-page groups, a reader polling the end never sees part
    /// of one: every batch read with wide bounds ends at a group's last record.
    @Test(arguments: [EventLog.Durability.none, .always, .interval(milliseconds: 1)])
    func readersNeverSeePartOfAGroupBeingWritten(durability: EventLog.Durability) throws {
        let dir = TempDirectory("groupsReader\(durability)")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(durability, segmentSize: 256 << 10))
        let writers = DispatchGroup()
        let failures = Mutex<[String]>([])
        for w in 0..<3 {
            writers.enter()
            Thread.detachNewThread {
                defer { writers.leave() }
                for i in 0..<40 {
                    let key = (w * 40 + i) * 40
                    do {
                        _ = try log.appendSynchronously((key..<key + 1 + (i * 7) % 40).map { draft($0, payloadSize: 900) })
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
        }
        var cursor: LogCursor? = nil
        var seen = 0, batches = 0
        var writersDone = false, drained = false
        while true {
            let batch = try log.read(after: cursor, maxEntries: 1 << 20, maxBytes: 1 << 30)
            if batch.count > 0 {
                let frames = try RecordFrame.verifyAll(batch.bytes)
                #expect(frames.last?.endsGroup == true, "a batch at the durable end stopped inside a group")
                seen += batch.count
                batches += 1
                cursor = batch.next
                continue
            }
            if writersDone && log.lastSequence == log.lastWrittenSequence {
                // Everything is durable now: one more read takes what became durable since.
                if drained { break }
                drained = true
                continue
            }
            writersDone = writers.wait(timeout: .now() + .milliseconds(1)) == .success
        }
        try log.close()
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(UInt64(seen) == log.commitStatistics.lastWrittenSequence)
        #expect(batches > 1)
    }
}

/// Reads the sequence numbers of a segment index file's entries (a test's view of the cache).
enum SparseIndexProbe {
    static func sequences(_ path: String) throws -> [UInt64] {
        let bytes = fileBytes(path)
        return SparseIndex.decode(bytes, base: 1, segmentSize: UInt64.max)?.entries.map(\.sequence) ?? []
    }
}

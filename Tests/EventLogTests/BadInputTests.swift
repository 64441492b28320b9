import Foundation
import Testing
@testable import EventLog

@Suite struct BadInputTests {
    @Test func cursorsThatDoNotPointAtARecordAreClearErrors() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(segmentSize: 4096))
        try appendKeys(log, 0..<60)
        let statuses = log.segmentStatuses
        let active = statuses.last!
        let end = log.durableEndCursor
        #expect(end == LogCursor(segment: active.baseSequence, offset: active.bytes))

        func code(_ cursor: LogCursor) -> EventLogError.Code? {
            do { _ = try log.read(after: cursor, maxEntries: 10, maxBytes: 1000); return nil } catch let e as EventLogError { return e.code } catch { return nil }
        }
        #expect(code(LogCursor(segment: end.segment, offset: end.offset + 1)) == .cursorBeyondEnd)
        #expect(code(LogCursor(segment: end.segment + 10_000, offset: 32)) == .cursorBeyondEnd)
        #expect(code(LogCursor(segment: statuses[1].baseSequence, offset: 33)) == .cursorNotOnBoundary)
        #expect(code(LogCursor(segment: statuses[1].baseSequence, offset: 5)) == .cursorNotOnBoundary)
        #expect(code(LogCursor(segment: statuses[1].baseSequence + 1, offset: 32)) == .cursorSegmentGone)
        // Into the middle of every record of a segment: refused, never garbage.
        let offsets = try recordOffsets(dir.logPath + "/" + statuses[1].file)
        for (i, start) in offsets.enumerated() {
            #expect(code(LogCursor(segment: statuses[1].baseSequence, offset: UInt64(start + 1 + i % 40))) == .cursorNotOnBoundary)
            let batch = try log.read(after: LogCursor(segment: statuses[1].baseSequence, offset: UInt64(start)), maxEntries: 1, maxBytes: 1)
            #expect(batch.firstSequence == statuses[1].baseSequence + UInt64(i))
        }
        // At the end: an empty batch, not an error.
        let atEnd = try log.read(after: end, maxEntries: 10, maxBytes: 1000)
        #expect(atEnd.count == 0 && atEnd.next == end)
        // Removed segment.
        try log.removeSegments(below: statuses[2].baseSequence)
        #expect(code(LogCursor(segment: statuses[0].baseSequence, offset: 32)) == .cursorSegmentGone)
        #expect(throws: EventLogError.self) { try log.read(after: nil, maxEntries: 0, maxBytes: 10) }
        #expect((try? log.record(at: 61)) == nil)
        #expect((try? log.record(at: 0)) == nil)
        try log.close()
    }

    @Test func anEmptyLogReadsAsEmpty() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration())
        #expect(log.firstSequence == 1)
        #expect(log.lastSequence == 0)
        let batch = try log.read(after: nil, maxEntries: 10, maxBytes: 100)
        #expect(batch.count == 0 && batch.bytes.isEmpty && batch.firstSequence == nil)
        #expect(batch.next == LogCursor(segment: 1, offset: 32))
        let error = #expect(throws: EventLogError.self) { try log.record(at: 1) }
        #expect(error?.code == .sequenceOutOfRange)
        #expect(throws: EventLogError.self) { try log.appendSynchronously([]) }
        try log.close()
        let inspection = try EventLog.inspect(directory: dir.logPath)
        #expect(inspection.segments.count == 1 && inspection.segments[0].entryCount == 0)
        #expect(inspection.firstSequence == nil && inspection.lastSequence == nil)
        #expect(try EventLog.verify(directory: dir.logPath).isClean)
        let reopened = try EventLog(directory: dir.logPath, configuration: smallConfiguration())
        #expect(try reopened.appendSynchronously([draft(0)]).firstSequence == 1)
        try reopened.close()
    }

    @Test func strayFilesAreIgnoredAndNamed() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration())
        try appendKeys(log, 0..<10)
        try log.close()
        for name in ["notes.txt", "00000000000000000001.log.bak", "123.log", "0000000000000000000x.log"] {
            writeBytes(Array("not a segment".utf8), dir.logPath + "/" + name)
        }
        let reopened = try EventLog(directory: dir.logPath, configuration: smallConfiguration())
        #expect(reopened.lastSequence == 10)
        #expect(reopened.recoveryReport.problems.isEmpty)
        try reopened.close()
        let verification = try EventLog.verify(directory: dir.logPath)
        #expect(verification.isClean)
        #expect(verification.notes.contains { $0.contains("notes.txt") })
    }

    @Test func aSecondWriterIsRefusedNamingTheLockFile() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration())
        let error = #expect(throws: EventLogError.self) { try EventLog(directory: dir.logPath, configuration: smallConfiguration()) }
        #expect(error?.code == .locked)
        #expect(error?.message.contains(dir.logPath + "/LOCK") == true)
        #expect(try EventLog.inspect(directory: dir.logPath).openForWriting)
        try log.close()
        #expect(try !EventLog.inspect(directory: dir.logPath).openForWriting)
        let again = try EventLog(directory: dir.logPath, configuration: smallConfiguration())
        try again.close()
    }

    @Test func appendsAfterCloseFail() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration())
        try log.close()
        let error = #expect(throws: EventLogError.self) { try log.appendSynchronously([draft(1)]) }
        #expect(error?.code == .closed)
    }

    @Test func aMissingDirectoryIsNotCreatedWhenAskedNotTo() {
        var configuration = smallConfiguration()
        configuration.createIfMissing = false
        let error = #expect(throws: EventLogError.self) { try EventLog(directory: "/nonexistent/eventlog-\(UUID())", configuration: configuration) }
        #expect(error?.code == .notALog)
        #expect(throws: EventLogError.self) { try EventLog.verify(directory: "/nonexistent/eventlog") }
    }

    @Test func aTornSegmentCreationIsRepaired() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration())
        try appendKeys(log, 0..<10)
        try log.close()
        // A crash while starting segment 11 left a header-less file.
        writeBytes([0x53, 0x53], dir.logPath + "/" + SegmentName.segment(11))
        let reopened = try EventLog(directory: dir.logPath, configuration: smallConfiguration())
        #expect(reopened.lastSequence == 10)
        #expect(try reopened.appendSynchronously([draft(10)]).firstSequence == 11)
        #expect(try reopened.record(at: 11).docname == "DOC-10")
        try reopened.close()
    }
}

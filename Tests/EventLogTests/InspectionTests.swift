import Foundation
import Testing
@testable import EventLog

@Suite struct InspectionTests {
    @Test func inspectDescribesEverySegment() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(segmentSize: 4096))
        try appendKeys(log, 0..<100)
        let statuses = log.segmentStatuses
        try log.close()
        let inspection = try EventLog.inspect(directory: dir.logPath)
        #expect(inspection.segments.count == statuses.count)
        #expect(inspection.firstSequence == 1 && inspection.lastSequence == 100)
        #expect(inspection.segments.reduce(0) { $0 + $1.entryCount } == 100)
        for (info, status) in zip(inspection.segments, statuses) {
            #expect(info.file == status.file)
            #expect(info.baseSequence == status.baseSequence)
            #expect(info.lastSequence == status.lastSequence)
            #expect(info.bytes == status.bytes)
        }
        #expect(inspection.segments.dropLast().allSatisfy { $0.sealed })
        #expect(!inspection.segments.last!.sealed)
        #expect(inspection.problems.isEmpty)
    }

    @Test func recoverCutsATornTailAndReportsIt() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(segmentSize: 1 << 20))
        try appendKeys(log, 0..<10)
        try log.close()
        let active = dir.logPath + "/" + segmentFiles(dir.logPath).last!
        let size = fileBytes(active).count
        truncateFile(active, to: size - 10)
        let before = try EventLog.verify(directory: dir.logPath)
        #expect(before.problems.map(\.kind) == [.tornTail])
        #expect(try EventLog.inspect(directory: dir.logPath).problems.map(\.kind) == [.tornTail])
        let report = try EventLog.recover(directory: dir.logPath, configuration: smallConfiguration(segmentSize: 1 << 20))
        #expect(report.truncatedSegment == SegmentName.segment(1))
        // Entries 6…10 were one append: the torn last record takes its whole group with it.
        #expect(report.lastSequence == 5)
        #expect(report.bytesCut > 0)
        #expect(try EventLog.verify(directory: dir.logPath).isClean)
        #expect(try EventLog.recover(directory: dir.logPath).truncatedSegment == nil)
    }
}

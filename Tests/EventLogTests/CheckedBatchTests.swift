import Foundation
import Testing
@testable import EventLog

/// A batch `EventLog.read` returns was checked frame by frame as it was read; decoding it does
/// not compute every crc again. Anything else (a batch built from received bytes, or one whose
/// bytes changed after the read) is still verified whole.
@Suite struct CheckedBatchTests {
    @Test func aReadBatchDecodesAsAVerifiedOneWithoutCheckingTwice() async throws {
        let dir = TempDirectory("checked-batch")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.always, segmentSize: 1 << 20))
        _ = try await log.append((0..<50).map { draft($0) })
        let batch = try log.read(after: nil, maxEntries: 100, maxBytes: 1 << 20)
        #expect(batch.count == 50)
        #expect(batch.framesChecked)
        let records = try batch.records()
        #expect(records.map(\.sequence) == Array(1...50))
        #expect(records.allSatisfy { matches($0, key: Int($0.sequence) - 1) })
        #expect(try records.map(\.payload) == RecordFrame.decodeAll(batch.bytes).map(\.payload))
        // Received bytes, the same ones: verified whole, same records.
        let received = LogBatch(bytes: batch.bytes, count: batch.count, firstSequence: batch.firstSequence,
                                lastSequence: batch.lastSequence, next: batch.next, cursors: batch.cursors)
        #expect(!received.framesChecked)
        #expect(try received.records().map(\.sequence) == records.map(\.sequence))
    }

    /// Bytes changed after the read are not trusted: the damage is found.
    @Test func changedBytesAreVerifiedAgain() async throws {
        let dir = TempDirectory("checked-batch-changed")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.always, segmentSize: 1 << 20))
        _ = try await log.append((0..<5).map { draft($0) })
        var batch = try log.read(after: nil, maxEntries: 100, maxBytes: 1 << 20)
        batch.bytes[batch.bytes.count - 1] ^= 0xFF
        #expect(!batch.framesChecked)
        #expect(throws: EventLogError.self) { try batch.records() }
    }
}

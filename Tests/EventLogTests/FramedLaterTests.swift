import Foundation
import Synchronization
import Testing
@testable import EventLog

/// `framedLater`: entries checked now and encoded by whoever writes them must end up exactly
/// as `framed` would have stored them, and be refused at the call exactly as `framed` refuses.
@Suite struct FramedLaterTests {
    /// Appends `groups` through `enqueueAppend` (not leading, so the writer thread encodes
    /// them) and waits for every acknowledgement.
    func enqueueAll(_ log: EventLog, _ groups: [FramedEntries]) throws {
        let done = DispatchSemaphore(value: 0)
        let failures = Mutex<[String]>([])
        for group in groups {
            log.enqueueAppend(group) { result in
                if case .failure(let error) = result { failures.withLock { $0.append("\(error)") } }
                done.signal()
            }
        }
        for _ in groups { done.wait() }
        #expect(failures.withLock { $0 }.isEmpty)
    }

    @Test func encodedByTheWriterAsTheCallerWouldHave() throws {
        // Same entries (some deflated, some with origins and annotations, some without a
        // timestamp) through both paths into two logs: the segment files must be identical
        // apart from the stamps the log gives entries without a time.
        let keys = Array(0..<60)
        var drafts = keys.map { draft($0) }
        for i in stride(from: 0, to: drafts.count, by: 7) { drafts[i].timestamp = nil }
        let groups = stride(from: 0, to: drafts.count, by: 6).map { Array(drafts[$0..<min($0 + 6, drafts.count)]) }

        let eager = TempDirectory("eager"), later = TempDirectory("later")
        defer { eager.remove(); later.remove() }
        let eagerLog = try EventLog(directory: eager.logPath, configuration: smallConfiguration())
        let laterLog = try EventLog(directory: later.logPath, configuration: smallConfiguration())
        let laterGroups = try groups.map { try laterLog.framedLater($0) }
        for group in laterGroups {
            guard case .drafts = group.content else {
                Issue.record("entries this small are left for the writer to encode")
                continue
            }
        }
        try enqueueAll(eagerLog, try groups.map { try eagerLog.framed($0) })
        try enqueueAll(laterLog, laterGroups)
        let (eagerRecords, _) = try readAll(eagerLog)
        let (laterRecords, _) = try readAll(laterLog)
        try eagerLog.close()
        try laterLog.close()

        #expect(laterRecords.count == drafts.count)
        #expect(laterRecords.filter(\.wasCompressed).count == eagerRecords.filter(\.wasCompressed).count)
        #expect(!laterRecords.filter(\.wasCompressed).isEmpty)
        for (key, (record, other)) in zip(keys, zip(laterRecords, eagerRecords)) {
            #expect(record.sequence == other.sequence)
            if drafts[key].timestamp == nil {
                #expect(record.payload == other.payload && record.docname == other.docname)
            } else {
                #expect(matches(record, key: key))
                #expect(matches(other, key: key))
            }
        }
        // Group boundaries as `framed` marks them.
        let path = { (dir: TempDirectory) in dir.logPath + "/" + segmentFiles(dir.logPath)[0] }
        let flags = { (dir: TempDirectory) in try recordOffsets(path(dir)).map { fileBytes(path(dir))[$0 + 25] & 4 } }
        #expect(try flags(later) == flags(eager))
    }

    @Test func refusesAtTheCallWhatFramedRefuses() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration())
        defer { try? log.close() }
        var long = draft(1)
        long.docname = String(repeating: "n", count: 70_000)
        #expect(throws: EventLogError.self) { try log.framedLater([draft(0), long]) }
        #expect(throws: EventLogError.self) { try log.framedLater([]) }
        // Nothing was queued: the next append gets the first sequence number.
        let result = try log.appendSynchronously([draft(2)])
        #expect(result.firstSequence == 1)
    }

    @Test func aRecordOnlyItsDeflatedPayloadFitsIsFramedAtOnce() throws {
        // Raw, the payload is over the frame limit; deflated (it repeats) it fits. `framed`
        // stores it deflated, so `framedLater` must not refuse it: it frames it at the call.
        let dir = TempDirectory()
        defer { dir.remove() }
        var configuration = smallConfiguration(segmentSize: 1 << 20)
        configuration.compressionThreshold = 4096
        let log = try EventLog(directory: dir.logPath, configuration: configuration)
        defer { try? log.close() }
        let big = EntryDraft(timestamp: 1, updateType: .create, doctype: "Customer", docname: "BIG",
                             payload: [UInt8](repeating: 0x41, count: RecordFrame.maxFrameLength + 1))
        let framed = try log.framedLater([big])
        guard case .frames = framed.content else {
            Issue.record("a record over the limit raw must be framed at the call")
            return
        }
        try enqueueAll(log, [framed])
        let (records, _) = try readAll(log, maxEntries: 1, maxBytes: 1 << 29)
        #expect(records.count == 1 && records.first?.payload.count == big.payload.count)
    }
}

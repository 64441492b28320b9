import Foundation
import Synchronization
import Testing
@testable import EventLog

@Suite struct AppendReadTests {
    /// Random batches of random sizes, across many segment rolls, with reopens in between: every
    /// entry reads back by sequence and by cursor, sequence numbers are contiguous, and cursors
    /// returned by appends and reads agree.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomBatchesReadBackBySequenceAndCursor(seed: UInt64) async throws {
        let dir = TempDirectory("property\(seed)")
        defer { dir.remove() }
        var random = SeededRandom(seed: seed)
        var key = 0
        var cursors: [UInt64: LogCursor] = [:]  // sequence → cursor after it
        for round in 0..<6 {
            let durability: EventLog.Durability = [.none, .always, .interval(milliseconds: 2)][round % 3]
            let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(durability, segmentSize: 4096 + UInt64(random.next() % 8192)))
            #expect(log.lastSequence == UInt64(key))
            for _ in 0..<Int(random.next() % 12 + 3) {
                let count = Int(random.next() % 20) + 1
                let result = try await log.append((key..<key + count).map { draft($0) })
                #expect(result.firstSequence == UInt64(key + 1))
                #expect(result.lastSequence == UInt64(key + count))
                cursors[result.lastSequence] = result.cursor
                key += count
            }
            // Wait until everything is durable (interval durability syncs in the background).
            while log.lastSequence < UInt64(key) { _ = await log.waitForDurable(after: log.lastSequence) }
            // By sequence, through the index.
            for _ in 0..<40 {
                let seq = random.next() % UInt64(key) + 1
                let record = try log.record(at: seq)
                #expect(record.sequence == seq)
                #expect(matches(record, key: Int(seq) - 1))
            }
            // By cursor, with random batch bounds.
            let (records, end) = try readAll(log, maxEntries: Int(random.next() % 30) + 1, maxBytes: Int(random.next() % 4000) + 1)
            #expect(records.map(\.sequence) == Array(1...UInt64(key)))
            #expect(records.allSatisfy { matches($0, key: Int($0.sequence) - 1) })
            #expect(end == log.durableEndCursor)
            // Each record's cursor is where reading continues right after it.
            let sample = try log.read(after: nil, maxEntries: 40, maxBytes: 1 << 20)
            #expect(sample.cursors.count == sample.count && sample.cursors.last == sample.next)
            for (i, cursor) in sample.cursors.enumerated().dropLast() {
                #expect(try log.read(after: cursor, maxEntries: 1, maxBytes: 1).firstSequence == UInt64(i + 2))
            }
            // Reading after an append's cursor continues right after that entry.
            if let (seq, cursor) = cursors.randomElement(using: &random), seq < UInt64(key) {
                let batch = try log.read(after: cursor, maxEntries: 1, maxBytes: 1)
                #expect(batch.firstSequence == seq + 1)
                let start = try log.cursor(before: seq + 1)
                let segmentEnd = log.segmentStatuses.first { $0.baseSequence == cursor.segment }?.bytes
                #expect(start == cursor || (cursor.offset == segmentEnd && start.offset == UInt64(SegmentHeader.size)))
            }
            try log.close()
        }
        #expect(segmentFiles(dir.logPath).count > 5, "the test must cross many segment rolls")
        let verification = try EventLog.verify(directory: dir.logPath)
        #expect(verification.isClean, "\(verification.problems)")
        #expect(verification.recordsChecked == UInt64(key))
    }

    @Test func concurrentAppendersGetContiguousDistinctSequences() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.always, segmentSize: 64 << 10))
        let results = try await withThrowingTaskGroup(of: [AppendResult].self) { group in
            for task in 0..<8 {
                group.addTask {
                    var results: [AppendResult] = []
                    for i in 0..<40 { results.append(try await log.append([draft(task * 1000 + i), draft(task * 1000 + i + 500)])) }
                    return results
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let sequences = results.flatMap { [$0.firstSequence, $0.lastSequence] }.sorted()
        #expect(sequences == Array(1...640))
        #expect(results.allSatisfy { $0.lastSequence == $0.firstSequence + 1 })
        let stats = log.commitStatistics
        #expect(stats.appendCalls == 320)
        #expect(stats.groups <= 320 && stats.writes >= stats.groups && stats.syncs >= 1)
        let (records, _) = try readAll(log)
        #expect(records.count == 640)
        // Each call's two entries are adjacent and in order.
        for result in results {
            let a = try log.record(at: result.firstSequence), b = try log.record(at: result.lastSequence)
            let key = Int(a.docname.dropFirst(4))!
            #expect(b.docname == "DOC-\(key + 500)")
            #expect(matches(a, key: key) && matches(b, key: key + 500))
        }
        try log.close()
    }

    /// Appends queued while the writer is busy are written as one group: one write, and with
    /// durability `always` acknowledged after the syncs that cover them (not one sync each).
    @Test func queuedAppendsAreCoalescedIntoOneWrite() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.always, segmentSize: 1 << 20))
        _ = try log.appendSynchronously([draft(0)])
        let before = log.commitStatistics
        // Hold the writer, queue ten appends from ten threads, then let it go.
        log.lock.withLock { log.writerBusy = true }
        let results = Mutex<[AppendResult]>([])
        let group = DispatchGroup()
        for i in 1...10 {
            group.enter()
            Thread.detachNewThread {
                let result = try! log.appendSynchronously([draft(i)])
                results.withLock { $0.append(result) }
                group.leave()
            }
        }
        let deadline = Date().addingTimeInterval(30)
        while log.lock.withLock({ log.queue.count }) < 10 && Date() < deadline { usleep(1000) }
        #expect(log.lock.withLock { log.queue.count } == 10)
        log.lock.withLock {
            log.writerBusy = false
            log.lock.broadcast()
        }
        group.wait()
        let after = log.commitStatistics
        #expect(after.groups - before.groups == 1)
        #expect(after.writes - before.writes == 1)
        #expect(after.appendCalls - before.appendCalls == 10)
        #expect(after.syncs - before.syncs <= 2)
        #expect(results.withLock { $0.map(\.firstSequence).sorted() } == Array(2...11))
        try log.close()
    }

    @Test func readersNeverSeePartialRecordsWhileAppendsGoOn() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.interval(milliseconds: 1), segmentSize: 16 << 10))
        let writer = Task {
            for i in 0..<300 { _ = try await log.append([draft(i * 2), draft(i * 2 + 1)]) }
        }
        var seen: UInt64 = 0
        var cursor: LogCursor? = nil
        while seen < 600 {
            let batch = try log.read(after: cursor, maxEntries: 7, maxBytes: 2000)
            for record in try batch.records() {
                #expect(record.sequence == seen + 1)
                #expect(matches(record, key: Int(record.sequence) - 1))
                seen = record.sequence
            }
            #expect(batch.lastSequence ?? seen <= log.lastSequence)
            cursor = batch.next
            if batch.count == 0 { _ = await log.waitForDurable(after: seen) }
        }
        try await writer.value
        try log.close()
    }

    @Test func oneRecordLargerThanTheByteBudgetIsReturnedAlone() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration())
        try appendKeys(log, 0..<3, chunk: 3, payloadSize: 6000)
        let batch = try log.read(after: nil, maxEntries: 10, maxBytes: 100)
        #expect(batch.count == 1)
        #expect(try batch.records().first.map { matches($0, key: 0, payloadSize: 6000) } == true)
        let second = try log.read(after: batch.next, maxEntries: 10, maxBytes: 100)
        #expect(second.firstSequence == 2)
        try log.close()
    }

    @Test func retentionRemovesWholeSealedSegmentsOnly() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(segmentSize: 4096))
        try appendKeys(log, 0..<200)
        let statuses = log.segmentStatuses
        #expect(statuses.count > 3)
        let cut = statuses[2].baseSequence + 1  // inside the third segment
        let oldStart = log.startCursor
        let removed = try log.removeSegments(below: cut)
        #expect(removed == statuses[0..<2].map(\.file))
        #expect(log.firstSequence == statuses[2].baseSequence)
        #expect(log.lastSequence == 200)
        #expect(try log.record(at: cut).sequence == cut)
        #expect(throws: EventLogError.self) { try log.record(at: 1) }
        let error = #expect(throws: EventLogError.self) { try log.read(after: oldStart, maxEntries: 1, maxBytes: 100) }
        #expect(error?.code == .cursorSegmentGone)
        #expect(try log.read(after: nil, maxEntries: 1, maxBytes: 100).firstSequence == statuses[2].baseSequence)
        // Never the active segment, even when asked for everything.
        _ = try log.removeSegments(below: 10_000)
        #expect(log.segmentStatuses.count == 1)
        try log.close()
        let reopened = try EventLog(directory: dir.logPath, configuration: smallConfiguration(segmentSize: 4096))
        #expect(reopened.lastSequence == 200)
        #expect(try reopened.appendSynchronously([draft(200)]).firstSequence == 201)
        try reopened.close()
    }

    @Test func segmentsRollByAge() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var configuration = smallConfiguration(segmentSize: 1 << 20)
        configuration.segmentMaxAgeSeconds = 0
        let log = try EventLog(directory: dir.logPath, configuration: configuration)
        try appendKeys(log, 0..<4, chunk: 1)
        #expect(log.segmentStatuses.count == 4)
        let (records, _) = try readAll(log)
        #expect(records.count == 4)
        try log.close()
    }

    @Test func waitersWakeWhenEntriesBecomeDurable() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.always))
        async let woken = log.waitForDurable(after: 0)
        try await Task.sleep(nanoseconds: 1_000_000)
        _ = try await log.append(draft(0))
        #expect(await woken >= 1)
        try log.close()
    }
}

@Suite struct DurabilityTests {
    /// With `interval`, appends are acknowledged before they are synced, and readers are served
    /// only what is synced: with a long interval nothing is visible until the sync (here: close).
    @Test func readersOnlySeeDurableEntries() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.interval(milliseconds: 600_000)))
        let result = try await log.append((0..<5).map { draft($0) })
        #expect(result.lastSequence == 5)
        #expect(log.lastWrittenSequence == 5)
        #expect(log.lastSequence == 0)
        let batch = try log.read(after: nil, maxEntries: 10, maxBytes: 1 << 20)
        #expect(batch.count == 0)
        #expect((try? log.record(at: 1)) == nil)
        // The append's cursor is written but not durable: reading after it is empty, not an error.
        #expect(try log.read(after: result.cursor, maxEntries: 10, maxBytes: 100).count == 0)
        try log.close()
        let reopened = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.always))
        #expect(reopened.lastSequence == 5)
        #expect(try readAll(reopened).0.count == 5)
        try reopened.close()
    }

    /// What a served export waits on so that "to now" covers every acknowledged write: after
    /// it, everything appended before the call is readable, without waiting for a close.
    @Test func waitingMakesEveryWrittenEntryReadable() async throws {
        let dir = TempDirectory("wait-written")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.interval(milliseconds: 400)))
        _ = try await log.append((0..<5).map { draft($0) })
        await log.waitUntilWrittenIsDurable()
        #expect(log.lastSequence == 5)
        #expect(try log.read(after: nil, maxEntries: 10, maxBytes: 1 << 20).count == 5)
        // Nothing written: returns at once.
        await log.waitUntilWrittenIsDurable()
        try log.close()
    }

    @Test(arguments: [EventLog.Durability.always, .none])
    func acknowledgedEntriesAreReadableAtOnce(durability: EventLog.Durability) async throws {
        let dir = TempDirectory("ack\(durability)")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(durability))
        for i in 0..<20 {
            let result = try await log.append(draft(i))
            #expect(log.lastSequence >= result.lastSequence)
            #expect(matches(try log.record(at: result.lastSequence), key: i))
        }
        try log.close()
    }
}

@Suite struct FollowTests {
    @Test func recordsAfterACursorFollowNewAppends() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.always, segmentSize: 4096))
        _ = try await log.append((0..<30).map { draft($0) })
        let reader = Task {
            var seen: [CursoredRecord] = []
            for try await entry in log.records(after: nil, maxEntries: 7, maxBytes: 2000) {
                seen.append(entry)
                if seen.count == 60 { break }
            }
            return seen
        }
        for i in 30..<60 { _ = try await log.append(draft(i)) }
        let seen = try await reader.value
        #expect(seen.map(\.record.sequence) == Array(1...60))
        #expect(seen.allSatisfy { matches($0.record, key: Int($0.record.sequence) - 1) })
        // Each entry's cursor resumes right after it.
        let resumed = try log.read(after: seen[41].cursor, maxEntries: 1, maxBytes: 1)
        #expect(resumed.firstSequence == 43)
        try log.close()
    }

    @Test func aWaitingFollowerEndsWhenCancelledOrClosed() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.always))
        let cancelled = Task { () -> Int in
            var count = 0
            for try await _ in log.records(after: nil) { count += 1 }
            return count
        }
        let closed = Task { () -> Int in
            var count = 0
            for try await _ in log.records(after: nil) { count += 1 }
            return count
        }
        _ = try await log.append(draft(0))
        cancelled.cancel()
        #expect(try await cancelled.value <= 1)
        try log.close()
        #expect(try await closed.value == 1)
    }
}

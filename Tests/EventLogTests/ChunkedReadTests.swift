import Testing
@testable import EventLog

/// A read takes from the file about what the entries it may still return need (their average
/// size so far), not its whole byte budget, reading on in further chunks where a record is cut.
/// Whatever the chunks, a batch must be what the bounds alone decide: every entry in order,
/// none twice, and a batch ends only at `maxEntries`, at `maxBytes` or at the end of the log.
@Suite struct ChunkedReadTests {
    @Test(arguments: [(1, 1), (3, 1 << 20), (64, 16 << 20), (500, 64 << 10), (500, 16 << 20), (5000, 16 << 20), (40, 300_000)])
    func batchesAreWhatTheBoundsDecide(maxEntries: Int, maxBytes: Int) throws {
        let dir = TempDirectory("chunked-\(maxEntries)-\(maxBytes)")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.logPath, configuration: smallConfiguration(.none, segmentSize: 256 << 20))
        defer { try? log.close() }
        // Runs of small entries with large ones among them: the average of what was read so far
        // misjudges what comes next, in both directions.
        var random = SeededRandom(seed: UInt64(maxEntries * 7 + maxBytes))
        var sizes: [Int] = []
        for _ in 0..<1_500 {
            let roll = random.next() % 100
            sizes.append(roll < 3 ? 100_000 + Int(random.next() % 200_000) : roll < 10 ? 5_000 + Int(random.next() % 5_000) : Int(random.next() % 300))
        }
        var key = 0
        while key < sizes.count {
            let count = min(Int(random.next() % 9) + 1, sizes.count - key)
            _ = try log.appendSynchronously((key..<key + count).map { draft($0, payloadSize: sizes[$0]) })
            key += count
        }
        var cursor: LogCursor? = nil
        var read = 0
        while true {
            let batch = try log.read(after: cursor, maxEntries: maxEntries, maxBytes: maxBytes)
            if batch.count == 0 { break }
            let records = try batch.records()
            #expect(records.map(\.sequence) == Array(UInt64(read + 1)...UInt64(read + batch.count)))
            for record in records { #expect(matches(record, key: Int(record.sequence) - 1, payloadSize: sizes[Int(record.sequence) - 1])) }
            #expect(batch.cursors.count == batch.count && batch.cursors.last == batch.next)
            #expect(batch.count <= maxEntries)
            #expect(batch.bytes.count <= maxBytes || batch.count == 1, "\(batch.bytes.count) bytes in \(batch.count) entries")
            read += batch.count
            cursor = batch.next
            // Ended early? Only the bounds may end a batch before the log does.
            if read < sizes.count && batch.count < maxEntries {
                let next = try log.read(after: cursor, maxEntries: 1, maxBytes: 1)
                #expect(batch.bytes.count + next.bytes.count > maxBytes,
                        "a batch of \(batch.count) entries, \(batch.bytes.count) bytes, ended with room for the next (\(next.bytes.count) bytes)")
            }
        }
        #expect(read == sizes.count)
    }

    /// The chunk estimate: the average so far (512 bytes before any) for the entries wanted and
    /// one more, never below 4 KiB and never overflowing.
    @Test func chunkEstimate() {
        #expect(EventLog.chunkEstimate(read: 0, entries: 0, wanted: 4096) == 512 * 4097)
        #expect(EventLog.chunkEstimate(read: 0, entries: 0, wanted: 1) == 4096)
        #expect(EventLog.chunkEstimate(read: 6000, entries: 10, wanted: 100) == 600 * 101)
        #expect(EventLog.chunkEstimate(read: 1 << 40, entries: 1, wanted: Int.max - 1) == Int.max)
    }
}

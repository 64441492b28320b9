import Foundation
@testable import EventLog

/// A fresh temporary directory for one test, removed when the value is dropped via `remove()`.
struct TempDirectory {
    let path: String

    init(_ name: String = #function) {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path = NSTemporaryDirectory() + "eventlog-tests-\(safe)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.removeItem(atPath: path)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var logPath: String { path + "/log" }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A small deterministic random generator, so failures reproduce from the seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E3779B97F4A7C15 }
    mutating func next() -> UInt64 {
        state = state &+ 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

/// The entry a test writes for a given key: everything derived from the key, so reads can be
/// checked against what must be there.
func draft(_ key: Int, payloadSize: Int? = nil) -> EntryDraft {
    let size = payloadSize ?? (key * 37) % 700
    let compressible = key % 3 == 0
    var payload = [UInt8](repeating: 0, count: size)
    var x = UInt64(key) &* 2654435761 &+ 1
    for i in 0..<size {
        x = x &* 6364136223846793005 &+ 1442695040888963407
        payload[i] = compressible ? UInt8(0x30 + (i % 10)) : UInt8(truncatingIfNeeded: x >> 33)
    }
    return EntryDraft(
        timestamp: 1_700_000_000_000_000 + Int64(key),
        updateType: UpdateType(rawValue: UInt8(1 + key % 4))!,
        doctype: key % 2 == 0 ? "Customer" : "Sales Invoice",
        docname: "DOC-\(key)",
        origin: key % 5 == 0 ? Origin(site: "site-\(key % 3)", sequence: UInt64(key) * 10) : nil,
        annotations: key % 4 == 0 ? Array("cursor:\(key)".utf8) : [],
        payload: payload)
}

/// Checks that `record` is exactly what `draft(key)` described.
func matches(_ record: LogRecord, key: Int, payloadSize: Int? = nil) -> Bool {
    let d = draft(key, payloadSize: payloadSize)
    return record.docname == d.docname && record.doctype == d.doctype && record.payload == d.payload
        && record.updateType == d.updateType && record.origin == d.origin && record.annotations == d.annotations
        && record.timestamp == d.timestamp
}

func smallConfiguration(_ durability: EventLog.Durability = .none, segmentSize: UInt64 = 8192) -> EventLog.Configuration {
    EventLog.Configuration(segmentSize: segmentSize, durability: durability, indexIntervalBytes: 256, compressionThreshold: 200)
}

/// Reads every record after `cursor` in batches; returns records and the final cursor.
func readAll(_ log: EventLog, after cursor: LogCursor? = nil, maxEntries: Int = 17, maxBytes: Int = 3000) throws -> ([LogRecord], LogCursor) {
    var records: [LogRecord] = []
    var cursor = cursor
    while true {
        let batch = try log.read(after: cursor, maxEntries: maxEntries, maxBytes: maxBytes)
        if batch.count == 0 { return (records, batch.next) }
        records += try batch.records()
        cursor = batch.next
    }
}

func segmentFiles(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
}

func fileBytes(_ path: String) -> [UInt8] {
    [UInt8](FileManager.default.contents(atPath: path) ?? Data())
}

func writeBytes(_ bytes: [UInt8], _ path: String) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

func truncateFile(_ path: String, to size: Int) {
    let handle = FileHandle(forWritingAtPath: path)!
    try! handle.truncate(atOffset: UInt64(size))
    try! handle.close()
}

/// Appends keys `range` in one call per `chunk` keys, synchronously.
@discardableResult
func appendKeys(_ log: EventLog, _ range: Range<Int>, chunk: Int = 5, payloadSize: Int? = nil) throws -> [AppendResult] {
    var results: [AppendResult] = []
    var start = range.lowerBound
    while start < range.upperBound {
        let end = min(start + chunk, range.upperBound)
        results.append(try log.appendSynchronously((start..<end).map { draft($0, payloadSize: payloadSize) }))
        start = end
    }
    return results
}

/// Frame boundaries of a segment file (offsets of each record start and the end).
func recordOffsets(_ path: String) throws -> [Int] {
    let bytes = fileBytes(path)
    var offsets: [Int] = []
    var at = SegmentHeader.size
    while at + 4 <= bytes.count {
        offsets.append(at)
        let length = bytes.withUnsafeBytes { Int($0.u32(at: at)) }
        guard length >= RecordFrame.headerSize else { break }
        at += length
    }
    return offsets
}

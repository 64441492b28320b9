import Foundation
import Synchronization
import CrashChildSupport
import Testing
@testable import EventLog
#if canImport(Glibc)
import Glibc
#endif

/// The crash child's payload rule (Tests/CrashChild/EventLogScenarios.swift), repeated here so the
/// parent can check what it reads without sharing code with the child.
private func crashPayload(for name: String) -> [UInt8] {
    var state = name.utf8.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 }
    let length = Int(state % 3000)
    var out = [UInt8]()
    for i in 0..<length {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        out.append(name.utf8.count % 2 == 0 ? UInt8(0x61 + (i % 7)) : UInt8(truncatingIfNeeded: state >> 33))
    }
    return out
}

/// The crash child's path, or nil (the shared search in `CrashChildSupport`).
func crashChildURL() -> URL? { try? CrashChild.executable() }

@Suite struct CrashTests {
    /// A child appends with durability `always` from three threads and reports each acknowledged
    /// batch; it is SIGKILLed at random moments. After each kill the parent reopens: every
    /// acknowledged entry is present and intact, nothing follows the last valid record, and
    /// appending continues with the next sequence number.
    @Test func acknowledgedEntriesSurviveSIGKILL() throws {
        let child = try #require(crashChildURL(), "sitestream-crash-child not found next to \(CommandLine.arguments[0]); build with `swift build --build-tests`")
        let dir = TempDirectory()
        defer { dir.remove() }
        var random = SeededRandom(seed: 20261129)
        let segmentSize: UInt64 = 32 << 10
        let configuration = EventLog.Configuration(segmentSize: segmentSize, durability: .always, indexIntervalBytes: 512, compressionThreshold: 1024)
        var lastSequence: UInt64 = 0
        var acknowledgedTotal = 0
        var killsWithAcks = 0
        for round in 0..<60 {
            let process = Process()
            process.executableURL = child
            process.arguments = ["eventlog-append", dir.logPath, String(segmentSize), String(round), "3"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let collector = LineCollector(pipe.fileHandleForReading)
            // Kill after a random number of acknowledged batches (0 = as soon as it started).
            let target = Int(random.next() % 40)
            let deadline = Date().addingTimeInterval(10)
            while collector.count < target && process.isRunning && Date() < deadline { usleep(200) }
            if target > 0 { usleep(UInt32(random.next() % 3000)) }
            #expect(process.isRunning, "round \(round): the child exited on its own")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let drainDeadline = Date().addingTimeInterval(10)
            while !collector.isFinished && Date() < drainDeadline { usleep(200) }
            let acks = collector.all.filter { $0.hasPrefix("ack ") }
            if !acks.isEmpty { killsWithAcks += 1 }

            let log = try EventLog(directory: dir.logPath, configuration: configuration)
            // Every acknowledged entry is there, with the content it was given.
            for line in acks {
                let fields = line.split(separator: " ")
                let first = UInt64(fields[1])!, last = UInt64(fields[2])!, thread = fields[3], counter = Int(fields[4])!
                #expect(first > lastSequence, "round \(round): sequence \(first) reused")
                for (k, seq) in (first...last).enumerated() {
                    let record = try log.record(at: seq)
                    let name = "t\(thread)-\(counter + k)"
                    #expect(record.docname == name, "round \(round) sequence \(seq)")
                    #expect(record.payload == crashPayload(for: name), "round \(round) sequence \(seq)")
                }
                acknowledgedTotal += Int(last - first + 1)
            }
            let maxAcked = acks.map { UInt64($0.split(separator: " ")[2])! }.max() ?? lastSequence
            #expect(log.lastSequence >= maxAcked)
            // Every append survived whole or not at all, acknowledged or not: the records read
            // back form complete groups (each says `k/N`; the parent's own entries say nothing).
            try Self.checkWholeGroups(log, round: round)
            // Nothing follows the last valid record, and sequences go on without a gap.
            let next = try log.appendSynchronously([EntryDraft(updateType: .create, doctype: "Crash Test", docname: "parent-\(round)", payload: [1, 2, 3])])
            #expect(next.firstSequence == log.lastSequence)
            #expect(next.firstSequence > maxAcked)
            lastSequence = next.firstSequence
            try log.close()
            if round % 10 == 9 {
                let verification = try EventLog.verify(directory: dir.logPath)
                #expect(verification.isClean, "round \(round): \(verification.problems)")
                #expect(verification.recordsChecked == lastSequence)
            }
        }
        #expect(killsWithAcks >= 40, "most kills must land while the child is acknowledging appends")
        #expect(acknowledgedTotal > 0)
        #expect(segmentFiles(dir.logPath).count > 3)
    }

    /// Reads the whole log and checks that the child's entries come in complete groups, in
    /// order: `0/N`, `1/N`, … `N-1/N`, and that the log's group marks agree.
    static func checkWholeGroups(_ log: EventLog, round: Int) throws {
        var cursor: LogCursor? = nil
        var expected: (k: Int, n: Int)? = nil
        while true {
            let batch = try log.read(after: cursor, maxEntries: 5000, maxBytes: 8 << 20)
            if batch.count == 0 { break }
            let frames = try RecordFrame.verifyAll(batch.bytes)
            for (record, frame) in zip(try batch.records(), frames) {
                let place = String(decoding: record.annotations, as: UTF8.self).split(separator: "/").compactMap { Int($0) }
                if place.count == 2 {
                    let (k, n) = (place[0], place[1])
                    #expect(k == (expected?.k ?? 0) && (expected == nil || n == expected!.n),
                            "round \(round): sequence \(record.sequence) is entry \(k)/\(n) where \(expected.map { "\($0.k)/\($0.n)" } ?? "a group start") was expected")
                    #expect(frame.endsGroup == (k == n - 1), "round \(round): sequence \(record.sequence) \(k)/\(n) has the wrong group mark")
                    expected = k == n - 1 ? nil : (k + 1, n)
                } else {
                    #expect(expected == nil, "round \(round): sequence \(record.sequence) interrupts a group")
                    #expect(frame.endsGroup)
                    expected = nil
                }
            }
            cursor = batch.next
        }
        #expect(expected == nil, "round \(round): the log ends inside a group")
    }

    /// A write that fails mid-record (the file size limit stands in for a full disk): the failed
    /// append is refused, later appends are refused until reopen, and after reopening every
    /// acknowledged entry is there, the partial record is cut, and sequences go on.
    @Test func aFailedWriteRefusesAppendsAndLosesNothingAcknowledged() throws {
        let child = try #require(crashChildURL(), "sitestream-crash-child not found; build with `swift build --build-tests`")
        let dir = TempDirectory()
        defer { dir.remove() }
        let process = Process()
        process.executableURL = child
        process.arguments = ["eventlog-disk-full", dir.logPath, String(200_000)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let collector = LineCollector(pipe.fileHandleForReading)
        process.waitUntilExit()
        let deadline = Date().addingTimeInterval(30)
        while !collector.isFinished && Date() < deadline { usleep(500) }
        #expect(process.terminationStatus == 0)
        let lines = collector.all
        let acks = lines.filter { $0.hasPrefix("ack ") }
        #expect(acks.count > 10)
        #expect(lines.contains("error io"), "\(lines.suffix(3))")
        #expect(lines.contains("after-error io"), "\(lines.suffix(3))")

        let log = try EventLog(directory: dir.logPath, configuration: EventLog.Configuration(durability: .always))
        var last: UInt64 = 0
        for line in acks {
            let fields = line.split(separator: " ")
            let first = UInt64(fields[1])!, lastSeq = UInt64(fields[2])!, counter = Int(fields[4])!
            for (k, seq) in (first...lastSeq).enumerated() {
                let record = try log.record(at: seq)
                #expect(record.docname == "t0-\(counter + k)")
                #expect(record.payload == crashPayload(for: "t0-\(counter + k)"))
            }
            last = lastSeq
        }
        #expect(log.lastSequence >= last)
        #expect(log.recoveryReport.truncatedSegment != nil, "the partial record must have been cut")
        #expect(try log.appendSynchronously([EntryDraft(updateType: .create, doctype: "X", docname: "after", payload: [])]).firstSequence == log.lastSequence)
        try log.close()
        #expect(try EventLog.verify(directory: dir.logPath).isClean)
    }
}

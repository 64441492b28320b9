// EventLog crash scenarios. `eventlog-disk-full DIR LIMIT` caps the size of any file this process
// writes (RLIMIT_FSIZE) so that a write fails mid-record like on a full disk; it appends until an
// append fails, printing `ack FIRST LAST 0 COUNTER` lines, then `error CODE`, then `after-error CODE`
// for one more append attempt, and exits 0.
// `eventlog-append DIR [SEGMENT_SIZE] [SEED] [THREADS]` opens the log in
// DIR with durability `always` and appends random batches from several threads until killed,
// writing `ack FIRST LAST THREAD COUNTER` to stdout once each batch is acknowledged. Entry k of
// such a batch of N is named `t<THREAD>-<COUNTER+k>`, carries `EventLogCrashPayload.bytes(for:)`
// and the annotation `k/N` (its place in the group).
import EventLog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

func runEventLogScenario(_ name: String, _ arguments: [String]) throws {
    switch name {
    case "eventlog-append":
        guard let directory = arguments.first else { throw ScenarioError("usage: eventlog-append DIR [SEGMENT_SIZE] [SEED] [THREADS]") }
        let segmentSize = arguments.count > 1 ? UInt64(arguments[1]) ?? 16384 : 16384
        let seed = arguments.count > 2 ? UInt64(arguments[2]) ?? 1 : 1
        let threads = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3
        try appendUntilKilled(directory: directory, segmentSize: segmentSize, seed: seed, threads: threads)
    case "eventlog-disk-full":
        guard arguments.count == 2, let limit = UInt64(arguments[1]) else { throw ScenarioError("usage: eventlog-disk-full DIR FILE_SIZE_LIMIT") }
        try appendUntilWritesFail(directory: arguments[0], fileSizeLimit: limit)
    default:
        throw ScenarioError("no EventLog scenario named \(name)")
    }
}

struct ScenarioError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The payload every crash-test entry carries, derived from its name so the parent can check it.
enum EventLogCrashPayload {
    static func bytes(for name: String) -> [UInt8] {
        var state = name.utf8.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 }
        let length = Int(state % 3000)
        var out = [UInt8]()
        out.reserveCapacity(length)
        for i in 0..<length {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            // Half the payloads are compressible text, half noise.
            out.append(name.utf8.count % 2 == 0 ? UInt8(0x61 + (i % 7)) : UInt8(truncatingIfNeeded: state >> 33))
        }
        return out
    }
}

private func appendUntilKilled(directory: String, segmentSize: UInt64, seed: UInt64, threads: Int) throws {
    let configuration = EventLog.Configuration(segmentSize: segmentSize, durability: .always, indexIntervalBytes: 512, compressionThreshold: 1024)
    let log = try EventLog(directory: directory, configuration: configuration)
    let output = NSLock()
    let group = DispatchGroup()
    for thread in 0..<threads {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            var random = seed &* 2654435761 &+ UInt64(thread) &* 97 &+ UInt64(getpid())
            var counter = 0
            while true {
                random = random &* 6364136223846793005 &+ 1442695040888963407
                let count = Int(random >> 59) + 1
                // One append is one group; each entry says its place in it (`k/count`), so the
                // parent can check that groups survive whole without trusting the log's marks.
                let drafts = (0..<count).map { k -> EntryDraft in
                    let name = "t\(thread)-\(counter + k)"
                    return EntryDraft(updateType: .update, doctype: "Crash Test", docname: name,
                                      annotations: Array("\(k)/\(count)".utf8), payload: EventLogCrashPayload.bytes(for: name))
                }
                do {
                    let result = try log.appendSynchronously(drafts)
                    let line = "ack \(result.firstSequence) \(result.lastSequence) \(thread) \(counter)\n"
                    output.lock()
                    _ = line.withCString { write(1, $0, strlen($0)) }
                    output.unlock()
                } catch {
                    FileHandle.standardError.write("append failed: \(error)\n".data(using: .utf8)!)
                    exit(1)
                }
                counter += count
            }
        }
    }
    group.wait()
}

private func appendUntilWritesFail(directory: String, fileSizeLimit: UInt64) throws {
    let log = try EventLog(directory: directory, configuration: EventLog.Configuration(segmentSize: 64 << 20, durability: .always, indexIntervalBytes: 512))
    // Writes past the limit fail with EFBIG instead of killing the process.
    signal(SIGXFSZ, SIG_IGN)
    var limit = rlimit(rlim_cur: rlim_t(fileSizeLimit), rlim_max: rlim_t(fileSizeLimit))
    guard setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0 else { throw ScenarioError("setrlimit failed") }
    func say(_ line: String) { _ = (line + "\n").withCString { write(1, $0, strlen($0)) } }
    var counter = 0
    while true {
        let drafts = (0..<3).map { k -> EntryDraft in
            let name = "t0-\(counter + k)"
            return EntryDraft(updateType: .create, doctype: "Crash Test", docname: name, payload: EventLogCrashPayload.bytes(for: name))
        }
        do {
            let result = try log.appendSynchronously(drafts)
            say("ack \(result.firstSequence) \(result.lastSequence) 0 \(counter)")
            counter += 3
        } catch let error as EventLogError {
            say("error \(error.code)")
            do {
                _ = try log.appendSynchronously(drafts)
                say("after-error accepted")
            } catch let again as EventLogError {
                say("after-error \(again.code)")
            }
            try? log.close()
            exit(0)
        }
    }
}

import CrashChildSupport
import Foundation
import Testing
@testable import SnapshotStore

@Suite("Snapshot store: crashes", .serialized)
struct SnapshotStoreCrashTests {
    @Test func workloadMatchesTheCrashChild() throws {
        let pipe = Pipe()
        let child = try CrashChild.start(["store-workload-digest", "500"], stdout: pipe)
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        #expect(child.terminationStatus == 0)
        #expect(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "\(StoreWorkload.digest(batches: 500))")
    }

    /// A child applies workload batches (with checkpoints and compactions among them) and is
    /// SIGKILLed at random moments, 24 times over one directory. After each kill the store
    /// opens holding exactly the state after `lastAppliedSequence` batches, which is at least
    /// the last checkpoint the child reported and at most one past the last batch it reported
    /// applied (batches in the write buffer may die with the process; the Site re-folds them).
    @Test func killedWriterLeavesExactlyTheStateOfItsLastAppliedSequence() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let storeDirectory = directory.url.appendingPathComponent("store").path
        var random = StoreWorkload.Generator(state: UInt64(UInt32(truncatingIfNeeded: getpid())))
        var model = StoreModel()
        var previous: UInt64 = 0
        var truncations = 0
        var durable: UInt64 = 0
        var lostToBuffer = 0
        for round in 0..<24 {
            let progress = directory.file("progress-\(round)")
            _ = FileManager.default.createFile(atPath: progress.path, contents: nil)
            let child = try CrashChild.start(["store-write", storeDirectory, progress.path])
            // Wait for the child to apply a random number of batches (bounded generously), then
            // kill it 0–30 ms later.
            let target = 5 + Int(random.next() % 60)
            let started = CrashChild.waitUntil(seconds: 60) {
                let text = (try? Data(contentsOf: progress)).map { String(decoding: $0, as: UTF8.self) } ?? ""
                return text.split(separator: "\n").filter { $0.hasPrefix("applied") }.count >= target || !child.isRunning
            }
            #expect(started, "round \(round): the child did not apply \(target) batches within 60 s")
            #expect(child.isRunning, "round \(round): the child exited early with \(child.terminationStatus)")
            usleep(UInt32(random.next() % 30_000))
            CrashChild.kill(child)
            let lines = String(decoding: try Data(contentsOf: progress), as: UTF8.self).split(separator: "\n")
            func last(_ prefix: String) -> UInt64? {
                lines.last { $0.hasPrefix(prefix + " ") }.flatMap { UInt64($0.dropFirst(prefix.count + 1)) }
            }
            let reported = last("applied") ?? previous
            durable = max(durable, last("durable") ?? 0)

            let store = try openStore(TemporaryDirectoryPath(storeDirectory))
            let applied = store.lastAppliedSequence
            #expect(applied >= durable && applied <= reported + 1,
                    "round \(round): child reported \(reported) applied, \(durable) durable; store holds \(applied)")
            if applied < reported { lostToBuffer += 1 }
            if store.openReport.truncatedTail != nil { truncations += 1 }
            model.advance(to: applied)
            try expectStore(store, equals: model, candidates: workloadKeys)
            try store.close()
            previous = applied
        }
        #expect(durable > 0, "no checkpoint completed in 24 rounds")
        print("store crash test: 24 kills, \(previous) batches held, \(durable) durable, \(truncations) torn tails cut, \(lostToBuffer) rounds lost buffered batches")
    }

    /// The lock is held across processes and names the holder's pid; it dies with the holder.
    @Test func aStoreOpenInAnotherProcessIsRefusedNamingIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ready = directory.file("ready")
        let child = try CrashChild.start(["store-hold", directory.url.appendingPathComponent("store").path, ready.path])
        defer { if child.isRunning { CrashChild.kill(child) } }
        #expect(CrashChild.waitUntil(seconds: 60) { FileManager.default.fileExists(atPath: ready.path) && (try? fileSize(ready)) ?? 0 > 0 })
        let storeDirectory = TemporaryDirectoryPath(directory.url.appendingPathComponent("store").path)
        let error = #expect(throws: SnapshotStoreError.self) { _ = try openStore(storeDirectory) }
        #expect(error?.code == .locked)
        #expect(error?.message.contains("process \(child.processIdentifier)") == true)
        #expect(error?.file?.hasSuffix("/store/LOCK") == true)
        CrashChild.kill(child)
        let store = try openStore(storeDirectory)
        try store.close()
    }
}

/// An existing directory passed where tests take a `TemporaryDirectory` (not removed by it).
func TemporaryDirectoryPath(_ path: String) -> TemporaryDirectory {
    TemporaryDirectory(existing: URL(fileURLWithPath: path, isDirectory: true))
}

import Foundation
import Synchronization
import Testing
@testable import SnapshotStore

@Suite("Snapshot store: compaction")
struct SnapshotStoreCompactionTests {
    @Test func compactionReclaimsDeadVersionsAndKeepsEverything() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let model = StoreModel.workload(through: 400)
        let store = try openStore(directory)
        for k in UInt64(1)...400 { try store.apply(StoreWorkload.batch(k), throughSequence: k) }
        let oldFile = try directory.dataFile()
        let report = try store.compact()
        #expect(report.oldGeneration == 1 && report.newGeneration == 2)
        #expect(report.bytesAfter < report.bytesBefore / 2)
        #expect(report.documentsCopied == model.documents.count)
        #expect(!FileManager.default.fileExists(atPath: oldFile.path))
        #expect(store.dataFileStatistics.generation == 2)
        #expect(store.lastAppliedSequence == 400)
        try expectStore(store, equals: model, candidates: workloadKeys)
        // Writes after the switch land in the new file.
        try store.apply(StoreWorkload.batch(401), throughSequence: 401)
        let after = StoreModel.workload(through: 401)
        try expectStore(store, equals: after, candidates: workloadKeys)
        try store.close()

        let reopened = try openStore(directory)
        #expect(reopened.openReport.loadedIndexSnapshot)
        #expect(reopened.lastAppliedSequence == 401)
        try expectStore(reopened, equals: after, candidates: workloadKeys)
        try reopened.close()

        // The compacted file alone rebuilds the same state and sequence.
        try FileManager.default.removeItem(at: directory.file("index.ssi"))
        let rebuilt = try openStore(directory)
        #expect(!rebuilt.openReport.loadedIndexSnapshot)
        #expect(rebuilt.lastAppliedSequence == 401)
        try expectStore(rebuilt, equals: after, candidates: workloadKeys)
        try rebuilt.verify()
        try rebuilt.close()
    }

    @Test func compactingAnEmptyStoreKeepsTheSequence() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        try store.apply([.put(key("Customer", "A"), document: bytes("a"), terms: [])], throughSequence: 5)
        try store.apply([.delete(key("Customer", "A"))], throughSequence: 6)
        try store.compact()
        try store.close()
        try FileManager.default.removeItem(at: directory.file("index.ssi"))
        let reopened = try openStore(directory)
        #expect(reopened.lastAppliedSequence == 6)
        #expect(reopened.documentCount == 0)
        try reopened.close()
    }

    /// A crash after the switch but before the old file's unlink leaves both generations; a
    /// crash while writing leaves a temporary file. Open keeps the newest complete one.
    @Test func leftoversOfAnInterruptedCompactionAreRemovedOnOpen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let model = StoreModel.workload(through: 100)
        let store = try openStore(directory)
        for k in UInt64(1)...100 { try store.apply(StoreWorkload.batch(k), throughSequence: k) }
        try store.checkpoint()
        let oldFile = try directory.dataFile()
        let saved = try Data(contentsOf: oldFile)
        let savedSnapshot = try Data(contentsOf: directory.file("index.ssi"))
        try store.compact()
        try store.close()
        try saved.write(to: oldFile) // the old generation, as if never unlinked
        try savedSnapshot.write(to: directory.file("index.ssi")) // and the snapshot of the old generation
        try Data([1, 2, 3]).write(to: directory.file(SnapshotStore.dataFileName(3) + ".tmp"))
        let reopened = try openStore(directory)
        #expect(reopened.dataFileStatistics.generation == 2)
        #expect(Set(reopened.openReport.removedFiles) == [oldFile.lastPathComponent, SnapshotStore.dataFileName(3) + ".tmp"])
        #expect(!reopened.openReport.loadedIndexSnapshot) // it described generation 1
        #expect(reopened.lastAppliedSequence == 100)
        try expectStore(reopened, equals: model, candidates: workloadKeys)
        try reopened.close()
    }

    @Test func automaticCompactionStartsWhenMostOfTheFileIsDead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory, automaticCompaction: true) {
            $0.compactionMinimumSize = 256 << 10
            $0.compactionDeadRatio = 0.6
        }
        let document = [UInt8](repeating: UInt8(ascii: "x"), count: 4000)
        var sequence: UInt64 = 0
        // Overwrite ten documents until a compaction has happened (bounded generously).
        while store.dataFileStatistics.generation == 1 && sequence < 100_000 {
            sequence += 1
            try store.apply((0..<10).map { .put(key("Customer", "C\($0)"), document: document + bytes("\(sequence)"), terms: []) },
                            throughSequence: sequence)
            if sequence % 100 == 0 { usleep(1000) }
        }
        #expect(store.dataFileStatistics.generation > 1)
        for i in 0..<10 {
            let stored = try #require(try store.get(key("Customer", "C\(i)")))
            #expect(stored.count > 4000 && stored.prefix(4000) == document[...])
        }
        try store.close()
    }

    /// The promise: compaction runs while a writer writes and a reader reads, and
    /// nothing is lost or misread. The reader checks every document it reads is a whole
    /// version of the key it asked for and that versions never go backwards.
    /// Each compaction copies in slices of about 16 live records (`CompactionSlices`), so
    /// writers change and delete documents between one slice's listing and the next.
    @Test func compactionUnderConcurrentWritesAndReadsLosesNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory) { $0.compactionSliceRecords = 16 }
        let keys = (0..<200).map { key($0 % 3 == 0 ? "Item" : "Customer", "DOC-\($0)") }
        let stop = Atomic<Bool>(false)
        let writerDone = DispatchSemaphore(value: 0)
        let readerDone = DispatchSemaphore(value: 0)
        let problems = Mutex<[String]>([])
        let finalModel = Mutex<[DocumentKey: UInt64]>([:])
        let writerRunning = Atomic<Bool>(true)
        let rounds = Atomic<Int>(0)

        Thread.detachNewThread {
            var model: [DocumentKey: UInt64] = [:]
            var random = StoreWorkload.Generator(state: 42)
            var round: UInt64 = 0
            do {
                while !stop.load(ordering: .relaxed) || round < 200 {
                    round += 1
                    var changes: [StoreChange] = []
                    for _ in 0..<20 {
                        let key = keys[Int(random.next() % UInt64(keys.count))]
                        changes.append(.put(key, document: Self.document(key, version: round), terms: [IndexTerm(index: "v", value: "\(round % 7)")]))
                        model[key] = round
                    }
                    for _ in 0..<2 {
                        let key = keys[Int(random.next() % UInt64(keys.count))]
                        changes.append(.delete(key))
                        model[key] = nil
                    }
                    try store.apply(changes, throughSequence: round)
                    rounds.store(Int(round), ordering: .relaxed)
                }
            } catch {
                problems.withLock { $0.append("writer: \(error)") }
            }
            finalModel.withLock { $0 = model }
            writerRunning.store(false, ordering: .sequentiallyConsistent)
            writerDone.signal()
        }
        Thread.detachNewThread {
            var seen: [DocumentKey: UInt64] = [:]
            var random = StoreWorkload.Generator(state: 7)
            var reads = 0
            while writerRunning.load(ordering: .sequentiallyConsistent) || reads < 1000 {
                let key = keys[Int(random.next() % UInt64(keys.count))]
                do {
                    if let document = try store.get(key) {
                        guard let version = Self.version(of: document, key: key) else {
                            problems.withLock { $0.append("reader: \(key) read a document that is not a whole version of it") }
                            break
                        }
                        if let previous = seen[key], previous > version {
                            problems.withLock { $0.append("reader: \(key) went back from version \(previous) to \(version)") }
                        }
                        seen[key] = version
                    }
                } catch {
                    problems.withLock { $0.append("reader: \(key): \(error)") }
                    break
                }
                reads += 1
            }
            readerDone.signal()
        }
        var compactions = 0
        while compactions < 5 {
            // Let the writer get some way into the data file between compactions.
            let before = rounds.load(ordering: .relaxed)
            while rounds.load(ordering: .relaxed) < before + 20 && problems.withLock({ $0.isEmpty }) { usleep(500) }
            guard problems.withLock({ $0.isEmpty }) else { break }
            try store.compact()
            compactions += 1
        }
        stop.store(true, ordering: .relaxed)
        writerDone.wait()
        readerDone.wait()
        #expect(problems.withLock { $0 } == [])
        #expect(store.dataFileStatistics.generation == 6)
        let model = finalModel.withLock { $0 }
        for key in keys {
            let stored = try store.get(key)
            #expect(stored == model[key].map { Self.document(key, version: $0) }, "\(key)")
        }
        #expect(store.documentCount == model.count)
        #expect(store.lastAppliedSequence == UInt64(rounds.load(ordering: .relaxed)))
        try store.verify()
        try store.close()
        let reopened = try openStore(directory)
        for key in keys {
            #expect(try reopened.get(key) == model[key].map { Self.document(key, version: $0) }, "\(key) after reopen")
        }
        try reopened.close()
    }

    static func document(_ key: DocumentKey, version: UInt64) -> [UInt8] {
        let padding = Int(version * 37 % 500)
        return bytes("\(key.name)|\(version)|") + [UInt8](repeating: UInt8(ascii: "a") + UInt8(version % 26), count: padding)
    }

    static func version(of document: [UInt8], key: DocumentKey) -> UInt64? {
        let parts = document.split(separator: UInt8(ascii: "|"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, String(decoding: parts[0], as: UTF8.self) == key.name,
              let version = UInt64(String(decoding: parts[1], as: UTF8.self)) else { return nil }
        return self.document(key, version: version) == document ? version : nil
    }
}

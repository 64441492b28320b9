import CrashChildSupport
import Foundation
import Synchronization
import Testing
@testable import SnapshotStore

/// A store holding workload batches 1…22 (a snapshot after 20) plus a small last batch 23, kept
/// as a template that each test case copies and then damages.
struct TornTailFixture: Sendable {
    static let lastBatch: [StoreChange] = [
        .put(key("Customer", "CUST-1"), document: bytes("{\"last\":1}"), terms: [IndexTerm(index: "field:Customer.group", value: "last")]),
        .delete(key("Item", "ITEM-2")),
        .put(key("Item", "ITEM-3"), document: bytes("{\"last\":3}"), terms: []),
    ]
    static let lastBatchLength: Int = {
        var writer = ByteWriter()
        _ = try! BatchFrame.encode(lastBatch, throughSequence: 23, into: &writer)
        return writer.count
    }()
    static let candidates = workloadKeys + lastBatch.map(\.key)

    let template: URL
    let dataFileName: String
    let lastBatchStart: UInt64
    let expectedBefore: StoreModel
    let expectedAfter: StoreModel

    static let shared: TornTailFixture = try! TornTailFixture()
    static let removeAtExit = Mutex<String?>(nil)

    init() throws {
        let directory = try TemporaryDirectory("torn-tail-template")
        template = directory.url
        // Shared by the whole test process, so no test can remove it: the process does, as it
        // exits (it was left behind in the temporary directory by every run before).
        Self.removeAtExit.withLock { $0 = directory.url.path }
        atexit {
            if let path = TornTailFixture.removeAtExit.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
        var model = StoreModel()
        do {
            let store = try openStore(directory)
            for k in UInt64(1)...22 {
                try store.apply(StoreWorkload.batch(k), throughSequence: k)
                model.apply(StoreWorkload.batch(k))
                if k == 20 { try store.checkpoint() }
            }
            lastBatchStart = store.dataFileStatistics.size
            try store.apply(Self.lastBatch, throughSequence: 23)
            try store.flush()
            precondition(store.dataFileStatistics.size == lastBatchStart + UInt64(Self.lastBatchLength))
            // No close: the process "crashes" here, leaving the tail after the snapshot unsynced.
        }
        dataFileName = try directory.dataFile().lastPathComponent
        expectedBefore = model
        model.apply(Self.lastBatch)
        expectedAfter = model
    }

    /// A private copy of the template.
    func copy(_ label: String = #function) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(label)
        for name in try FileManager.default.contentsOfDirectory(atPath: template.path) where name != "LOCK" {
            try FileManager.default.copyItem(at: template.appendingPathComponent(name), to: directory.file(name))
        }
        return directory
    }
}

@Suite("Snapshot store: recovery")
struct SnapshotStoreRecoveryTests {
    @Test func reopenKeepsEverything() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let model = StoreModel.workload(through: 300)
        do {
            let store = try openStore(directory)
            for k in UInt64(1)...300 { try store.apply(StoreWorkload.batch(k), throughSequence: k) }
            try store.close()
        }
        let store = try openStore(directory)
        #expect(store.openReport.loadedIndexSnapshot)
        #expect(store.openReport.replayedBatches == 0)
        #expect(store.lastAppliedSequence == 300)
        try expectStore(store, equals: model, candidates: workloadKeys)
        try store.close()
    }

    /// Every `snapshotInterval` bytes the store writes an index snapshot by itself, so a crash
    /// replays only a bounded tail.
    @Test func indexSnapshotsAreWrittenAutomatically() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try openStore(directory) { $0.snapshotInterval = 64 << 10 }
            for k in UInt64(1)...200 { try store.apply(StoreWorkload.batch(k), throughSequence: k) }
            try store.flush()
            let written = CrashChild.waitUntil(seconds: 60) { FileManager.default.fileExists(atPath: directory.file("index.ssi").path) }
            #expect(written)
            // No close: reopen as after a crash.
            let settled = CrashChild.waitUntil(seconds: 60) { !store.checkpointing.load(ordering: .sequentiallyConsistent) }
            #expect(settled)
        }
        let store = try openStore(directory)
        #expect(store.openReport.loadedIndexSnapshot)
        #expect(store.openReport.replayedBatches < 200)
        #expect(store.lastAppliedSequence == 200)
        try expectStore(store, equals: StoreModel.workload(through: 200), candidates: workloadKeys)
        try store.close()
    }

    /// While a caller holds them back (a Site levelling its store), no automatic snapshot is
    /// written however much data comes; one is started when the hold ends, and a store dropped
    /// unclosed inside the hold (a rebuild cut short) still reopens with everything.
    @Test func automaticSnapshotsWaitWhileHeldBack() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try openStore(directory) { $0.snapshotInterval = 64 << 10 }
            try store.holdingAutomaticSnapshots {
                for k in UInt64(1)...200 { try store.apply(StoreWorkload.batch(k), throughSequence: k) }
                let settled = CrashChild.waitUntil(seconds: 60) { !store.checkpointing.load(ordering: .sequentiallyConsistent) }
                #expect(settled)
                #expect(!FileManager.default.fileExists(atPath: directory.file("index.ssi").path))
            }
            let written = CrashChild.waitUntil(seconds: 60) { FileManager.default.fileExists(atPath: directory.file("index.ssi").path) }
            #expect(written)
            let settled = CrashChild.waitUntil(seconds: 60) { !store.checkpointing.load(ordering: .sequentiallyConsistent) }
            #expect(settled)
            try store.holdingAutomaticSnapshots {
                for k in UInt64(201)...300 { try store.apply(StoreWorkload.batch(k), throughSequence: k) }
                try store.flush()
            }
            // No close: reopen as after a crash.
            let quiet = CrashChild.waitUntil(seconds: 60) { !store.checkpointing.load(ordering: .sequentiallyConsistent) }
            #expect(quiet)
        }
        let store = try openStore(directory)
        #expect(store.openReport.loadedIndexSnapshot)
        #expect(store.lastAppliedSequence == 300)
        try expectStore(store, equals: StoreModel.workload(through: 300), candidates: workloadKeys)
        try store.close()
    }

    @Test func reopenWithoutCloseReplaysTheTailAfterTheSnapshot() throws {
        let fixture = TornTailFixture.shared
        let directory = try fixture.copy()
        defer { directory.remove() }
        let store = try openStore(directory)
        #expect(store.openReport.loadedIndexSnapshot)
        #expect(store.openReport.replayedBatches == 3)
        #expect(store.openReport.truncatedTail == nil)
        #expect(store.lastAppliedSequence == 23)
        try expectStore(store, equals: fixture.expectedAfter, candidates: TornTailFixture.candidates)
        try store.close()
    }

    @Test(arguments: ["deleted", "damaged", "truncated"])
    func aMissingOrDamagedIndexSnapshotIsRebuiltFromTheData(what: String) throws {
        let fixture = TornTailFixture.shared
        let directory = try fixture.copy()
        defer { directory.remove() }
        let snapshot = directory.file("index.ssi")
        switch what {
        case "deleted": try FileManager.default.removeItem(at: snapshot)
        case "damaged": try flipByte(of: snapshot, at: try fileSize(snapshot) / 2)
        default: try truncateFile(snapshot, to: try fileSize(snapshot) - 3)
        }
        let store = try openStore(directory)
        #expect(!store.openReport.loadedIndexSnapshot)
        #expect(store.openReport.indexSnapshotProblem != nil)
        #expect(store.openReport.replayedBatches == 23)
        #expect(store.lastAppliedSequence == 23)
        try expectStore(store, equals: fixture.expectedAfter, candidates: TornTailFixture.candidates)
        try store.close()
        let again = try openStore(directory) // close wrote a fresh snapshot
        #expect(again.openReport.loadedIndexSnapshot)
        try expectStore(again, equals: fixture.expectedAfter, candidates: TornTailFixture.candidates)
        try again.close()
    }

    /// A crash in the middle of writing the last batch, at every byte: the whole batch is gone,
    /// everything before it intact, and the sequence says so.
    @Test(arguments: 0..<TornTailFixture.lastBatchLength)
    func tornLastBatchIsDiscardedWhole(cut: Int) throws {
        try checkLastBatchDiscarded { directory, fixture in
            try truncateFile(directory.file(fixture.dataFileName), to: fixture.lastBatchStart + UInt64(cut))
        } expectTruncation: { cut > 0 }
    }

    /// The same with the index snapshot gone, so the whole data file is scanned.
    @Test(arguments: 0..<TornTailFixture.lastBatchLength)
    func tornLastBatchIsDiscardedWholeOnRebuild(cut: Int) throws {
        try checkLastBatchDiscarded { directory, fixture in
            try FileManager.default.removeItem(at: directory.file("index.ssi"))
            try truncateFile(directory.file(fixture.dataFileName), to: fixture.lastBatchStart + UInt64(cut))
        } expectTruncation: { cut > 0 }
    }

    /// Garbage in the unsynced tail (a crash can leave any bytes there): the damaged batch is
    /// discarded, never half-applied.
    @Test(arguments: 0..<TornTailFixture.lastBatchLength)
    func flippedByteInTheLastBatchDiscardsIt(at offset: Int) throws {
        try checkLastBatchDiscarded { directory, fixture in
            try flipByte(of: directory.file(fixture.dataFileName), at: fixture.lastBatchStart + UInt64(offset))
        } expectTruncation: { true }
    }

    private func checkLastBatchDiscarded(damage: (TemporaryDirectory, TornTailFixture) throws -> Void,
                                         expectTruncation: () -> Bool) throws {
        let fixture = TornTailFixture.shared
        let directory = try fixture.copy()
        defer { directory.remove() }
        try damage(directory, fixture)
        let store = try openStore(directory)
        #expect(store.lastAppliedSequence == 22)
        #expect((store.openReport.truncatedTail != nil) == expectTruncation())
        if let tail = store.openReport.truncatedTail {
            #expect(tail.offset == fixture.lastBatchStart)
            #expect(tail.file.hasSuffix(fixture.dataFileName))
        }
        #expect(store.dataFileStatistics.size == fixture.lastBatchStart)
        try expectStore(store, equals: fixture.expectedBefore, candidates: TornTailFixture.candidates)
        // The store goes on: the Site re-folds the lost batch.
        try store.apply(TornTailFixture.lastBatch, throughSequence: 23)
        try expectStore(store, equals: fixture.expectedAfter, candidates: TornTailFixture.candidates)
        try store.close()
        let again = try openStore(directory)
        #expect(again.lastAppliedSequence == 23)
        try expectStore(again, equals: fixture.expectedAfter, candidates: TornTailFixture.candidates)
        try again.close()
    }

    @Test func damageInAnEarlierUnsyncedBatchCutsFromThere() throws {
        let fixture = TornTailFixture.shared
        let directory = try fixture.copy()
        defer { directory.remove() }
        // Batch 21 is the first after the snapshot.
        let snapshotPosition = try SnapshotStoreRecoveryTests.snapshotPosition(directory)
        try flipByte(of: directory.file(fixture.dataFileName), at: snapshotPosition + 30)
        let store = try openStore(directory)
        #expect(store.lastAppliedSequence == 20)
        #expect(store.openReport.truncatedTail?.offset == snapshotPosition)
        try expectStore(store, equals: StoreModel.workload(through: 20), candidates: TornTailFixture.candidates)
        try store.close()
    }

    /// Damage where the snapshot says the data was durable is not a torn write: it is reported
    /// (file and offset) by the read that meets it and by `verify()`, never silently dropped.
    @Test func flippedByteInTheSealedRegionIsReportedWithFileAndOffset() throws {
        let fixture = TornTailFixture.shared
        let directory = try fixture.copy()
        defer { directory.remove() }
        let model = fixture.expectedAfter
        // A document last written before the snapshot (batch ≤ 20) and untouched since.
        let victim: DocumentKey
        let location: UInt64
        do {
            let store = try openStore(directory)
            let snapshotPosition = try SnapshotStoreRecoveryTests.snapshotPosition(directory)
            let found = try #require(model.documents.keys.sorted { $0.name < $1.name }.compactMap { key -> (DocumentKey, UInt64)? in
                let offset = store.state.withLock { $0.index.location(of: key)!.offset }
                return offset < snapshotPosition ? (key, offset) : nil
            }.first)
            (victim, location) = found
            try store.close()
        }
        let dataFile = directory.file(fixture.dataFileName)
        try flipByte(of: dataFile, at: location + 40) // inside the record, past its header
        let store = try openStore(directory)
        #expect(store.openReport.loadedIndexSnapshot)
        #expect(store.lastAppliedSequence == 23)
        let error = #expect(throws: SnapshotStoreError.self) { _ = try store.get(victim) }
        #expect(error?.code == .corrupt)
        #expect(error?.file == dataFile.path)
        #expect(error?.offset == location)
        #expect(error?.description.contains(dataFile.path) == true)
        // Every other document still reads.
        for (key, value) in model.documents where key != victim {
            #expect(try store.get(key) == value.document)
        }
        let verifyError = #expect(throws: SnapshotStoreError.self) { try store.verify() }
        #expect(verifyError?.code == .corrupt)
        #expect(verifyError?.file == dataFile.path)
        #expect(verifyError?.offset == location)
        let compactError = #expect(throws: SnapshotStoreError.self) { try store.compact() }
        #expect(compactError?.code == .corrupt)
        #expect(compactError?.offset == location)
        #expect(store.dataFileStatistics.generation == 1) // nothing switched
        try store.close()
    }

    @Test func verifyPassesOnAnIntactStore() throws {
        let fixture = TornTailFixture.shared
        let directory = try fixture.copy()
        defer { directory.remove() }
        let store = try openStore(directory)
        let report = try store.verify()
        #expect(report.batches == 23)
        #expect(report.records == (1...22).map { StoreWorkload.batch($0).count }.reduce(0, +) + TornTailFixture.lastBatch.count)
        try store.close()
    }

    static func snapshotPosition(_ directory: TemporaryDirectory) throws -> UInt64 {
        let bytes = try Data(contentsOf: directory.file("index.ssi"))
        return bytes[24..<32].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
}

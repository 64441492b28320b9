import Foundation
import Synchronization
import Testing
@testable import SnapshotStore

/// Index terms move to a term file at index snapshots (`StoreIndex+TermTiers`): a document's
/// terms are hot, frozen or cold, and a change makes them hot again. Through all of it, and
/// across reopening, every term must answer exactly the documents that carry it now.
@Suite("Snapshot store: index terms in term files")
struct TermTierTests {
    /// A store that moves its terms to a term file at every checkpoint.
    static func open(_ directory: TemporaryDirectory) throws -> SnapshotStore {
        try openStore(directory) { $0.termFileMinimum = 1 }
    }

    /// Applies the workload's batches `range` to `store` and to `model`.
    static func apply(batches range: ClosedRange<UInt64>, to store: SnapshotStore, model: inout StoreModel) throws {
        for k in range {
            let changes = StoreWorkload.batch(k)
            try store.apply(changes, throughSequence: k)
            model.apply(changes)
        }
    }

    static func termFiles(_ directory: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { TermFile.number(inFileName: $0) != nil }.sorted()
    }

    @Test func termsAnswerRightAcrossTermFilesAndReopens() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store = try Self.open(directory)
        var model = StoreModel()
        var sawTermFile = false
        for k in UInt64(1)...600 {
            let changes = StoreWorkload.batch(k)
            try store.apply(changes, throughSequence: k)
            model.apply(changes)
            if k % 25 == 0 {
                try store.checkpoint()
                let footprint = store.indexFootprint
                #expect(footprint.termFilePostings > 0)
                #expect(footprint.terms.allSatisfy { $0.values == 0 }, "after a checkpoint no term is left in memory")
                #expect(try Self.termFiles(directory).count == 1, "old term files are removed")
                sawTermFile = true
            }
            if k % 40 == 0 { try expectStore(store, equals: model, candidates: workloadKeys) }
            if k % 110 == 0 {
                try store.close()
                store = try Self.open(directory)
                #expect(store.openReport.loadedIndexSnapshot)
                #expect(store.openReport.indexSnapshotProblem == nil)
                try expectStore(store, equals: model, candidates: workloadKeys)
            }
        }
        #expect(sawTermFile)
        try expectStore(store, equals: model, candidates: workloadKeys)
        try store.close()
        // The same store opened with terms kept in memory (the default minimum): it reads the
        // term file all the same.
        let plain = try openStore(directory)
        try expectStore(plain, equals: model, candidates: workloadKeys)
        try plain.close()
    }

    @Test func aTermFileThatCannotBeWrittenLeavesTheTermsInMemory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Self.open(directory)
        var model = StoreModel()
        try Self.apply(batches: 1...100, to: store, model: &model)
        try store.checkpoint() // term file 1
        try Self.apply(batches: 101...200, to: store, model: &model)
        // Term file 2 cannot be created: its temporary name is taken by a directory.
        let blocker = directory.file(TermFile.fileName(2) + ".tmp")
        try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: false)
        #expect(throws: SnapshotStoreError.self) { try store.checkpoint() }
        try expectStore(store, equals: model, candidates: workloadKeys)
        #expect(store.indexFootprint.terms.contains { $0.values > 0 }, "the frozen terms went back to memory")
        try Self.apply(batches: 201...230, to: store, model: &model)
        try expectStore(store, equals: model, candidates: workloadKeys)
        try FileManager.default.removeItem(at: blocker)
        try store.checkpoint()
        try expectStore(store, equals: model, candidates: workloadKeys)
        try store.close()
        let reopened = try Self.open(directory)
        #expect(reopened.openReport.loadedIndexSnapshot)
        try expectStore(reopened, equals: model, candidates: workloadKeys)
        try reopened.close()
    }

    @Test func aDamagedTermFileIsFoundAtOpenAndTheIndexRebuilt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Self.open(directory)
        var model = StoreModel()
        try Self.apply(batches: 1...150, to: store, model: &model)
        try store.close()
        let name = try #require(try Self.termFiles(directory).first)
        let url = directory.file(name)
        let dataBefore = try Data(contentsOf: try directory.dataFile())
        try flipByte(of: url, at: UInt64(TermFile.headerSize) + 40)
        let reopened = try Self.open(directory)
        #expect(!reopened.openReport.loadedIndexSnapshot)
        #expect(reopened.openReport.indexSnapshotProblem?.contains(name) == true, "\(reopened.openReport.indexSnapshotProblem ?? "")")
        #expect(reopened.openReport.removedFiles.contains(name), "the damaged file is removed")
        try expectStore(reopened, equals: model, candidates: workloadKeys)
        #expect(try Data(contentsOf: try directory.dataFile()) == dataBefore, "the data file is untouched")
        try reopened.close()
        // A term file the snapshot does not name (a crash before the snapshot was renamed) is removed.
        let stray = directory.file(TermFile.fileName(99))
        try Data([1, 2, 3]).write(to: stray)
        let again = try Self.open(directory)
        #expect(again.openReport.loadedIndexSnapshot)
        #expect(again.openReport.removedFiles.contains(TermFile.fileName(99)))
        try expectStore(again, equals: model, candidates: workloadKeys)
        try again.close()
    }

    /// Checkpoints move terms to disk while a writer changes documents and readers ask for
    /// terms: documents never changed are always found by their terms, and at the end the
    /// store (live and reopened) holds exactly the model.
    @Test func termsStayRightWhileCheckpointsMoveThem() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Self.open(directory)
        // Stable documents: written once, never changed; each has its own value and shares one.
        let stable = (0..<300).map { key("Customer", "STABLE-\($0)") }
        let shared = IndexTerm(index: "linkto", value: "Customer Group\u{0}All")
        try store.apply(stable.map { .put($0, document: bytes($0.name), terms: [IndexTerm(index: "unique:Customer.email", value: "\($0.name)@x"), shared]) },
                        throughSequence: 1)
        let stop = Atomic<Bool>(false)
        let problems = Mutex<[String]>([])
        let model = Mutex(StoreModel())
        model.withLock { state in
            state.apply(stable.map { .put($0, document: bytes($0.name), terms: [IndexTerm(index: "unique:Customer.email", value: "\($0.name)@x"), shared]) })
        }
        let writerDone = DispatchSemaphore(value: 0)
        let rounds = Atomic<Int>(0)
        Thread.detachNewThread {
            var k: UInt64 = 1
            do {
                while !stop.load(ordering: .relaxed) || k < 400 {
                    k += 1
                    var changes = StoreWorkload.batch(k)
                    // Churn on the shared value too: documents joining and leaving it.
                    let churn = key("Customer", "CHURN-\(k % 37)")
                    changes.append(k % 3 == 0 ? .delete(churn) : .put(churn, document: bytes("c\(k)"), terms: [shared]))
                    try store.apply(changes, throughSequence: k)
                    model.withLock { $0.apply(changes) }
                    rounds.store(Int(k), ordering: .relaxed)
                }
            } catch {
                problems.withLock { $0.append("writer: \(error)") }
            }
            writerDone.signal()
        }
        let readerDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var i = 0
            while !stop.load(ordering: .relaxed) {
                let document = stable[i % stable.count]
                let found = store.keys(matching: IndexTerm(index: "unique:Customer.email", value: "\(document.name)@x"))
                if found != [document] { problems.withLock { $0.append("\(document) by its value: \(found)") } }
                if i % 50 == 0 {
                    let all = Set(store.keys(matching: shared))
                    if !Set(stable).isSubset(of: all) { problems.withLock { $0.append("the shared value lost stable documents") } }
                }
                i += 1
            }
            readerDone.signal()
        }
        var checkpoints = 0
        while checkpoints < 12 && problems.withLock({ $0.isEmpty }) {
            let before = rounds.load(ordering: .relaxed)
            while rounds.load(ordering: .relaxed) < before + 20 && problems.withLock({ $0.isEmpty }) { usleep(500) }
            try store.checkpoint()
            checkpoints += 1
        }
        stop.store(true, ordering: .relaxed)
        writerDone.wait()
        readerDone.wait()
        #expect(problems.withLock { $0 }.isEmpty, "\(problems.withLock { $0.prefix(5) })")
        let final = model.withLock { $0 }
        let candidates = workloadKeys + stable + (0..<37).map { key("Customer", "CHURN-\($0)") }
        try expectStore(store, equals: final, candidates: candidates)
        try store.close()
        let reopened = try Self.open(directory)
        try expectStore(reopened, equals: final, candidates: candidates)
        try reopened.close()
    }
}

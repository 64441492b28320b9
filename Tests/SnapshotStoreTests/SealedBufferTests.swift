import Foundation
@testable import SnapshotStore
import Testing

/// A full write buffer is sealed under the store's lock and written after the lock is let go
/// (`writeSealed`). These tests seal and write by hand, to put the store in the states a slow
/// `pwrite` would: a sealed buffer not yet in the file, and a write landing late.
@Suite struct SealedBufferTests {
    /// Until its write, a sealed buffer is served to readers; the next full buffer is written
    /// under the lock together with it; the late write changes nothing; a reopen finds all.
    @Test func aSealedBufferIsServedUntilWrittenAndALateWriteIsHarmless() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var model = StoreModel()
        do {
            let store = try openStore(directory) { $0.writeBufferSize = 3000 }
            var k: UInt64 = 0
            func apply(_ n: Int) throws { try applyWorkload(n, to: store, model: &model, last: &k) }
            try apply(20)
            // Apply until the buffer holds something, then seal it by hand.
            while store.state.withLock({ $0.buffer.isEmpty }) { try apply(1) }
            let sealed = store.state.withLock { SnapshotStore.sealBuffer(&$0) }
            let fileSize = try fileLength(directory.dataFile())
            #expect(fileSize <= sealed.offset, "the sealed bytes must not be in the file yet")
            try expectStore(store, equals: model, candidates: workloadKeys)

            // More batches: the next full buffer finds the sealed one pending and writes both
            // under the lock, sealing nothing new.
            var applied = 0
            while store.state.withLock({ !$0.sealed.isEmpty }) && applied < 1000 {
                try apply(1)
                applied += 1
            }
            #expect(store.state.withLock { $0.sealed.isEmpty && $0.seals == sealed.seal })
            #expect(try fileLength(directory.dataFile()) >= sealed.offset + UInt64(sealed.bytes.count))
            try expectStore(store, equals: model, candidates: workloadKeys)

            // A second seal, then the first one's write landing late: it must not forget the second.
            while store.state.withLock({ $0.buffer.isEmpty || !$0.sealed.isEmpty }) { try apply(1) }
            let second = store.state.withLock { SnapshotStore.sealBuffer(&$0) }
            store.writeSealed(sealed)
            #expect(store.state.withLock { !$0.sealed.isEmpty && $0.seals == second.seal })
            store.writeSealed(second)
            #expect(store.state.withLock { $0.sealed.isEmpty })
            try apply(10)
            try store.flush()
            try expectStore(store, equals: model, candidates: workloadKeys)
            // Dropped without close, as after a crash: everything flushed must be there.
        }
        try expectReopened(directory, equals: model)
    }

    /// `applyWritingLater` hands the write of the buffer a batch filled to its caller: nothing
    /// of it is in the file until the caller performs it, readers get it from memory meanwhile,
    /// and a write that is never performed is done by the next flush.
    @Test func theCallerWritesTheBufferItsBatchFilled() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var model = StoreModel()
        do {
            let store = try openStore(directory) { $0.writeBufferSize = 3000 }
            var k: UInt64 = 0
            func applyLater() throws -> SnapshotStore.SealedWrite? {
                k += 1
                model.apply(StoreWorkload.batch(k))
                return try store.applyWritingLater(try PreparedBatch(StoreWorkload.batch(k), throughSequence: k))
            }
            var pending: SnapshotStore.SealedWrite?
            while pending == nil && k < 1000 { pending = try applyLater() }
            let write = try #require(pending)
            #expect(try !fileHolds(write.sealed, directory.dataFile()), "written before the caller asked")
            try expectStore(store, equals: model, candidates: workloadKeys)
            write.perform()
            #expect(try fileHolds(write.sealed, directory.dataFile()))
            #expect(store.state.withLock { $0.sealed.isEmpty })

            // The next one is dropped: the flush writes it.
            pending = nil
            while pending == nil && k < 2000 { pending = try applyLater() }
            let dropped = try #require(pending)
            #expect(try !fileHolds(dropped.sealed, directory.dataFile()))
            try store.flush()
            #expect(try fileHolds(dropped.sealed, directory.dataFile()))
            try expectStore(store, equals: model, candidates: workloadKeys)
        }
        try expectReopened(directory, equals: model)
    }

    /// A batch at least as large as the buffer is sealed (alone, or with what the buffer held)
    /// and written by the caller after the lock, not under it; until then readers get it from
    /// memory. Only when an earlier sealed write is still pending is it written under the lock.
    @Test func aBatchLargerThanTheBufferIsWrittenByTheCaller() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var model = StoreModel()
        var candidates = workloadKeys
        do {
            let store = try openStore(directory) { $0.writeBufferSize = 3000 }
            var k: UInt64 = 0
            func large(_ tag: String) throws -> SnapshotStore.SealedWrite? {
                k += 1
                let changes: [StoreChange] = (0..<3).map { i in
                    .put(key("Customer", "BIG-\(tag)-\(i)"), document: bytes("{\"pad\":\"" + String(repeating: tag, count: 1500) + "\"}"),
                         terms: [IndexTerm(index: "field:Customer.group", value: tag)])
                }
                candidates += changes.map(\.key)
                model.apply(changes)
                return try store.applyWritingLater(try PreparedBatch(changes, throughSequence: k))
            }
            // The buffer empty: the batch alone is sealed.
            let alone = try #require(try large("a"))
            #expect(try !fileHolds(alone.sealed, directory.dataFile()), "written under the lock")
            try expectStore(store, equals: model, candidates: candidates)
            alone.perform()
            #expect(try fileHolds(alone.sealed, directory.dataFile()))

            // The buffer holding small batches: they are sealed together with the large one.
            k += 1
            try store.apply(StoreWorkload.batch(k), throughSequence: k)
            model.apply(StoreWorkload.batch(k))
            let together = try #require(try large("b"))
            #expect(together.sealed.bytes.count > 3 * 1500)
            #expect(try !fileHolds(together.sealed, directory.dataFile()))
            try expectStore(store, equals: model, candidates: candidates)

            // That write still pending: the next large batch is written under the lock.
            #expect(try large("c") == nil)
            try expectStore(store, equals: model, candidates: candidates)
            together.perform()
            try store.flush()
            #expect(try fileHolds(together.sealed, directory.dataFile()))
        }
        let reopened = try openStore(directory)
        #expect(reopened.openReport.truncatedTail == nil)
        try expectStore(reopened, equals: model, candidates: candidates)
        try reopened.close()
    }

    /// A write meant for the data file a compaction has since replaced lands in the old file
    /// (the write holds it open), which no longer matters: the new file holds everything.
    @Test func aWriteLandingAfterACompactionLosesNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var model = StoreModel()
        var k: UInt64 = 0
        do {
            let store = try openStore(directory) { $0.writeBufferSize = 3000 }
            func apply(_ n: Int) throws { try applyWorkload(n, to: store, model: &model, last: &k) }
            try apply(60)
            while store.state.withLock({ $0.buffer.isEmpty || !$0.sealed.isEmpty }) { try apply(1) }
            let sealed = store.state.withLock { SnapshotStore.sealBuffer(&$0) }
            let report = try store.compact()
            #expect(report.newGeneration > report.oldGeneration)
            try apply(20)
            store.writeSealed(sealed)
            try apply(10)
            try expectStore(store, equals: model, candidates: workloadKeys)
            try store.close()
        }
        let reopened = try openStore(directory)
        #expect(reopened.lastAppliedSequence == k)
        try expectStore(reopened, equals: model, candidates: workloadKeys)
        try reopened.close()
    }
}

/// Reopening finds no torn tail and the model's documents.
private func expectReopened(_ directory: TemporaryDirectory, equals model: StoreModel) throws {
    let reopened = try openStore(directory)
    #expect(reopened.openReport.truncatedTail == nil)
    try expectStore(reopened, equals: model, candidates: workloadKeys)
    try reopened.close()
}

/// Applies the next `n` workload batches after `last` to the store and the model.
private func applyWorkload(_ n: Int, to store: SnapshotStore, model: inout StoreModel, last: inout UInt64) throws {
    for _ in 0..<n {
        last += 1
        try store.apply(StoreWorkload.batch(last), throughSequence: last)
        model.apply(StoreWorkload.batch(last))
    }
}

/// Whether the data file holds the sealed buffer's bytes at its offset.
private func fileHolds(_ sealed: SnapshotStore.SealedBuffer, _ url: URL) throws -> Bool {
    let data = try Data(contentsOf: url)
    let start = Int(sealed.offset), end = start + sealed.bytes.count
    return data.count >= end && Array(data[start..<end]) == sealed.bytes
}

private func fileLength(_ url: URL) throws -> UInt64 {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.size] as? NSNumber)?.uint64Value ?? 0
}

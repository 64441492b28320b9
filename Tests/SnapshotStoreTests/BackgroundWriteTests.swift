import Foundation
@testable import SnapshotStore
import Testing

/// A full write buffer is written by the store's background writer. These tests hold that
/// writer back (its queue suspended) to put the store in the states a slow disk would.
@Suite struct BackgroundWriteTests {
    /// While a sealed buffer waits for its write, reads are served from it, the next full
    /// buffer is written under the lock together with it, and the index is never ahead of
    /// what a reader can get.
    @Test func sealedBuffersAreServedWhileTheirWriteWaits() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var model = StoreModel()
        do {
            let store = try openStore(directory) { $0.writeBufferSize = 3000 }
            store.backgroundWriter.suspend()
            var sawPendingSeal = false
            for k in UInt64(1)...120 {
                try store.apply(StoreWorkload.batch(k), throughSequence: k)
                model.apply(StoreWorkload.batch(k))
                let (pending, sealedStart, fileSize) = try store.state.withLock { state in
                    (state.sealed.count, state.sealedStart, try fileLength(directory.dataFile()))
                }
                if pending > 0 {
                    sawPendingSeal = true
                    // The sealed bytes are not in the file yet (a batch too large for the buffer,
                    // written at once, may lie after them in it).
                    if fileSize >= sealedStart + UInt64(pending) {
                        let (written, sealed) = try store.state.withLock { state in
                            (try state.file.read(count: pending, at: sealedStart), state.sealed)
                        }
                        #expect(written != sealed, "the sealed buffer must not be in the file yet")
                    }
                }
                if k % 10 == 0 { try expectStore(store, equals: model, candidates: workloadKeys) }
            }
            #expect(sawPendingSeal, "the workload never filled the buffer")
            // The writes land only now, after the flushes under the lock wrote the same bytes.
            try store.flush()
            store.backgroundWriter.resume()
            store.backgroundWriter.sync {}
            try expectStore(store, equals: model, candidates: workloadKeys)
            // Dropped without close, as after a crash.
        }
        let reopened = try openStore(directory)
        #expect(reopened.lastAppliedSequence == 120)
        #expect(reopened.openReport.truncatedTail == nil)
        try expectStore(reopened, equals: model, candidates: workloadKeys)
        try reopened.close()
    }

    /// A write that was due before a compaction switched files lands in the old file, which
    /// no longer matters; the new file holds everything.
    @Test func aWriteHeldAcrossACompactionLosesNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var model = StoreModel()
        var last: UInt64 = 0
        do {
            let store = try openStore(directory) { $0.writeBufferSize = 3000 }
            for k in UInt64(1)...60 {
                try store.apply(StoreWorkload.batch(k), throughSequence: k)
                model.apply(StoreWorkload.batch(k))
            }
            store.backgroundWriter.suspend()
            // Applied until a sealed buffer waits for the held writer.
            var k = UInt64(61)
            while k <= 90 || (store.state.withLock { $0.sealed.isEmpty } && k < 200) {
                try store.apply(StoreWorkload.batch(k), throughSequence: k)
                model.apply(StoreWorkload.batch(k))
                k += 1
            }
            #expect(store.state.withLock { !$0.sealed.isEmpty }, "a sealed buffer should be waiting")
            let report = try store.compact()
            #expect(report.newGeneration > report.oldGeneration)
            store.backgroundWriter.resume()
            last = k + 29
            for k in k...last {
                try store.apply(StoreWorkload.batch(k), throughSequence: k)
                model.apply(StoreWorkload.batch(k))
            }
            try expectStore(store, equals: model, candidates: workloadKeys)
            try store.close()
        }
        let reopened = try openStore(directory)
        #expect(reopened.lastAppliedSequence == last)
        try expectStore(reopened, equals: model, candidates: workloadKeys)
        try reopened.close()
    }

    /// `close()` waits for a pending background write: none may land after the directory's
    /// lock is released to the next opener.
    @Test func closeWaitsForThePendingWrite() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory) { $0.writeBufferSize = 3000 }
        for k in UInt64(1)...40 { try store.apply(StoreWorkload.batch(k), throughSequence: k) }
        store.backgroundWriter.suspend()
        for k in UInt64(41)...60 { try store.apply(StoreWorkload.batch(k), throughSequence: k) }
        let closed = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? store.close()
            closed.signal()
        }
        // `close` cannot return while the writer is suspended, however long we wait; the
        // pause only gives a wrong implementation time to show itself.
        #expect(closed.wait(timeout: .now() + 0.3) == .timedOut, "close returned with a write still pending")
        store.backgroundWriter.resume()
        #expect(closed.wait(timeout: .now() + 60) == .success)
        let reopened = try openStore(directory)
        #expect(reopened.lastAppliedSequence == 60)
        try expectStore(reopened, equals: StoreModel.workload(through: 60), candidates: workloadKeys)
        try reopened.close()
    }
}

private func fileLength(_ url: URL) throws -> UInt64 {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.size] as? NSNumber)?.uint64Value ?? 0
}

import Foundation
import Synchronization
import Testing
@testable import SnapshotStore

/// `contains` answers from `KnownKeys` what it found before; a delete must never leave a
/// deleted key answered present once the delete's apply has returned.
@Suite struct KnownKeysTests {
    @Test func aKeyFoundBeforeADeleteIsNotRemembered() {
        let known = KnownKeys()
        let k = key("Item", "I-1")
        let (first, epoch) = known.lookup(k)
        #expect(!first)
        known.forgetAll()  // a delete came between the question and the answer
        known.remember(k, seenAt: epoch)
        #expect(!known.lookup(k).known)
        let (_, now) = known.lookup(k)
        known.remember(k, seenAt: now)
        #expect(known.lookup(k).known)
        known.forgetAll()
        #expect(!known.lookup(k).known)
    }

    @Test func theSetStartsOverWhenFull() {
        let known = KnownKeys()
        for i in 0..<(KnownKeys.capacity + 10) {
            let k = key("Item", "I-\(i)")
            known.remember(k, seenAt: known.lookup(k).epoch)
        }
        #expect(known.count <= KnownKeys.capacity)
        #expect(known.lookup(key("Item", "I-\(KnownKeys.capacity + 9)")).known)
    }

    /// A reader thread asks about a key all the time while the main thread puts and deletes
    /// it: every question asked after a delete's apply returned must answer absent, and every
    /// one asked after a put returned present.
    @Test func answersFollowEveryDeleteUnderConcurrentQuestions() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let k = key("Item", "HOT-1"), other = key("Item", "OTHER")
        try store.apply([.put(other, document: bytes("o"), terms: [])], throughSequence: 1)
        // The phase says what the main thread is doing: 4r+1 putting, 4r+2 the put returned,
        // 4r+3 deleting, 4r+4 the delete returned.
        let phase = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let wrong = Atomic<Int>(0)
        let judged = Atomic<Int>(0)
        let reader = Thread {
            while !stop.load(ordering: .acquiring) {
                let before = phase.load(ordering: .acquiring)
                let present = store.contains(k)
                _ = store.contains(other)
                let after = phase.load(ordering: .acquiring)
                // Only a question asked wholly after an apply returned, before the next began,
                // has a known answer.
                guard before == after, before % 2 == 0, before > 0 else { continue }
                if present != (before % 4 == 2) { wrong.add(1, ordering: .relaxed) }
                judged.add(1, ordering: .relaxed)
            }
        }
        reader.start()
        var sequence: UInt64 = 1
        for round in 0..<5000 {
            sequence += 1
            phase.store(4 * round + 1, ordering: .releasing)
            try store.apply([.put(k, document: bytes("v\(round)"), terms: [])], throughSequence: sequence)
            phase.store(4 * round + 2, ordering: .releasing)
            #expect(store.contains(k))
            sequence += 1
            phase.store(4 * round + 3, ordering: .releasing)
            try store.apply([.delete(k)], throughSequence: sequence)
            phase.store(4 * round + 4, ordering: .releasing)
            #expect(!store.contains(k))
        }
        stop.store(true, ordering: .releasing)
        while !reader.isFinished { usleep(1000) }
        #expect(wrong.load(ordering: .relaxed) == 0)
        #expect(judged.load(ordering: .relaxed) > 0)
        try store.close()
    }
}

import Foundation
import SnapshotStore
import Synchronization
import Testing

/// A checkpoint sorts the names added since the last merge without the store's lock
/// (`PendingOrder`) while writers go on putting, deleting and re-putting documents, and a
/// reader lists names in order (which merges too, so some sorted orders go stale). Nothing
/// may be lost or listed out of order, in the live store nor after reopening it from the
/// snapshots the checkpoints wrote.
@Suite struct CheckpointUnderWritesTests {
    static let stems = ["Müller", "Łódź", "Smith", "Zürich", "Acme", "東京", "Ørsted", "Nguyễn", "O'Brien"]

    static func name(_ i: Int) -> String { "\(stems[i % stems.count]) \(i / stems.count)" }

    @Test func namesStayInOrderAndComplete() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var store: SnapshotStore? = try openStore(directory)
        let written = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let writerDone = DispatchSemaphore(value: 0)
        let problems = Mutex<[String]>([])
        let model = Mutex<Set<String>>([])
        let shared = store!

        Thread.detachNewThread {
            var live = Set<String>()
            var random = StoreWorkload.Generator(state: 3)
            var round: UInt64 = 0
            var next = 0
            do {
                // Enough new names between checkpoints that each sorts them outside the lock.
                while !stop.load(ordering: .relaxed) || round < 60 {
                    round += 1
                    var changes: [StoreChange] = []
                    for _ in 0..<400 {
                        let name = Self.name(next)
                        next += 1
                        changes.append(.put(key("Customer", name), document: bytes(name), terms: []))
                        live.insert(name)
                    }
                    for _ in 0..<60 where next > 0 {
                        let name = Self.name(Int(random.next() % UInt64(next)))
                        if random.next() % 3 == 0 {
                            changes.append(.put(key("Customer", name), document: bytes(name + " again"), terms: []))
                            live.insert(name)
                        } else {
                            changes.append(.delete(key("Customer", name)))
                            live.remove(name)
                        }
                    }
                    try shared.apply(changes, throughSequence: round)
                    written.store(Int(round), ordering: .relaxed)
                }
            } catch {
                problems.withLock { $0.append("writer: \(error)") }
            }
            model.withLock { $0 = live }
            writerDone.signal()
        }
        // A REST list merges too: listing now and then, it makes some checkpoints' sorted
        // orders stale (a merge between taking the names and merging them). Not too often:
        // each merge empties the additions, and a checkpoint sorts outside the lock only when
        // 4,096 or more came since (so with a list every 25 ms, none ever did).
        let readerDone = DispatchSemaphore(value: 0)
        let lists = Atomic<Int>(0)
        Thread.detachNewThread {
            while !stop.load(ordering: .relaxed) {
                let page = shared.names(doctype: "Customer", after: Self.name(lists.load(ordering: .relaxed) % 5000), limit: 50)
                if page != page.sorted() { problems.withLock { $0.append("a listed page is out of order: \(page)") } }
                lists.add(1, ordering: .relaxed)
                usleep(150_000)
            }
            readerDone.signal()
        }
        var checkpoints = 0
        while checkpoints < 8 && problems.withLock({ $0.isEmpty }) {
            let before = written.load(ordering: .relaxed)
            while written.load(ordering: .relaxed) < before + 12 && problems.withLock({ $0.isEmpty }) { usleep(500) }
            try shared.checkpoint()
            checkpoints += 1
        }
        stop.store(true, ordering: .relaxed)
        writerDone.wait()
        readerDone.wait()
        #expect(lists.load(ordering: .relaxed) > 0)
        #expect(problems.withLock { $0 } == [])
        let expected = model.withLock { $0 }.sorted()
        #expect(expected.count > 20_000)
        #expect(shared.names(doctype: "Customer", limit: Int.max) == expected)
        try shared.checkpoint()
        try shared.close()
        store = nil
        let reopened = try openStore(directory)
        defer { try? reopened.close() }
        #expect(reopened.names(doctype: "Customer", limit: Int.max) == expected)
    }
}

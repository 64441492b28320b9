import CrashChildSupport
import DocumentModel
import Foundation
import Site
import SiteStreamJSON
import Synchronization
import Testing

@Suite struct SiteCompactionTests {
    /// What the writers, the reader and the compactor share.
    final class Shared: Sendable {
        /// name → the serialized document last acknowledged for it.
        let expected = Mutex<[String: [UInt8]]>([:])
        let writing = Atomic<Bool>(true)
        let compactions = Atomic<Int>(0)
        let reads = Atomic<Int>(0)
        let problems = Mutex<[String]>([])
    }

    /// Writers insert and update Customers through `site.write` while a reader checks every
    /// acknowledged version is readable and a thread compacts the store over and over. At the
    /// end (and after reopening) every document holds its last acknowledged content.
    @Test func compactingUnderConcurrentWritesAndReadsLosesNothing() async throws {
        let dir = try TemporaryDirectory("compact")
        defer { dir.cleanUp() }
        let site = try await SiteFixture.makeSite(in: dir.url, durability: .interval(milliseconds: 2))
        try await site.write { tx in
            try tx.insert(Document(doctype: "Customer Group", ["customer_group_name": "Commercial"]))
        }
        let shared = Shared()

        let compactor = Thread {
            while shared.writing.load(ordering: .relaxed) {
                do {
                    _ = try site.store.compact()
                    shared.compactions.add(1, ordering: .relaxed)
                } catch {
                    shared.problems.withLock { $0.append("compact: \(error)") }
                }
                // A breath between compactions: back to back, with the reader, they kept both
                // cores busy and starved the writers' tasks for minutes in a full parallel run.
                usleep(2000)
            }
        }
        compactor.start()
        let reader = Thread {
            var random = SystemRandomNumberGenerator()
            while shared.writing.load(ordering: .relaxed) {
                let sample = shared.expected.withLock { $0.randomElement(using: &random) }
                guard let (name, bytes) = sample else {
                    usleep(1000)  // nothing acknowledged yet: do not spin a core away from the writers
                    continue
                }
                do {
                    guard let document = try site.get("Customer", name) else {
                        shared.problems.withLock { $0.append("read: acknowledged \(name) is missing") }
                        continue
                    }
                    let acknowledged = Document(json: try JSON(parsing: bytes))!
                    // A read after the acknowledgement sees that version or a later one.
                    if (document.modified ?? "") < (acknowledged.modified ?? "") {
                        shared.problems.withLock { $0.append("read: \(name) is older than acknowledged") }
                    }
                    shared.reads.add(1, ordering: .relaxed)
                } catch {
                    shared.problems.withLock { $0.append("read \(name): \(error)") }
                }
            }
        }
        reader.start()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for i in 0..<150 {
                        let name = "Writer \(writer) Customer \(i)"
                        let inserted = try await site.write { tx in
                            try tx.insert(Document(doctype: "Customer", ["customer_name": .string(name), "customer_group": "Commercial",
                                                                         "customer_details": .string(String(repeating: "x", count: 200 + i))]))
                        }
                        shared.expected.withLock { $0[name] = inserted.json.serialized() }
                        if i % 3 == 0 {
                            let updated = try await site.write { tx in
                                try tx.update("Customer", name, with: ["customer_details": .string("updated \(i)")])
                            }
                            shared.expected.withLock { $0[name] = updated.json.serialized() }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        // Let compaction run a little past the last write, then stop the helpers.
        _ = CrashChild.waitUntil(seconds: 30) { shared.compactions.load(ordering: .relaxed) >= 3 }
        shared.writing.store(false, ordering: .relaxed)
        while !compactor.isFinished || !reader.isFinished { usleep(1000) }

        #expect(shared.problems.withLock { $0 }.isEmpty, "\(shared.problems.withLock { $0 }.prefix(5))")
        #expect(shared.compactions.load(ordering: .relaxed) >= 3)
        #expect(shared.reads.load(ordering: .relaxed) > 0)
        let final = shared.expected.withLock { $0 }
        #expect(final.count == 600)
        func check(_ site: Site) throws {
            #expect(site.count("Customer") == 600)
            for (name, bytes) in final {
                #expect(try site.get("Customer", name)?.json.serialized() == bytes, "\(name) lost its acknowledged content")
            }
        }
        try check(site)
        _ = try site.store.verify()
        try site.close()
        let reopened = try Site.open(at: SiteLayout(root: dir.url))
        defer { try? reopened.close() }
        try check(reopened)
    }
}

import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming
import Testing

/// Runs of a reply's records share one transaction on the consumer
/// (`StreamConsumer+BatchReplay.swift`); these pin what that must not change.
@Suite("Replaying runs of records in one transaction")
struct BatchReplayTests {
    @Test("the watermark counts every record of a shared transaction, live and when the store is rebuilt from the log")
    func watermarkCountsEveryRecord() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", useSameName: true)])
        try await pair.producerSite.write { tx in
            for i in 0..<600 { try tx.insert(Docs.customer("C\(i)")) }
        }
        let report = try await pair.pull()
        #expect(report.synced == 600)
        let producerID = pair.producerSite.identity.id
        let live = try #require(try pair.consumerSite.streamWatermark(producer: producerID))
        #expect(live.synced == 600 && live.failed == 0)
        #expect(live.sequence == report.producerLastSequence)
        // Fewer stream marks than records: the records did share transactions.
        let marks = try pair.consumerSite.log.read(after: nil, maxEntries: 100_000, maxBytes: 256 << 20).records()
            .filter { String(decoding: $0.annotations, as: UTF8.self).contains("\"stream\"") }
        #expect(marks.count < 600 / 2)

        try pair.consumerSite.close()
        try FileManager.default.removeItem(at: SiteLayout(root: pair.consumerDirectory.url).storeDirectory)
        try pair.reopenConsumer(closing: false)
        #expect(try pair.consumerSite.streamWatermark(producer: producerID) == live)
        #expect(pair.consumerSite.count("Customer") == 600)
    }

    @Test("a record that fails between others of the same reply parks only its document; its neighbours are applied, in order")
    func failureInsideARun() async throws {
        let rule = CustomerRule(), clock = TestClock()
        let pair = try await strictPair(rule, clock: clock)
        defer { pair.close() }
        try await pair.producerSite.write { tx in
            for i in 0..<10 { try tx.insert(Docs.customer("Before \(i)")) }
            var blocked = Docs.customer("Blocked")
            blocked["customer_details"] = "blocked"
            try tx.insert(blocked)
            for i in 0..<10 { try tx.insert(Docs.customer("After \(i)")) }
        }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Before 3", with: ["customer_type": "Individual"]) }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Blocked", with: ["customer_type": "Individual"]) }
        let report = try await pair.pull()
        #expect(report.synced == 21 && report.failed == 2 && report.waiting == 1)
        #expect(pair.consumerSite.count("Customer") == 20)
        #expect(try pair.consumerSite.get("Customer", "Before 3")?["customer_type"]?.stringValue == "Individual")
        #expect(try pair.consumer.syncLog(status: .failed).map(\.remoteName) == ["Blocked"])
        #expect(try pair.consumer.syncLog(status: .waiting).map(\.remoteName) == ["Blocked"])
        let watermark = try #require(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id))
        #expect(watermark.synced == 21 && watermark.failed == 2)
        #expect(watermark.sequence == report.producerLastSequence)
    }

    @Test("records lacking a link target between others of a reply: each target is fetched, every record applied once, in order")
    func missingLinkTargetsInsideRuns() async throws {
        // The pull replays runs without looking up link targets first until one is missing:
        // that record's run is then replayed again without it, and it goes through `replay`.
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", useSameName: true)])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customerGroup("Rare A"))
            try tx.insert(Docs.customerGroup("Rare B"))
        }
        var expected: [String] = []
        try await pair.producerSite.write { tx in
            for i in 0..<40 {
                let group: String? = i == 13 ? "Rare A" : i == 29 ? "Rare B" : nil
                try tx.insert(Docs.customer("C\(i)", group: group))
                expected.append("C\(i)")
            }
        }
        try await pair.producerSite.write { tx in try tx.update("Customer", "C5", with: ["customer_group": "Rare B"]) }
        let report = try await pair.pull()
        #expect(report.synced == 41 && report.failed == 0)
        #expect(pair.consumerSite.exists("Customer Group", "Rare A") && pair.consumerSite.exists("Customer Group", "Rare B"))
        #expect(try pair.consumerSite.get("Customer", "C13")?["customer_group"]?.stringValue == "Rare A")
        #expect(try pair.consumerSite.get("Customer", "C5")?["customer_group"]?.stringValue == "Rare B")
        #expect(try pair.consumer.syncLog(status: .failed).isEmpty)
        // Each producer record is in the consumer's log once, in the producer's order.
        let replayed = try pair.consumerSite.log.read(after: nil, maxEntries: 10_000, maxBytes: 16 << 20).records()
            .filter { $0.doctype == "Customer" }
        #expect(replayed.map(\.docname) == expected + ["C5"])
        #expect(replayed.map { $0.origin?.sequence ?? 0 } == replayed.map { $0.origin?.sequence ?? 0 }.sorted())
    }

    @Test("link targets lacking in some replies and not others (the pull's look-ups before replaying go on and off): every record applied once, in order")
    func missingLinkTargetsAcrossReplies() async throws {
        // Replies of 10 records: the first lacks a target (found by the insert's own check),
        // the second lacks two (found by the look-up before replaying, which the first turned
        // on), the third lacks none (which turns it off), the fourth lacks one again.
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", useSameName: true)])
        let rare = [3: "Rare A", 12: "Rare B", 17: "Rare C", 34: "Rare D"]
        try await pair.producerSite.write { tx in
            for group in rare.values.sorted() { try tx.insert(Docs.customerGroup(group)) }
        }
        var expected: [String] = []
        try await pair.producerSite.write { tx in
            for i in 0..<40 {
                try tx.insert(Docs.customer("C\(i)", group: rare[i]))
                expected.append("C\(i)")
            }
        }
        let report = try await pair.pull(maxEntries: 10)
        #expect(report.synced == 40 && report.failed == 0 && report.batches >= 4)
        for (i, group) in rare {
            #expect(try pair.consumerSite.get("Customer", "C\(i)")?["customer_group"]?.stringValue == group)
        }
        #expect(try pair.consumer.syncLog(status: .failed).isEmpty)
        let replayed = try pair.consumerSite.log.read(after: nil, maxEntries: 10_000, maxBytes: 16 << 20).records()
            .filter { $0.doctype == "Customer" }
        #expect(replayed.map(\.docname) == expected)
        #expect(replayed.map { $0.origin?.sequence ?? 0 } == replayed.map { $0.origin?.sequence ?? 0 }.sorted())
    }

    @Test("a Create and an Update of one document in one reply keep their own origin sequences")
    func twoChangesOfOneDocumentInOneReply() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", useSameName: true)])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Twice")) }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Twice", with: ["customer_type": "Individual"]) }
        // (Not a Delete: the producer drops a document created and deleted within one reply.)
        try await pair.producerSite.write { tx in try tx.update("Customer", "Twice", with: ["customer_details": "again"]) }
        let report = try await pair.pull()
        #expect(report.synced == 3)
        let produced = try pair.producerSite.log.read(after: nil, maxEntries: 1000, maxBytes: 1 << 20).records()
            .filter { $0.doctype == "Customer" && $0.docname == "Twice" }
        let replayed = try pair.consumerSite.log.read(after: nil, maxEntries: 1000, maxBytes: 1 << 20).records()
            .filter { $0.doctype == "Customer" && $0.docname == "Twice" }
        #expect(replayed.map(\.updateType) == [.create, .update, .update])
        #expect(replayed.map { $0.origin?.sequence } == produced.map(\.sequence))
        #expect(replayed.allSatisfy { $0.origin?.site == pair.producerSite.identity.id })
    }
}

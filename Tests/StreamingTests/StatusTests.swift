import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming
import Testing

@Suite("Stream status")
struct StatusTests {
    @Test("lag per DocType in entries, bytes and age of the oldest, checked against a known backlog")
    func lagFigures() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer"), .init("Territory")], approve: false)
        try await pair.producer.approve(consumer: "branch-1", doctypes: ["Customer"])
        try await pair.pull()
        let watermark = try #require(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id))

        // A known backlog: 3 Customer creates and 1 update (approved), 2 Territories (pending),
        // 1 Customer Group (not subscribed).
        try await pair.producerSite.write { tx in
            for i in 0..<3 { try tx.insert(Docs.customer("Lag \(i)")) }
            try tx.insert(Docs.territory("North"))
            try tx.insert(Docs.territory("South"))
            try tx.insert(Docs.customerGroup("Retail"))
        }
        try await pair.producerSite.write { tx in
            var doc = try tx.get("Customer", "Lag 1")!
            doc["tax_id"] = "42"
            try tx.save(doc)
        }
        // The bytes the consumer will be sent, counted by the updates path itself.
        let pending = try pair.producer.updates(consumer: "branch-1", caller: "Administrator", after: watermark.cursor,
                                                maxEntries: 1000, maxBytes: 4 << 20)
        #expect(pending.entries.count == 4)
        let frameBytes = pending.entries.reduce(0) { $0 + $1.frame.count }

        let later = Date().addingTimeInterval(100)
        let lag = try pair.producer.lag(consumer: "branch-1", caller: "Administrator", after: watermark.cursor, now: later)
        let customer = try #require(lag.doctypes.first { $0.doctype == "Customer" })
        let territory = try #require(lag.doctypes.first { $0.doctype == "Territory" })
        #expect(customer.status == .approved && customer.entries == 4 && customer.bytes == frameBytes)
        let age = try #require(customer.oldestAgeSeconds)
        #expect(age >= 100 && age < 100 + 120, "the oldest unapplied entry is about 100 s old at `now`: \(age)")
        #expect(territory.status == .pending && territory.entries == 0 && territory.oldestAgeSeconds == nil,
                "a DocType not approved shows no lag: the consumer may not see its records")
        #expect(lag.complete && !lag.positionGone && lag.lastPull != nil)

        // The consumer's status asks the producer from its watermark: the same figures.
        let status = try await pair.consumer.status(producer: "head-office", client: pair.client)
        #expect(status.lag?.doctypes.first { $0.doctype == "Customer" }?.entries == 4)
        #expect(status.lag?.doctypes.first { $0.doctype == "Customer" }?.bytes == frameBytes)

        // The producer's own status counts from the consumer's last position (it asked after
        // the watermark above, so the same backlog).
        let view = try pair.producer.status().json
        let row = view["consumers"]?[0]?["doctypes"]?.arrayValue?.first { $0["ref_doctype"] == "Customer" }
        #expect(row?["lag_entries"] == 4)
        #expect(row?["lag_bytes"]?.intValue == Int64(frameBytes))

        try await pair.pull()
        let after = try await pair.consumer.status(producer: "head-office", client: pair.client)
        let caughtUp = try #require(after.lag?.doctypes.first { $0.doctype == "Customer" })
        #expect(caughtUp.entries == 0 && caughtUp.bytes == 0 && caughtUp.oldestAgeSeconds == nil)
    }

    @Test("parked and failed counts per DocType")
    func parkedAndFailed() async throws {
        let rule = CustomerRule(), clock = TestClock()
        let pair = try await strictPair(rule, clock: clock)
        defer { pair.close() }
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Fine"))
            var blocked = Docs.customer("Blocked")
            blocked["customer_details"] = "blocked"
            try tx.insert(blocked)
        }
        try await pair.pull()
        try await pair.producerSite.write { tx in
            var doc = try tx.get("Customer", "Blocked")!
            doc["tax_id"] = "1"
            try tx.save(doc)
        }
        try await pair.pull()
        let status = try await pair.consumer.status(producer: "head-office", client: pair.client)
        #expect(status.parkedByDocType["Customer"] == 1, "one document parked")
        #expect(status.failedByDocType["Customer"] == 1, "one Failed entry (its update waits behind it)")
        #expect(status.watermark?.failed == 2)
        #expect(status.lag?.doctypes.first?.entries == 0)

        // What a served site answers for `producer status`: read back, it is the same status.
        let decoded = try StreamConsumer.ProducerStatus(json: status.json)
        #expect(decoded == status)
        #expect(throws: StreamError.self) { try StreamConsumer.ProducerStatus(json: ["producer": "x"]) }
    }
}

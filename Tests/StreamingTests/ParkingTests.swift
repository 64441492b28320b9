import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming
import Synchronization
import Testing

/// A consumer-only rule: while it is in force, a Customer whose `customer_details` says
/// "blocked" is refused by the consumer's controller (the producer has no such rule).
final class CustomerRule: Sendable {
    let inForce = Atomic<Bool>(true)
    func lift() { inForce.store(false, ordering: .sequentiallyConsistent) }
}

struct StrictCustomerController: DocumentController {
    let rule: CustomerRule
    func validate(_ document: inout Document, in transaction: SiteTransaction) throws {
        if rule.inForce.load(ordering: .sequentiallyConsistent), document["customer_details"]?.stringValue == "blocked" {
            throw SiteError(.validation, "branch rule: Customer \(document.name ?? "?") is blocked here", doctype: "Customer", docname: document.name)
        }
    }
}

/// A clock the test moves by hand.
final class TestClock: Sendable {
    let seconds = Mutex<Double>(1_800_000_000)
    var now: @Sendable () -> Date { { Date(timeIntervalSince1970: self.seconds.withLock { $0 }) } }
    func advance(_ by: Double) { seconds.withLock { $0 += by } }
}

/// Builds a pair whose consumer refuses blocked Customers and runs on `clock`.
func strictPair(_ rule: CustomerRule, clock: TestClock, policy: RetryPolicy = RetryPolicy()) async throws -> StreamPair {
    var controllers = ControllerRegistry()
    controllers.register(StrictCustomerController(rule: rule), for: "Customer")
    let pair = try await StreamPair(consumerControllers: controllers)
    pair.consumer = StreamConsumer(site: pair.consumerSite, retryPolicy: policy, now: clock.now)
    try await pair.subscribe([.init("Customer")])
    return pair
}

/// The consumer's own log entries for one document, in order.
func consumerEntries(_ pair: StreamPair, _ doctype: String, _ name: String) throws -> [UpdateType] {
    try pair.consumerSite.log.read(after: nil, maxEntries: 100_000, maxBytes: 256 << 20).records()
        .filter { $0.doctype == doctype && $0.docname == name }.map(\.updateType)
}

@Suite("Parking, retries and resync")
struct ParkingTests {
    @Test("a refused update parks its document; its later updates wait in order while 1,000 others flow; resync applies them")
    func parkedWhileOthersFlow() async throws {
        let rule = CustomerRule(), clock = TestClock()
        let pair = try await strictPair(rule, clock: clock)
        defer { pair.close() }
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Stuck")) }
        #expect(try await pair.pull().synced == 1)

        // The first update is refused on the consumer; the second would pass alone, but must
        // not overtake the first.
        try await pair.producerSite.write { tx in try tx.update("Customer", "Stuck", with: ["customer_details": "blocked"]) }
        try await pair.producerSite.write { tx in
            for i in 0..<500 { try tx.insert(Docs.customer("Flow \(i)")) }
        }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Stuck", with: ["customer_details": "fine again"]) }
        try await pair.producerSite.write { tx in
            for i in 500..<1000 { try tx.insert(Docs.customer("Flow \(i)")) }
        }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Stuck", with: ["customer_type": "Individual"]) }

        let report = try await pair.pull(maxEntries: 100)
        #expect(report.synced == 1000)
        #expect(report.failed == 3 && report.waiting == 2)  // one Failed, two Waiting
        #expect(try pair.consumer.status(producer: "head-office").parkedDocuments == 1)
        #expect(pair.consumerSite.count("Customer") == 1001)
        // The consumer's copy is the one before the refused update: nothing was applied out of order.
        let stuck = try #require(try pair.consumerSite.get("Customer", "Stuck"))
        #expect(stuck["customer_details"]?.stringValue != "fine again")
        #expect(stuck["customer_type"]?.stringValue == "Company")
        // The watermark moved past everything.
        let watermark = try #require(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id))
        #expect(watermark.sequence == report.producerLastSequence)

        let failed = try pair.consumer.syncLog(status: .failed)
        #expect(failed.count == 1)
        let head = try #require(failed.first)
        #expect(head.producer == "head-office")
        #expect(head.doctype == "Customer" && head.remoteName == "Stuck" && head.localName == "Stuck")
        #expect(head.updateType == "Update")
        #expect(head.error?.contains("blocked here") == true)
        #expect(head.data.contains("blocked"))
        #expect(head.attempts == 0)
        #expect(head.nextRetry == clock.now().addingTimeInterval(5))
        let waiting = try pair.consumer.syncLog(status: .waiting)
        #expect(waiting.count == 2)
        #expect(waiting.map(\.remoteName) == ["Stuck", "Stuck"])
        #expect(waiting.map(\.sequence) == waiting.map(\.sequence).sorted())
        #expect(waiting.allSatisfy { $0.sequence > head.sequence })
        // Successes are counted, never given a sync-log document.
        #expect(pair.consumerSite.count("Event Sync Log") == 3)

        // A pull before the retry is due changes nothing.
        let quiet = try await pair.pull()
        #expect(quiet.retries.documents == 0)
        #expect(try pair.consumer.syncLog(status: .failed).count == 1)

        // An explicit resync while the cause stands fails again, keeping everything parked.
        let again = try await pair.consumer.resyncFailed(producer: "head-office", client: pair.client)
        #expect(again.released == 0 && again.failures.count == 1)
        #expect(try pair.consumer.syncLog(status: .failed).first?.attempts == 1)
        #expect(try pair.consumer.syncLog(status: .waiting).count == 2)

        rule.lift()
        let fixed = try await pair.consumer.resyncFailed(producer: "head-office", client: pair.client)
        #expect(fixed.documents == 1 && fixed.released == 1 && fixed.synced == 3)
        #expect(fixed.failures.isEmpty)
        #expect(replicatedFields(try pair.consumerSite.get("Customer", "Stuck")) == replicatedFields(try pair.producerSite.get("Customer", "Stuck")))
        #expect(try consumerEntries(pair, "Customer", "Stuck") == [.create, .update, .update, .update])
        #expect(try pair.consumer.syncLog(status: .synced).count == 3)
        #expect(try pair.consumer.syncLog(status: .failed).isEmpty)
        #expect(try pair.consumer.syncLog(status: .waiting).isEmpty)
        #expect(try pair.consumer.status(producer: "head-office").parkedDocuments == 0)

        // Released: its next update flows normally.
        try await pair.producerSite.write { tx in try tx.update("Customer", "Stuck", with: ["customer_details": "later"]) }
        #expect(try await pair.pull().synced == 1)
        #expect(try pair.consumerSite.get("Customer", "Stuck")?["customer_details"]?.stringValue == "later")
    }

    @Test("a parked document is retried with backoff at the start of pulls and released once its cause is gone")
    func automaticRetries() async throws {
        let rule = CustomerRule(), clock = TestClock()
        let pair = try await strictPair(rule, clock: clock)
        defer { pair.close() }
        var blocked = Docs.customer("Later")
        blocked["customer_details"] = "blocked"
        try await pair.producerSite.write { tx in try tx.insert(blocked) }
        #expect(try await pair.pull().failed == 1)
        try await pair.producerSite.write { tx in try tx.update("Customer", "Later", with: ["customer_type": "Individual"]) }

        clock.advance(4)
        var report = try await pair.pull()
        #expect(report.retries.documents == 0)
        #expect(report.failed == 1)  // the update waits
        #expect(!pair.consumerSite.exists("Customer", "Later"))

        clock.advance(2)  // 6 s after the failure: the first retry (due at 5 s) runs and fails
        report = try await pair.pull()
        #expect(report.retries.documents == 1 && report.retries.released == 0)
        let head = try #require(try pair.consumer.syncLog(status: .failed).first)
        #expect(head.attempts == 1)
        #expect(head.nextRetry == clock.now().addingTimeInterval(10))

        rule.lift()  // the transient cause goes away
        clock.advance(9)
        #expect(try await pair.pull().retries.documents == 0)  // not due yet
        #expect(!pair.consumerSite.exists("Customer", "Later"))
        clock.advance(1)
        report = try await pair.pull()
        #expect(report.retries.released == 1 && report.retries.synced == 2)
        #expect(replicatedFields(try pair.consumerSite.get("Customer", "Later")) == replicatedFields(try pair.producerSite.get("Customer", "Later")))
        #expect(try pair.consumer.syncLog(status: .synced).count == 2)
        #expect(try consumerEntries(pair, "Customer", "Later") == [.create, .update])
    }

    @Test("after the retries run out, a parked document waits for an explicit resync by id")
    func retriesRunOut() async throws {
        let rule = CustomerRule(), clock = TestClock()
        let pair = try await strictPair(rule, clock: clock, policy: RetryPolicy(firstDelay: 1, maxAttempts: 2))
        defer { pair.close() }
        var blocked = Docs.customer("Obstinate")
        blocked["customer_details"] = "blocked"
        try await pair.producerSite.write { tx in try tx.insert(blocked) }
        try await pair.pull()
        for _ in 0..<2 {
            clock.advance(3600)
            #expect(try await pair.pull().retries.documents == 1)
        }
        let head = try #require(try pair.consumer.syncLog(status: .failed).first)
        #expect(head.attempts == 2)
        #expect(head.nextRetry == nil)
        clock.advance(86_400)
        #expect(try await pair.pull().retries.documents == 0)

        rule.lift()
        clock.advance(86_400)
        #expect(try await pair.pull().retries.documents == 0)  // still only an explicit resync
        let report = try await pair.consumer.resync(producer: "head-office", ids: [head.id], client: pair.client)
        #expect(report.released == 1)
        #expect(pair.consumerSite.exists("Customer", "Obstinate"))
        await #expect(throws: StreamError.self) {
            try await pair.consumer.resync(producer: "head-office", ids: ["no-such-entry"], client: pair.client)
        }
    }

    @Test("a restart keeps the parked state: updates arriving after it still wait, and resync applies them in order")
    func parkedAcrossRestart() async throws {
        let rule = CustomerRule(), clock = TestClock()
        let pair = try await strictPair(rule, clock: clock)
        defer { pair.close() }
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Durable")) }
        try await pair.pull()
        try await pair.producerSite.write { tx in try tx.update("Customer", "Durable", with: ["customer_details": "blocked"]) }
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Other A")) }
        try await pair.pull()
        let failedID = try #require(try pair.consumer.syncLog(status: .failed).first?.id)

        try pair.reopenConsumer()
        pair.consumer = StreamConsumer(site: pair.consumerSite, now: clock.now)
        #expect(try pair.consumer.syncLog(status: .failed).map(\.id) == [failedID])

        try await pair.producerSite.write { tx in try tx.update("Customer", "Durable", with: ["customer_details": "fine"]) }
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Other B")) }
        let report = try await pair.pull()
        #expect(report.synced == 1 && report.failed == 1 && report.waiting == 1)
        #expect(pair.consumerSite.exists("Customer", "Other B"))
        #expect(try pair.consumerSite.get("Customer", "Durable")?["customer_details"]?.stringValue != "fine")
        #expect(try pair.consumer.syncLog(status: .waiting).count == 1)

        rule.lift()
        let resync = try await pair.consumer.resync(producer: "head-office", ids: [failedID], client: pair.client)
        #expect(resync.released == 1 && resync.synced == 2)
        #expect(replicatedFields(try pair.consumerSite.get("Customer", "Durable")) == replicatedFields(try pair.producerSite.get("Customer", "Durable")))
        #expect(try consumerEntries(pair, "Customer", "Durable") == [.create, .update, .update])
    }
}

import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming
import Testing

/// Offline catch-up (issue 9): bundles exported on the producer, carried, verified and
/// replayed on the consumer; copied raw segments; every refusal with its own message and
/// nothing applied.
@Suite("Offline bundles: export, verify, import", .serialized)
struct BundleTests {
    /// A pair subscribed to Customer and Sales Invoice (approved) whose producer then writes
    /// `customers` customers in groups created after the subscription (so the consumer lacks
    /// them: they travel as dependency documents) and one invoice per customer.
    static func makePair(customers: Int = 6, segmentBytes: Int? = nil) async throws -> StreamPair {
        let pair = try await StreamPair(producerSegmentBytes: segmentBytes)
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.itemGroup("Tools"))
            try tx.insert(Docs.item("HAMMER", group: "Tools"))
        }
        try await pair.subscribe([.init("Customer"), .init("Sales Invoice")])
        try await pair.producerSite.write { tx in
            for g in 0..<2 { try tx.insert(Docs.customerGroup("Group \(g)")) }
        }
        try await writeCustomers(pair, 0..<customers)
        return pair
    }

    static func writeCustomers(_ pair: StreamPair, _ range: Range<Int>) async throws {
        for i in range {
            try await pair.producerSite.write { tx in
                try tx.insert(Docs.customer("Cust \(i)", group: "Group \(i % 2)"))
                try tx.insert(Docs.invoice(customer: "Cust \(i)", items: [("HAMMER", 1, 10)]))
            }
        }
    }

    static func export(_ pair: StreamPair, _ label: String, from: LogCursor? = nil, through: LogCursor? = nil,
                       fileBytes: Int = StreamProducer.bundleFileBytes) throws -> (TemporaryDirectory, String, StreamProducer.ExportReport) {
        let holder = try TemporaryDirectory("bundle-\(label)")
        let path = holder.url.appendingPathComponent("bundle").path
        let report = try pair.producer.exportBundle(consumer: "branch-1", to: path, from: from, through: through, fileBytes: fileBytes)
        return (holder, path, report)
    }

    /// A copy of the bundle at `path` to tamper with.
    static func copy(_ path: String, _ label: String) throws -> (TemporaryDirectory, String) {
        let holder = try TemporaryDirectory("copy-\(label)")
        let target = holder.url.appendingPathComponent("bundle").path
        try FileManager.default.copyItem(atPath: path, toPath: target)
        return (holder, target)
    }

    static func customerNames(_ site: Site) throws -> [String] {
        try site.list("Customer", limit: Int.max).compactMap(\.name).sorted()
    }

    @Test func roundTripThenBackOnlineWithNoGapAndNoDuplicate() async throws {
        let pair = try await Self.makePair()
        defer { pair.close() }
        let (holder, path, exported) = try Self.export(pair, "round-trip", fileBytes: 2048)
        defer { holder.cleanUp() }
        #expect(exported.manifest.entries == 12)
        #expect(exported.manifest.records.count > 1, "small files roll over")
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
        // The documents the records link to travel, but not those the bundle creates before
        // linking to them (the invoices' customers).
        let carried = try String(contentsOfFile: path + "/" + StreamProducer.documentsFile, encoding: .utf8)
            .split(separator: "\n").compactMap { try JSON(parsing: Array($0.utf8)).objectValue?["doctype"]?.stringValue }
        #expect(carried.filter { $0 == "Customer Group" }.count == 2, "\(carried)")
        #expect(carried.contains("Item"), "\(carried)")
        #expect(!carried.contains("Customer") && !carried.contains("Sales Invoice"), "\(carried)")
        // Nothing reached the consumer yet: no network was used.
        #expect(try Self.customerNames(pair.consumerSite).isEmpty)

        let report = try await pair.consumer.importBundle(at: path)
        #expect(report.kind == .bundle)
        #expect(report.verified == 12)
        #expect(report.pull.synced == 12)
        #expect(report.pull.failed == 0)
        #expect(try Self.customerNames(pair.consumerSite) == (0..<6).map { "Cust \($0)" }.sorted())
        // The customer groups and the item travelled as dependency documents.
        #expect(pair.consumerSite.exists("Customer Group", "Group 1"))
        #expect(pair.consumerSite.exists("Item", "HAMMER"))
        for theirs in try pair.producerSite.list("Sales Invoice", limit: Int.max) {
            #expect(replicatedFields(try pair.consumerSite.get("Sales Invoice", theirs.name!)) == replicatedFields(theirs))
        }
        let watermark = try #require(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id))
        #expect(watermark.cursor == exported.manifest.to)

        // Back online: a pull brings nothing twice, then exactly what came after.
        let nothing = try await pair.pull()
        #expect(nothing.received == 0)
        try await Self.writeCustomers(pair, 6..<9)
        let rest = try await pair.pull()
        #expect(rest.received == 6)
        #expect(rest.synced == 6)
        #expect(try Self.customerNames(pair.consumerSite).count == 9)
        #expect(try pair.consumerSite.list("Sales Invoice", limit: Int.max).count == 9)
    }

    @Test func importingTwiceChangesNothingTheSecondTime() async throws {
        let pair = try await Self.makePair()
        defer { pair.close() }
        let (holder, path, _) = try Self.export(pair, "twice")
        defer { holder.cleanUp() }
        _ = try await pair.consumer.importBundle(at: path)
        let end = pair.consumerSite.log.lastSequence
        let again = try await pair.consumer.importBundle(at: path)
        #expect(again.pull.received == 0)
        #expect(again.pull.synced == 0)
        #expect(pair.consumerSite.log.lastSequence == end, "the second import wrote something")
        // Even on a fresh consumer object (nothing remembered in memory), after a reopen.
        try pair.reopenConsumer()
        let third = try await pair.consumer.importBundle(at: path)
        #expect(third.pull.synced == 0)
        #expect(pair.consumerSite.log.lastSequence == end)
    }

    @Test func overlappingBundlesApplyEachRecordOnce() async throws {
        let pair = try await Self.makePair(customers: 3)
        defer { pair.close() }
        let middle = pair.producerSite.log.durableEndCursor
        try await Self.writeCustomers(pair, 3..<6)
        let (h1, first, r1) = try Self.export(pair, "first", through: middle)
        let (h2, whole, r2) = try Self.export(pair, "whole")
        defer { h1.cleanUp(); h2.cleanUp() }
        #expect(r1.manifest.entries == 6)
        #expect(r2.manifest.entries == 12)
        let a = try await pair.consumer.importBundle(at: first)
        #expect(a.pull.synced == 6)
        let b = try await pair.consumer.importBundle(at: whole)
        #expect(b.pull.received == 6, "only what the first bundle lacked")
        #expect(b.pull.synced == 6)
        let end = pair.consumerSite.log.lastSequence
        let c = try await pair.consumer.importBundle(at: first)
        #expect(c.pull.synced == 0)
        #expect(pair.consumerSite.log.lastSequence == end)
        #expect(try Self.customerNames(pair.consumerSite).count == 6)
        #expect(try pair.consumerSite.list("Sales Invoice", limit: Int.max).count == 6)
    }

    /// Each damaged or foreign bundle is refused with its own message, and nothing of it is
    /// applied: the consumer's log and watermark do not move.
    @Test func everyBadBundleIsRefusedWithItsOwnMessageAndNothingApplied() async throws {
        let pair = try await Self.makePair()
        defer { pair.close() }
        let (holder, path, exported) = try Self.export(pair, "good")
        defer { holder.cleanUp() }
        let recordsFile = exported.manifest.records[0].name
        var messages: [String: String] = [:]

        func expectRefused(_ label: String, _ bundle: String, _ fragment: String) async throws {
            let before = pair.consumerSite.log.lastSequence
            let watermark = try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id)
            do {
                _ = try await pair.consumer.importBundle(at: bundle)
                Issue.record("\(label): the bundle was accepted")
            } catch let error as StreamError {
                #expect(error.message.contains(fragment), "\(label): \(error.message)")
                messages[label] = error.message
            }
            #expect(pair.consumerSite.log.lastSequence == before, "\(label): something was written")
            #expect(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id) == watermark)
            #expect(try Self.customerNames(pair.consumerSite).isEmpty, "\(label): a customer was applied")
        }

        do { // an altered manifest
            let (h, p) = try Self.copy(path, "manifest")
            defer { h.cleanUp() }
            let file = p + "/manifest.json"
            var manifest = try #require(try JSON(parsing: Array(Data(contentsOf: URL(fileURLWithPath: file)))).objectValue)
            #expect(manifest["entries"]?.intValue == 12)
            manifest["entries"] = 11
            try Data(JSON.object(manifest).serialized(pretty: true)).write(to: URL(fileURLWithPath: file))
            try await expectRefused("manifest", p, "signature does not match")
        }
        do { // one byte of a records file
            let (h, p) = try Self.copy(path, "byte")
            defer { h.cleanUp() }
            let file = p + "/" + recordsFile
            var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            bytes[bytes.count / 2] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: file))
            try await expectRefused("byte", p, "fails its checksum")
        }
        do { // a missing file
            let (h, p) = try Self.copy(path, "missing")
            defer { h.cleanUp() }
            try FileManager.default.removeItem(atPath: p + "/" + StreamProducer.documentsFile)
            try await expectRefused("missing", p, "listed in the manifest but missing")
        }
        do { // an extra file
            let (h, p) = try Self.copy(path, "extra")
            defer { h.cleanUp() }
            try Data("hello".utf8).write(to: URL(fileURLWithPath: p + "/extra.records"))
            try await expectRefused("extra", p, "extra.records is not listed in the manifest")
        }
        do { // a truncated file
            let (h, p) = try Self.copy(path, "truncated")
            defer { h.cleanUp() }
            let file = p + "/" + recordsFile
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            try bytes.prefix(bytes.count - 7).write(to: URL(fileURLWithPath: file))
            try await expectRefused("truncated", p, "truncated")
        }
        do { // a bundle for another consumer
            let other = try TemporaryDirectory("other-consumer")
            defer { other.cleanUp() }
            let otherSite = try await StreamPair.makeSite(other.url, name: "branch-2", controllers: ControllerRegistry())
            defer { try? otherSite.close() }
            try await StreamConsumer(site: otherSite).subscribe(
                Subscription(producerURL: "local", apiKey: "k", apiSecret: "s", doctypes: [.init("Customer")]), client: pair.client)
            try await pair.producer.approve(consumer: "branch-2", doctypes: ["Customer"])
            let h = try TemporaryDirectory("bundle-other")
            defer { h.cleanUp() }
            let p = h.url.appendingPathComponent("bundle").path
            _ = try pair.producer.exportBundle(consumer: "branch-2", to: p)
            try await expectRefused("consumer", p, "exported for consumer branch-2")
        }
        do { // a bundle from a producer this site does not follow
            let other = try TemporaryDirectory("other-producer")
            defer { other.cleanUp() }
            let otherSite = try await StreamPair.makeSite(other.url, name: "elsewhere", controllers: ControllerRegistry())
            defer { try? otherSite.close() }
            let otherProducer = StreamProducer(site: otherSite)
            _ = try await otherProducer.register(RegisterRequest(
                consumerName: "branch-1", consumerID: pair.consumerSite.identity.id, callbackURL: nil, notifyToken: "t",
                doctypes: [DocTypeRegistration(doctype: "Customer Group")]), caller: "Administrator")
            try await otherProducer.approve(consumer: "branch-1", doctypes: ["Customer Group"])
            try await otherSite.write { tx in try tx.insert(Docs.customerGroup("Far")) }
            let h = try TemporaryDirectory("bundle-elsewhere")
            defer { h.cleanUp() }
            let p = h.url.appendingPathComponent("bundle").path
            _ = try otherProducer.exportBundle(consumer: "branch-1", to: p)
            try await expectRefused("producer", p, "comes from producer elsewhere")
        }
        do { // a gap: the bundle starts after what the consumer has
            let later = pair.producerSite.log.durableEndCursor
            try await Self.writeCustomers(pair, 6..<8)
            let (h, p, _) = try Self.export(pair, "gap", from: later)
            defer { h.cleanUp() }
            try await expectRefused("gap", p, "would be missing")
        }
        #expect(Set(messages.values).count == messages.count, "two refusals share a message: \(messages)")
        for label in messages.keys.sorted() { print("refused (\(label)): \(messages[label]!)") }
        #expect(messages.count == 8)
        // And the good bundle still imports.
        let report = try await pair.consumer.importBundle(at: path)
        #expect(report.pull.synced == 12)
    }

    /// The producer's sealed segment files, copied by an administrator, hold everything; the
    /// consumer applies only its approved DocTypes (as it knows them) and then goes online
    /// for the rest.
    @Test func copiedSegmentsApplyOnlyWhatTheSubscriptionTakes() async throws {
        let pair = try await StreamPair(producerSegmentBytes: 4096)
        defer { pair.close() }
        try await pair.subscribe([.init("Customer Group"), .init("Territory")], approve: false)
        try await pair.producer.approve(consumer: "branch-1", doctypes: ["Customer Group"])
        _ = try await pair.pull() // learns the approval: Customer Group approved, Territory pending
        for i in 0..<40 {
            try await pair.producerSite.write { tx in
                try tx.insert(Docs.customerGroup("Group \(i)"))
                try tx.insert(Docs.territory("Territory \(i)"))
                try tx.insert(Docs.customer("Cust \(i)", group: "Group \(i)"))
            }
        }
        let copied = try TemporaryDirectory("segments")
        defer { copied.cleanUp() }
        let logDirectory = pair.producerSite.layout.logDirectory.path
        let segments = try FileManager.default.contentsOfDirectory(atPath: logDirectory).filter { $0.hasSuffix(".log") }.sorted()
        #expect(segments.count > 3)
        for name in segments.dropLast() {  // sealed ones only: the active one is still being written
            try FileManager.default.copyItem(atPath: logDirectory + "/" + name, toPath: copied.url.appendingPathComponent(name).path)
        }
        // One flipped byte in a copied segment is refused, naming the place; nothing applied.
        do {
            let damaged = try TemporaryDirectory("segments-damaged")
            defer { damaged.cleanUp() }
            for name in segments.dropLast() {
                try FileManager.default.copyItem(atPath: logDirectory + "/" + name, toPath: damaged.url.appendingPathComponent(name).path)
            }
            let victim = damaged.url.appendingPathComponent(segments[1])
            var bytes = try Data(contentsOf: victim)
            bytes[bytes.count - 20] ^= 0x40
            try bytes.write(to: victim)
            let before = pair.consumerSite.log.lastSequence
            await #expect(throws: StreamError.self) { _ = try await pair.consumer.importBundle(at: damaged.url.path) }
            do { _ = try await pair.consumer.importBundle(at: damaged.url.path) } catch let error as StreamError {
                #expect(error.message.contains(segments[1]), "\(error.message)")
            }
            #expect(pair.consumerSite.log.lastSequence == before)
        }
        let report = try await pair.consumer.importBundle(at: copied.url.path)
        #expect(report.kind == .segments)
        #expect(report.pull.failed == 0)
        let groups = try pair.consumerSite.list("Customer Group", limit: Int.max).count
        #expect(groups > 0 && groups == report.pull.synced)
        #expect(try pair.consumerSite.list("Territory", limit: Int.max).isEmpty, "Territory is not approved")
        #expect(try pair.consumerSite.list("Customer", limit: Int.max).isEmpty, "Customer is not subscribed")
        // Online again: the rest, nothing twice.
        let rest = try await pair.pull()
        #expect(rest.failed == 0)
        #expect(try pair.consumerSite.list("Customer Group", limit: Int.max).count == 40)
        #expect(groups + rest.synced == 40)
        let again = try await pair.consumer.importBundle(at: copied.url.path)
        #expect(again.pull.synced == 0)
    }

    /// The signing key comes with the register reply, is kept only in each site's
    /// `stream-bundle-keys.json` (owner-only), never in a streaming record, and registering
    /// again keeps it (bundles already carried stay valid).
    @Test func theBundleKeyTravelsOnlyInTheRegisterReply() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer")])
        func keys(_ site: Site) throws -> JSONObject {
            let file = site.layout.root.appendingPathComponent("stream-bundle-keys.json").path
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            return try #require(try JSON(parsing: Array(Data(contentsOf: URL(fileURLWithPath: file)))).objectValue)
        }
        let given = try #require(try keys(pair.producerSite)["consumers"]?[pair.consumerSite.identity.id]?.stringValue)
        let kept = try #require(try keys(pair.consumerSite)["producers"]?[pair.producerSite.identity.id]?.stringValue)
        #expect(given == kept)
        #expect(given.count == 64)
        let consumerRecord = try #require(try pair.producerSite.get("Event Consumer", "branch-1"))
        let producerRecord = try #require(try pair.consumerSite.get("Event Producer", "head-office"))
        for document in [consumerRecord, producerRecord] {
            #expect(!JSON.object(document.object).serializedString().contains(given), "the key is in a \(document.doctype) document")
        }
        let reply = try await pair.client.register(RegisterRequest(
            consumerName: "branch-1", consumerID: pair.consumerSite.identity.id, callbackURL: nil, notifyToken: "t",
            doctypes: [DocTypeRegistration(doctype: "Customer")]))
        #expect(reply.bundleKey == given)
    }

    /// Copied segments with a condition on the consumer's row: only the documents that pass
    /// it are applied (and their later updates); an export for the same subscription holds
    /// exactly the records the producer's own filter lets through.
    @Test func copiedSegmentsApplyTheRowsCondition() async throws {
        let pair = try await StreamPair(producerSegmentBytes: 4096)
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", condition: "doc.customer_type == \"Individual\"")])
        _ = try await pair.pull()  // learns the approval
        for i in 0..<30 {
            try await pair.producerSite.write { tx in
                try tx.insert(Document(doctype: "Customer", ["customer_name": .string("Person \(i)"), "customer_type": "Individual"]))
                try tx.insert(Document(doctype: "Customer", ["customer_name": .string("Firm \(i)"), "customer_type": "Company"]))
            }
            try await pair.producerSite.write { tx in
                try tx.update("Customer", "Person \(i)", with: ["customer_details": .string("updated \(i)")])
                try tx.update("Customer", "Firm \(i)", with: ["customer_details": .string("updated \(i)")])
            }
        }
        let copied = try TemporaryDirectory("segments-condition")
        defer { copied.cleanUp() }
        let logDirectory = pair.producerSite.layout.logDirectory.path
        let segments = try FileManager.default.contentsOfDirectory(atPath: logDirectory).filter { $0.hasSuffix(".log") }.sorted()
        for name in segments.dropLast() {
            try FileManager.default.copyItem(atPath: logDirectory + "/" + name, toPath: copied.url.appendingPathComponent(name).path)
        }
        let report = try await pair.consumer.importBundle(at: copied.url.path)
        #expect(report.pull.failed == 0)
        let customers = try pair.consumerSite.list("Customer", limit: Int.max)
        #expect(!customers.isEmpty)
        #expect(customers.allSatisfy { $0["customer_type"]?.stringValue == "Individual" })
        for customer in customers {
            let theirs = try pair.producerSite.get("Customer", customer.name!)
            // Applied up to where the copy ends: the update too, unless it lies in the active segment.
            if customer["customer_details"] != nil { #expect(customer["customer_details"] == theirs?["customer_details"]) }
        }
        #expect(customers.contains { $0["customer_details"] != nil }, "no update was applied")

        let (holder, _, exported) = try Self.export(pair, "condition")
        defer { holder.cleanUp() }
        #expect(exported.manifest.entries == 60, "30 Individual Creates and their 30 Updates")
    }
}

import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming
import Synchronization

/// A fresh directory under the system's temporary directory, removed by `cleanUp()`.
struct TemporaryDirectory {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("sitestream-stream-\(label)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}

/// Two real sites in one process: a producer and a consumer connected through a
/// `LocalProducerClient`, which carries every message as its wire bytes.
final class StreamPair: @unchecked Sendable {
    // @unchecked: the test owns the pair and uses it from one task at a time.
    let producerDirectory: TemporaryDirectory
    let consumerDirectory: TemporaryDirectory
    let producerSite: Site
    var consumerSite: Site
    let producer: StreamProducer
    var consumer: StreamConsumer
    var client: LocalProducerClient
    let consumerControllers: ControllerRegistry

    init(consumerControllers: ControllerRegistry = ControllerRegistry(), producerName: String = "head-office",
         consumerName: String = "branch-1", producerSegmentBytes: Int? = nil,
         conditionFunctions: ConditionFunctions = ConditionFunctions()) async throws {
        producerDirectory = try TemporaryDirectory("producer")
        consumerDirectory = try TemporaryDirectory("consumer")
        self.consumerControllers = consumerControllers
        // The producer's log deflates large payloads (not a site's default), so what the
        // consumer receives holds deflated frames as well as plain ones.
        producerSite = try await Self.makeSite(producerDirectory.url, name: producerName, controllers: ControllerRegistry(),
                                               segmentBytes: producerSegmentBytes, logCompressAbove: 4096)
        consumerSite = try await Self.makeSite(consumerDirectory.url, name: consumerName, controllers: consumerControllers)
        producer = StreamProducer(site: producerSite, conditionFunctions: conditionFunctions)
        consumer = StreamConsumer(site: consumerSite)
        client = LocalProducerClient(producer: producer)
    }

    /// `logCompressAbove`: the site's `log_compress_above` (the default when nil).
    static func makeSite(_ directory: URL, name: String, controllers: ControllerRegistry, segmentBytes: Int? = nil,
                         logCompressAbove: Int? = nil) async throws -> Site {
        let layout = SiteLayout(root: directory)
        var settings = SiteSettings()
        settings.durability = .none
        if let segmentBytes { settings.segmentBytes = segmentBytes }
        if let logCompressAbove { settings.logCompressAbove = logCompressAbove }
        try await Site.create(at: layout, name: name, url: "http://\(name).test", settings: settings)
        return try Site.open(at: layout, controllers: controllers)
    }

    /// Subscribes the consumer to `doctypes` and (unless `approve` is false) approves them all.
    @discardableResult
    func subscribe(_ doctypes: [Subscription.DocTypeOptions], approve: Bool = true) async throws -> StreamConsumer.ProducerStatus {
        let status = try await consumer.subscribe(
            Subscription(producerURL: "http://head-office.test", apiKey: "key", apiSecret: "secret", doctypes: doctypes), client: client)
        if approve {
            try await producer.approve(consumer: consumerSite.identity.name, doctypes: doctypes.map(\.doctype))
        }
        return status
    }

    @discardableResult
    func pull(maxEntries: Int = 1000, maxBytes: Int = 4 << 20) async throws -> StreamConsumer.PullReport {
        try await consumer.pull(producer: producerSite.identity.name, client: client, maxEntries: maxEntries, maxBytes: maxBytes)
    }

    /// Closes and reopens the consumer site (as after a restart).
    func reopenConsumer(closing: Bool = true) throws {
        if closing { try consumerSite.close() }
        consumerSite = try Site.open(at: SiteLayout(root: consumerDirectory.url), controllers: consumerControllers)
        consumer = StreamConsumer(site: consumerSite)
    }

    func close() {
        try? producerSite.close()
        try? consumerSite.close()
        producerDirectory.cleanUp()
        consumerDirectory.cleanUp()
    }
}

/// Small valid ERP documents.
enum Docs {
    static func customerGroup(_ name: String) -> Document {
        Document(doctype: "Customer Group", ["customer_group_name": .string(name)])
    }

    static func territory(_ name: String) -> Document {
        Document(doctype: "Territory", ["territory_name": .string(name)])
    }

    static func customer(_ name: String, group: String? = nil, territory: String? = nil) -> Document {
        var fields: JSONObject = ["customer_name": .string(name), "customer_type": "Company"]
        if let group { fields["customer_group"] = .string(group) }
        if let territory { fields["territory"] = .string(territory) }
        return Document(doctype: "Customer", fields)
    }

    static func itemGroup(_ name: String) -> Document {
        Document(doctype: "Item Group", ["item_group_name": .string(name)])
    }

    static func item(_ code: String, group: String) -> Document {
        Document(doctype: "Item", ["item_code": .string(code), "item_name": .string("Item \(code)"),
                                   "item_group": .string(group), "stock_uom": "Nos"])
    }

    static func invoice(customer: String, items: [(code: String, qty: Double, rate: Double)], docstatus: Int = 0) -> Document {
        Document(doctype: "Sales Invoice", [
            "naming_series": "ACC-SINV-.YYYY.-", "customer": .string(customer), "posting_date": "2026-01-05",
            "currency": "USD", "conversion_rate": 1.0, "docstatus": .int(Int64(docstatus)),
            "items": .array(items.map { item in
                ["item_code": .string(item.code), "item_name": .string("Item \(item.code)"), "qty": .double(item.qty),
                 "uom": "Nos", "conversion_factor": 1.0, "rate": .double(item.rate), "amount": .double(item.qty * item.rate)]
            }),
        ])
    }

    static func salesOrder(customer: String, items: [(code: String, qty: Double, rate: Double)]) -> Document {
        Document(doctype: "Sales Order", [
            "naming_series": "SAL-ORD-.YYYY.-", "customer": .string(customer), "customer_name": .string(customer), "order_type": "Sales",
            "transaction_date": "2026-01-05", "delivery_date": "2026-01-20", "currency": "USD", "conversion_rate": 1.0,
            "items": .array(items.map { item in
                ["item_code": .string(item.code), "item_name": .string("Item \(item.code)"), "delivery_date": "2026-01-20",
                 "qty": .double(item.qty), "uom": "Nos", "conversion_factor": 1.0, "rate": .double(item.rate),
                 "amount": .double(item.qty * item.rate)]
            }),
        ])
    }

    static func address(_ title: String, linkedTo links: [(doctype: String, name: String)]) -> Document {
        Document(doctype: "Address", [
            "address_title": .string(title), "address_type": "Billing", "address_line1": "1 Main St",
            "city": "Springfield", "country": "Wonderland",
            "links": .array(links.map { ["link_doctype": .string($0.doctype), "link_name": .string($0.name)] }),
        ])
    }
}

/// The fields of a document that replication must carry: everything but the standard columns
/// each site sets for itself and the row parent columns.
func replicatedFields(_ document: Document?) -> JSON? {
    guard let document else { return nil }
    func strip(_ object: JSONObject) -> JSON {
        var out = JSONObject()
        for (key, value) in object {
            if ["owner", "creation", "modified", "modified_by", "parent", "remote_docname", "remote_site_name"].contains(key) { continue }
            if case .array(let rows) = value {
                out[key] = .array(rows.map { row in row.objectValue.map(strip) ?? row })
            } else {
                out[key] = value
            }
        }
        return .object(out)
    }
    var object = document.object
    object["name"] = nil
    return strip(object)
}

import DocumentModel
import EventLog
import Foundation
import Logging
import Site
import SiteStreamJSON
import Synchronization
import CoreMetrics

/// The consumer side of event streaming on one site: subscribing to producers, pulling their
/// updates and replaying them through this site's own lifecycle, exactly once in effect.
///
/// ```swift
/// let consumer = StreamConsumer(site: branch)
/// try await consumer.subscribe(Subscription(producerURL: url, apiKey: k, apiSecret: s,
///                                           doctypes: [.init("Customer")]), client: client)
/// let report = try await consumer.pull(producer: "head-office", client: client)
/// ```
///
/// Subscribing is an explicit call (the CLI's `producer add`, or the HTTP layer after an
/// `Event Producer` is saved through REST): registering needs the network, which a
/// controller hook inside a write transaction must not wait for.
public final class StreamConsumer: Sendable {
    public let site: Site
    let logger: Logger
    /// Per producer id: a cursor at or past the stored watermark (records skipped without a
    /// write move only this), so a later pull need not re-read them. Lost on restart, harmlessly.
    let positions = Mutex<[String: LogCursor]>([:])
    /// Producer ids with a pull running: one pull per producer at a time.
    let pulling = Mutex<Set<String>>([])
    /// Per producer name: the documents parked behind a failed replay, loaded from the
    /// `Event Sync Log` on first use (`StreamConsumer+Parking.swift`).
    let parkedIndex = Mutex<[String: Set<ParkKey>]?>(nil)
    /// When parked documents are retried on their own, and the clock that says when.
    public let retryPolicy: RetryPolicy
    let now: @Sendable () -> Date
    let metrics: Metrics

    /// `now` is the clock automatic retries of parked documents are timed by (tests inject
    /// one they advance by hand); `metrics`, where replay outcomes go (nil: nowhere).
    public init(site: Site, logger: Logger = Logger(label: "sitestream.streaming.consumer"),
                retryPolicy: RetryPolicy = RetryPolicy(), now: @escaping @Sendable () -> Date = { Date() },
                metrics: (any MetricsFactory)? = nil) {
        self.site = site
        self.logger = logger
        self.retryPolicy = retryPolicy
        self.now = now
        self.metrics = Metrics(factory: metrics)
    }

    /// The consumer's `Event Producer`s.
    public func producers() throws -> [ProducerConfiguration] {
        try site.list(SystemDocTypes.eventProducer, limit: Int.max).map(ProducerConfiguration.init)
    }

    /// The producer named `nameOrID` (its site name, or its site id). Throws `.notFound`.
    public func producer(_ nameOrID: String) throws -> ProducerConfiguration {
        if let document = try site.get(SystemDocTypes.eventProducer, nameOrID) { return ProducerConfiguration(document) }
        if let found = try producers().first(where: { $0.siteID == nameOrID }) { return found }
        throw StreamError(.notFound, "no producer named \(nameOrID) is subscribed on \(site.identity.name)")
    }

    /// Where a producer stands for this consumer: its DocTypes with their approval, the
    /// watermark, and how many records were replayed and failed.
    public struct ProducerStatus: Sendable, Equatable {
        public var producer: ProducerConfiguration
        public var watermark: StreamWatermark?
        /// Documents of this producer parked behind a failed replay (see `syncLog(status:producer:)`).
        public var parkedDocuments = 0
        /// Per DocType (the producer's): parked documents, and Event Sync Log entries `Failed`.
        public var parkedByDocType: [String: Int] = [:]
        public var failedByDocType: [String: Int] = [:]
        /// The producer's count of what this site has still to pull, from the watermark
        /// (`status(producer:client:)` only), or why it could not be asked.
        public var lag: ConsumerLag?
        public var lagError: String?
    }

    public func status(producer nameOrID: String) throws -> ProducerStatus {
        let configuration = try producer(nameOrID)
        return ProducerStatus(producer: configuration, watermark: try site.streamWatermark(producer: configuration.siteID),
                              parkedDocuments: try parkedKeys(producer: configuration.name).count)
    }

    /// Registers this site with a producer and saves (creates or updates) its `Event Producer`
    /// document, named by the producer site's name from the reply, rows carrying the approval
    /// the producer reports. A new subscription starts at the producer's current end; a site
    /// that was subscribed to that producer before (even if its `Event Producer` was deleted)
    /// resumes from its watermark, so nothing is lost in between.
    ///
    /// A fresh notify-only token goes to the producer; this site keeps only its SHA-256
    /// (`verifyNotifyToken`). The API secret in `subscription` never leaves this site except to
    /// authenticate the client's requests.
    ///
    /// `documentName` names an existing `Event Producer` to update (one saved through REST
    /// before it was ever registered); by default the document is found by the producer's
    /// site id, or created under the producer's name.
    @discardableResult
    public func subscribe(_ subscription: Subscription, client: any ProducerClient, documentName: String? = nil) async throws -> ProducerStatus {
        guard !subscription.doctypes.isEmpty else {
            throw StreamError(.invalidRequest, "a subscription needs at least one DocType")
        }
        for options in subscription.doctypes {
            // A mapped DocType needs only the mapping's local DocType installed.
            if let mapping = options.mapping {
                do { try FieldMapping.check(site: site, name: mapping) } catch let error as StreamError {
                    throw StreamError(error.code, "\(options.doctype): \(error.message)", doctype: options.doctype)
                }
                continue
            }
            guard site.schema[options.doctype] != nil else {
                throw StreamError(.invalidRequest, "DocType \(options.doctype) is not installed on \(site.identity.name); install it before subscribing",
                                  doctype: options.doctype)
            }
        }
        let token = Self.newToken()
        let reply = try await client.register(RegisterRequest(
            consumerName: site.identity.name, consumerID: site.identity.id, callbackURL: site.identity.url, notifyToken: token,
            doctypes: subscription.doctypes.map { DocTypeRegistration(doctype: $0.doctype, condition: $0.condition) }))
        try NotifyTokens(layout: site.layout).store(hash: SHA256.hex(Array(token.utf8)), producer: reply.producerID)
        if let key = reply.bundleKey { try BundleKeys(layout: site.layout).store(producerKey: key, producer: reply.producerID) }

        let previous = try site.streamWatermark(producer: reply.producerID)
        let statuses = Dictionary(reply.doctypes.map { ($0.doctype, $0.status) }, uniquingKeysWith: { a, _ in a })
        let name: String = try await site.write(as: subscription.user) { tx in
            if previous == nil {
                tx.setStreamMark(StreamMark(producer: reply.producerID, sequence: reply.lastSequence, cursor: reply.startCursor, outcome: .start))
            }
            let existing = try documentName.flatMap { try tx.get(SystemDocTypes.eventProducer, $0) }.map(ProducerConfiguration.init)
                ?? self.producers().first { $0.siteID == reply.producerID }
            let rows: [JSON] = subscription.doctypes.map { options in
                [
                    "ref_doctype": .string(options.doctype),
                    "status": .string((statuses[options.doctype] ?? .pending).rawValue),
                    "use_same_name": options.useSameName ? 1 : 0,
                    "condition": options.condition.map(JSON.string) ?? .null,
                    "mapping": options.mapping.map(JSON.string) ?? .null,
                    "has_mapping": options.mapping == nil ? 0 : 1,
                    "on_revoke": .string(options.onRevoke.rawValue),
                    "backfill": options.backfill ? 1 : 0,
                ]
            }
            let fields: JSONObject = [
                "producer_url": .string(subscription.producerURL), "api_key": .string(subscription.apiKey),
                "api_secret": .string(subscription.apiSecret), "user": .string(subscription.user),
                "site_id": .string(reply.producerID), "producer_doctypes": .array(rows),
            ]
            if let existing, var document = try tx.get(SystemDocTypes.eventProducer, existing.name) {
                for (k, v) in fields { document[k] = v }
                return try tx.save(document).name!
            }
            return try tx.insert(Document(doctype: SystemDocTypes.eventProducer, name: reply.producerName, fields), keepingName: true).name!
        }
        logger.info("subscribed", metadata: ["producer": "\(name)", "doctypes": "\(subscription.doctypes.map(\.doctype))"])
        return try status(producer: name)
    }

    /// Registers an existing `Event Producer` again from what its document says (its URL,
    /// credentials, subscriber and rows): what the HTTP layer calls after the document is
    /// saved through REST, so the producer learns of added or removed DocTypes.
    @discardableResult
    public func resubscribe(producer nameOrID: String, client: any ProducerClient) async throws -> ProducerStatus {
        let configuration = try producer(nameOrID)
        guard let document = try site.get(SystemDocTypes.eventProducer, configuration.name) else {
            throw StreamError(.notFound, "no producer named \(nameOrID) is subscribed on \(site.identity.name)")
        }
        let subscription = Subscription(
            producerURL: configuration.url, apiKey: document["api_key"]?.stringValue ?? "",
            apiSecret: document["api_secret"]?.stringValue ?? "", user: configuration.user,
            doctypes: configuration.rows.filter { !$0.unsubscribed }.map {
                Subscription.DocTypeOptions($0.doctype, useSameName: $0.useSameName, condition: $0.condition, mapping: $0.mapping,
                                            onRevoke: $0.onRevoke, backfill: $0.backfill)
            })
        return try await subscribe(subscription, client: client, documentName: configuration.name)
    }

    /// Whether `token` is the notify-only token this site gave the producer `producerID`.
    public func verifyNotifyToken(_ token: String, producer producerID: String) -> Bool {
        guard let stored = try? NotifyTokens(layout: site.layout).hash(producer: producerID) else { return false }
        let given = Array(SHA256.hex(Array(token.utf8)).utf8), kept = Array(stored.utf8)
        guard given.count == kept.count else { return false }
        var difference: UInt8 = 0
        for i in given.indices { difference |= given[i] ^ kept[i] }
        return difference == 0
    }

    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let s = String(UInt8.random(in: 0...255, using: &generator), radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }
}

/// `stream-notify.json` in the site directory: the SHA-256 of each producer's notify-only
/// token, `{"<producer site id>": "<hex>"}`. Replaced durably (temp file, rename).
struct NotifyTokens {
    let layout: SiteLayout
    var file: URL { layout.root.appendingPathComponent("stream-notify.json") }

    func all() throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: file.path) else { return [:] }
        var result: [String: String] = [:]
        for (k, v) in try JSON(parsing: Array(data)).objectValue ?? [:] { result[k] = v.stringValue }
        return result
    }

    func hash(producer: String) throws -> String? { try all()[producer] }

    func store(hash: String, producer: String) throws {
        var tokens = try all()
        tokens[producer] = hash
        var o = JSONObject()
        for key in tokens.keys.sorted() { o[key] = .string(tokens[key]!) }
        try Data(JSON.object(o).serialized(pretty: true)).write(to: file, options: .atomic)
    }
}

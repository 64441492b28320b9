import DocumentModel
import EventLog
import Foundation
import Logging
import Site
import SiteStreamJSON
import Synchronization
import CoreMetrics

/// The producer side of event streaming on one site: registrations (`Event Consumer`
/// documents), approval, the filtered updates a consumer pulls, and the documents it fetches as
/// dependencies. Every rule about who sees what is enforced here (DESIGN-NOTES invariant 6).
///
/// The methods take the authenticated caller (`caller`: the producer-side user whose API key
/// made the request) and plain values, so the HTTP routes are thin adapters:
///
/// ```swift
/// let producer = StreamProducer(site: site, logger: logger)
/// let reply = try await producer.register(RegisterRequest(decoding: body), caller: user)
/// let bytes = try producer.updates(consumer: "branch-1", caller: user, after: cursor,
///                                  maxEntries: 1000, maxBytes: 4 << 20).encoded()
/// ```
public final class StreamProducer: Sendable {
    public let site: Site
    let logger: Logger
    /// The `cmd:` condition functions the app registered.
    public let conditionFunctions: ConditionFunctions
    /// Per consumer, the access decisions conditions led to (`AccessJournal.swift`).
    let journals: AccessJournals
    /// How many failing documents one request retries.
    static let retriesPerRequest = 64
    let metrics: Metrics
    /// Where each consumer last read from (retention and status go by it).
    let positions: ConsumerPositions

    /// `conditionFunctions` are the functions `cmd:NAME` conditions may name. One producer
    /// per open site should serve updates: it keeps the consumers' access journals.
    /// `metrics`: where batches and bytes served go (nil: nowhere).
    public init(site: Site, conditionFunctions: ConditionFunctions = ConditionFunctions(),
                logger: Logger = Logger(label: "sitestream.streaming.producer"), metrics: (any MetricsFactory)? = nil) {
        self.site = site
        self.logger = logger
        positions = ConsumerPositions(layout: site.layout)
        self.conditionFunctions = conditionFunctions
        journals = AccessJournals(directory: site.layout.root.appendingPathComponent("stream-access", isDirectory: true))
        self.metrics = Metrics(factory: metrics)
    }

    /// A consumer's registration as the producer keeps it.
    public struct ConsumerRecord: Sendable, Equatable {
        /// The `Event Consumer` document's name: the consumer site's name.
        public var name: String
        public var siteID: String
        /// The producer-side user the consumer's credentials belong to.
        public var user: String
        public var callbackURL: String?
        /// The notify-only token to ping the consumer with.
        public var notifyToken: String?
        public var doctypes: [DocTypeRegistration]
        /// DocTypes the consumer dropped when it last registered.
        public var unsubscribed: Set<String>

        /// The DocTypes whose records this consumer receives.
        public var approved: Set<String> {
            Set(doctypes.filter { $0.status == .approved && !unsubscribed.contains($0.doctype) }.map(\.doctype))
        }

        /// The condition texts of approved DocTypes that have one.
        public var conditionTexts: [String: String] {
            var result: [String: String] = [:]
            for row in doctypes where approved.contains(row.doctype) {
                guard let text = row.condition?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { continue }
                result[row.doctype] = text
            }
            return result
        }
    }

    /// The filter for one request of `record`: its conditions parsed (a row that does not
    /// parse, which registration refuses, so only a hand-edited one, fails every evaluation:
    /// its entries are withheld and the error shown, never taken as false), and its journal.
    func filter(for record: ConsumerRecord, journal: AccessJournal?) -> ConsumerFilter {
        var conditions: [String: Result<Condition, StreamError>] = [:]
        for (doctype, text) in record.conditionTexts {
            do { conditions[doctype] = .success(try Condition(text, functions: conditionFunctions)) } catch let error as StreamError {
                conditions[doctype] = .failure(error)
            } catch {
                conditions[doctype] = .failure(StreamError(.invalidRequest, "\(error)"))
            }
        }
        return ConsumerFilter(producer: self, record: record, approved: record.approved, conditions: conditions,
                              journal: journal, asOf: site.log.lastSequence)
    }

    /// Every registered consumer, by name.
    public func consumers() throws -> [ConsumerRecord] {
        try site.list(SystemDocTypes.eventConsumer, limit: Int.max).map(Self.record(of:))
    }

    /// The consumer named `nameOrID` (its site name or site id). Throws `.notFound`.
    public func consumer(_ nameOrID: String) throws -> ConsumerRecord {
        if let document = try site.get(SystemDocTypes.eventConsumer, nameOrID) { return Self.record(of: document) }
        if let found = try consumers().first(where: { $0.siteID == nameOrID }) { return found }
        throw StreamError(.notFound, "no consumer named \(nameOrID) is registered on \(site.identity.name)", consumer: nameOrID)
    }

    /// The consumer, after checking that `caller` may act for it: its own registered user, or
    /// Administrator. Throws `.permission` otherwise.
    func authorized(_ nameOrID: String, caller: String) throws -> ConsumerRecord {
        let record = try consumer(nameOrID)
        guard caller == record.user || caller == SystemDocTypes.administrator else {
            throw StreamError(.permission, "user \(caller) may not read the stream of consumer \(record.name) (registered by \(record.user))",
                              consumer: record.name)
        }
        return record
    }

    static func record(of document: Document) -> ConsumerRecord {
        var doctypes: [DocTypeRegistration] = []
        var unsubscribed = Set<String>()
        for row in document.rows(of: "consumer_doctypes") {
            guard let doctype = row["ref_doctype"]?.stringValue else { continue }
            let status = row["status"]?.stringValue.flatMap(DocTypeRegistration.Status.init(rawValue:)) ?? .pending
            doctypes.append(DocTypeRegistration(doctype: doctype, condition: row["condition"]?.stringValue, status: status))
            if row["unsubscribed"]?.intValue == 1 { unsubscribed.insert(doctype) }
        }
        let url = document["callback_url"]?.stringValue
        return ConsumerRecord(name: document.name ?? "", siteID: document["site_id"]?.stringValue ?? "",
                              user: document["user"]?.stringValue ?? "", callbackURL: url == Self.noCallback ? nil : url,
                              notifyToken: document["api_secret"]?.stringValue, doctypes: doctypes, unsubscribed: unsubscribed)
    }

    /// Stands in the mandatory `callback_url` of a consumer that gave none.
    static let noCallback = "none"
}

import DocumentModel
import Site
import SiteStreamJSON

/// What a consumer asks of one producer: where it is, the credentials of a producer-side user,
/// and the DocTypes with how each is replayed. Saved as the consumer's `Event Producer`
/// document (rows: `Event Producer Document Type`).
public struct Subscription: Sendable, Equatable {
    public struct DocTypeOptions: Sendable, Equatable {
        public var doctype: String
        /// Keep the producer's name; otherwise this site names the document and sets
        /// `remote_docname` / `remote_site_name` on it.
        public var useSameName: Bool
        public var condition: String?
        public var mapping: String?
        /// What a revoke does to this site's copy when the document stops satisfying the
        /// condition: keep it as it is (Frappe's behaviour) or delete it.
        public var onRevoke: OnRevoke
        /// Also fetch the documents that exist already (a backfill, once the DocType is approved).
        public var backfill: Bool

        public init(_ doctype: String, useSameName: Bool = true, condition: String? = nil, mapping: String? = nil,
                    onRevoke: OnRevoke = .keep, backfill: Bool = false) {
            self.doctype = doctype
            self.useSameName = useSameName
            self.condition = condition
            self.mapping = mapping
            self.onRevoke = onRevoke
            self.backfill = backfill
        }
    }

    /// The `on_revoke` of an `Event Producer Document Type` row.
    public enum OnRevoke: String, Sendable, Equatable {
        case keep = "Keep", delete = "Delete"
    }

    public var producerURL: String
    public var apiKey: String
    public var apiSecret: String
    /// The local user replayed changes are made as (the Event Subscriber).
    public var user: String
    public var doctypes: [DocTypeOptions]

    public init(producerURL: String, apiKey: String, apiSecret: String, user: String = SystemDocTypes.administrator, doctypes: [DocTypeOptions]) {
        self.producerURL = producerURL
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.user = user
        self.doctypes = doctypes
    }
}

/// A consumer's `Event Producer` document, read for replay.
public struct ProducerConfiguration: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var doctype: String
        public var status: DocTypeRegistration.Status
        public var useSameName: Bool
        public var condition: String?
        public var mapping: String?
        public var unsubscribed: Bool
        public var onRevoke: Subscription.OnRevoke = .keep
        /// A backfill was asked for and has not completed yet.
        public var backfill = false
    }

    /// The document's name: the producer site's name.
    public var name: String
    public var siteID: String
    public var url: String
    public var user: String
    public var rows: [Row]

    /// Whether `text` names this producer: its site name, its site id, or its URL (as
    /// `pull --producer URL` gives it; a trailing slash does not matter).
    public func isNamed(_ text: String) -> Bool {
        func trimmed(_ url: String) -> Substring { url.hasSuffix("/") ? url.dropLast() : Substring(url) }
        return text == name || text == siteID || (!url.isEmpty && trimmed(text) == trimmed(url))
    }

    public func row(for doctype: String) -> Row? {
        rows.first { $0.doctype == doctype && !$0.unsubscribed }
    }

    init(name: String, siteID: String, url: String, user: String, rows: [Row]) {
        self.name = name
        self.siteID = siteID
        self.url = url
        self.user = user
        self.rows = rows
    }

    init(_ document: Document) {
        name = document.name ?? ""
        siteID = document["site_id"]?.stringValue ?? ""
        url = document["producer_url"]?.stringValue ?? ""
        user = document["user"]?.stringValue ?? SystemDocTypes.administrator
        rows = document.rows(of: "producer_doctypes").compactMap { row in
            guard let doctype = row["ref_doctype"]?.stringValue else { return nil }
            return Row(doctype: doctype,
                       status: row["status"]?.stringValue.flatMap(DocTypeRegistration.Status.init(rawValue:)) ?? .pending,
                       useSameName: row["use_same_name"]?.intValue == 1,
                       condition: row["condition"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                       mapping: row["mapping"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                       unsubscribed: row["unsubscribe"]?.intValue == 1,
                       onRevoke: row["on_revoke"]?.stringValue.flatMap { Subscription.OnRevoke(rawValue: $0.capitalized) } ?? .keep,
                       backfill: row["backfill"]?.intValue == 1)
        }
    }
}

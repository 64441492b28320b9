import EventLog
import SiteStreamJSON

/// One DocType a consumer asks for, and (in the reply) its approval on the producer.
public struct DocTypeRegistration: Sendable, Equatable {
    public enum Status: String, Sendable {
        case pending = "Pending", approved = "Approved", rejected = "Rejected"
    }

    public var doctype: String
    /// A condition for the producer to apply (kept on the producer's row; evaluated by a later issue).
    public var condition: String?
    public var status: Status

    public init(doctype: String, condition: String? = nil, status: Status = .pending) {
        self.doctype = doctype
        self.condition = condition
        self.status = status
    }
}

/// `POST /api/stream/register`: a consumer creates or updates its `Event Consumer` on the
/// producer. docs/formats/streaming.md.
///
/// ```json
/// {"consumer_name": "branch-1", "consumer_id": "6f1c…", "callback_url": "http://10.0.0.2:8000",
///  "notify_token": "9a0e…", "doctypes": [{"ref_doctype": "Customer", "condition": null}]}
/// ```
public struct RegisterRequest: Sendable, Equatable {
    public var consumerName: String
    public var consumerID: String
    public var callbackURL: String?
    /// A token that lets the producer ping the consumer and do nothing else. The consumer's
    /// own API secret is never sent.
    public var notifyToken: String
    public var doctypes: [DocTypeRegistration]

    public init(consumerName: String, consumerID: String, callbackURL: String?, notifyToken: String, doctypes: [DocTypeRegistration]) {
        self.consumerName = consumerName
        self.consumerID = consumerID
        self.callbackURL = callbackURL
        self.notifyToken = notifyToken
        self.doctypes = doctypes
    }

    public var json: JSON {
        [
            "consumer_name": .string(consumerName), "consumer_id": .string(consumerID),
            "callback_url": callbackURL.map(JSON.string) ?? .null, "notify_token": .string(notifyToken),
            "doctypes": .array(doctypes.map { ["ref_doctype": .string($0.doctype), "condition": $0.condition.map(JSON.string) ?? .null] }),
        ]
    }

    public func encoded() -> [UInt8] { json.serialized() }

    /// Parses and checks a request body; throws `.invalidRequest` naming the bad field.
    public init(decoding bytes: [UInt8]) throws {
        let r = try WireReader(bytes, message: "register request")
        consumerName = try r.string("consumer_name")
        consumerID = try r.string("consumer_id")
        callbackURL = try r.optionalString("callback_url")
        notifyToken = try r.string("notify_token")
        doctypes = try r.objects("doctypes").map { try DocTypeRegistration(doctype: $0.string("ref_doctype"), condition: $0.optionalString("condition")) }
        guard !doctypes.isEmpty else { throw StreamError(.invalidRequest, "register request: 'doctypes' needs at least one DocType") }
        guard !consumerName.contains("/"), consumerName.unicodeScalars.allSatisfy({ $0.value >= 0x20 }) else {
            throw StreamError(.invalidRequest, "register request: 'consumer_name' may not contain '/' or control characters")
        }
    }
}

/// The producer's answer to a registration.
///
/// ```json
/// {"producer_name": "head-office", "producer_id": "2b7d…", "consumer": "branch-1",
///  "start_cursor": "1:8812", "last_sequence": 42,
///  "doctypes": [{"ref_doctype": "Customer", "status": "Pending"}]}
/// ```
/// `start_cursor` is the end of the producer's log when the reply was made: a new subscription
/// receives what happens from there on.
public struct RegisterReply: Sendable, Equatable {
    public var producerName: String
    public var producerID: String
    public var consumer: String
    public var startCursor: LogCursor
    public var lastSequence: UInt64
    public var doctypes: [DocTypeRegistration]
    /// The secret this subscription's offline bundles are signed with (64 hex characters;
    /// `Bundle/BundleKeys.swift`). Sent only in this reply, over the authenticated channel.
    public var bundleKey: String?

    public init(producerName: String, producerID: String, consumer: String, startCursor: LogCursor, lastSequence: UInt64,
                doctypes: [DocTypeRegistration], bundleKey: String? = nil) {
        self.producerName = producerName
        self.producerID = producerID
        self.consumer = consumer
        self.startCursor = startCursor
        self.lastSequence = lastSequence
        self.doctypes = doctypes
        self.bundleKey = bundleKey
    }

    public var json: JSON {
        var o: JSONObject = [
            "producer_name": .string(producerName), "producer_id": .string(producerID), "consumer": .string(consumer),
            "start_cursor": .string(startCursor.description), "last_sequence": .int(Int64(lastSequence)),
            "doctypes": .array(doctypes.map { ["ref_doctype": .string($0.doctype), "status": .string($0.status.rawValue)] }),
        ]
        if let bundleKey { o["bundle_key"] = .string(bundleKey) }
        return .object(o)
    }

    public func encoded() -> [UInt8] { json.serialized() }

    public init(decoding bytes: [UInt8]) throws {
        let r = try WireReader(bytes, message: "register reply")
        producerName = try r.string("producer_name")
        producerID = try r.string("producer_id")
        consumer = try r.string("consumer")
        guard let cursor = LogCursor(string: try r.string("start_cursor")) else {
            throw StreamError(.invalidRequest, "register reply: 'start_cursor' is not a cursor (SEGMENT:OFFSET)")
        }
        startCursor = cursor
        lastSequence = try r.uint("last_sequence")
        doctypes = try r.objects("doctypes").map { row in
            let text = try row.string("status")
            guard let status = DocTypeRegistration.Status(rawValue: text) else {
                throw StreamError(.invalidRequest, "\(row.message): 'status' must be Pending, Approved or Rejected, found \(text)")
            }
            return DocTypeRegistration(doctype: try row.string("ref_doctype"), status: status)
        }
        bundleKey = try r.optionalString("bundle_key")
    }
}

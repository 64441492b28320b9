import AsyncHTTPClient
import EventLog
import Foundation
import NIOCore
import NIOHTTP1
import SiteStreamJSON
import Streaming

/// A `ProducerClient` over HTTP: `POST /api/stream/register`, `GET /api/stream/updates`,
/// `POST /api/stream/documents` on the producer's URL, authenticated with the Event Producer's
/// API key and secret (`Authorization: token KEY:SECRET`). Replies are bytes the consumer
/// verifies itself; an error status becomes a `StreamError(.transport)` carrying the
/// producer's message.
///
/// It speaks through AsyncHTTPClient's shared client (NIO, pooled keep-alive connections).
/// Foundation's `URLSession` (libcurl driven by Dispatch sources) had cost a catching-up
/// consumer about a sixth of its CPU in event-loop wake-ups alone.
public struct HTTPProducerClient: ProducerClient {
    public let baseURL: String
    let authorization: String
    /// The longest a whole call may take, reply body included.
    let timeout: TimeAmount
    /// The largest reply body taken. A pull's reply is bounded by the bytes it asks for;
    /// this bounds what a misbehaving producer can make the consumer hold.
    static let replyLimit = 256 << 20

    public init(url: String, apiKey: String, apiSecret: String, timeout: TimeInterval = 60) {
        baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        authorization = "token \(apiKey):\(apiSecret)"
        self.timeout = .milliseconds(Int64(timeout * 1000))
    }

    /// The client for a consumer's `Event Producer` document (its URL and credentials).
    public init?(eventProducer document: JSONObject) {
        guard let url = document["producer_url"]?.stringValue, let key = document["api_key"]?.stringValue,
              let secret = document["api_secret"]?.stringValue else { return nil }
        self.init(url: url, apiKey: key, apiSecret: secret)
    }

    public func register(_ request: RegisterRequest) async throws -> RegisterReply {
        try RegisterReply(decoding: try await call(.POST, "/api/stream/register", body: request.encoded()))
    }

    public func updates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> [UInt8] {
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "consumer", value: consumer),
            URLQueryItem(name: "after", value: after?.description ?? ""),
            URLQueryItem(name: "max_entries", value: String(maxEntries)),
            URLQueryItem(name: "max_bytes", value: String(maxBytes)),
        ]
        return try await call(.GET, "/api/stream/updates?\(query.percentEncodedQuery ?? "")", body: nil)
    }

    public func documents(_ request: DocumentsRequest) async throws -> DocumentsReply {
        try DocumentsReply(decoding: try await call(.POST, "/api/stream/documents", body: request.encoded()))
    }

    public func backfill(_ request: BackfillRequest) async throws -> BackfillReply {
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "consumer", value: request.consumer), URLQueryItem(name: "doctype", value: request.doctype),
            URLQueryItem(name: "after", value: request.after ?? ""), URLQueryItem(name: "limit", value: String(request.limit)),
        ]
        return try BackfillReply(decoding: try await call(.GET, "/api/stream/backfill?\(query.percentEncodedQuery ?? "")", body: nil))
    }

    public func lag(consumer: String, after: LogCursor?) async throws -> ConsumerLag {
        var query = URLComponents()
        query.queryItems = [URLQueryItem(name: "consumer", value: consumer), URLQueryItem(name: "after", value: after?.description ?? "")]
        return try ConsumerLag(decoding: try await call(.GET, "/api/stream/status?\(query.percentEncodedQuery ?? "")", body: nil))
    }

    func call(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws -> [UInt8] {
        guard let url = URL(string: baseURL + path), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw StreamError(.invalidRequest, "the producer URL \(baseURL) is not an http or https URL")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let status: Int, reply: [UInt8]
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            status = Int(response.status.code)
            reply = Array(buffer: try await response.body.collect(upTo: Self.replyLimit))
        } catch let error as NIOTooManyBytesError {
            throw StreamError(.transport, "the producer at \(baseURL) sent a reply to \(method) \(Self.route(path)) larger than \(Self.replyLimit >> 20) MiB: \(error)")
        } catch {
            throw StreamError(.transport, "cannot reach the producer at \(baseURL): \(Self.describe(error))")
        }
        guard (200..<300).contains(status) else {
            let message = (try? JSON(parsing: reply))?["exception"]?.stringValue ?? String(decoding: reply.prefix(300), as: UTF8.self)
            // 410: retention removed the consumer's position; the consumer must backfill.
            if status == 410 { throw StreamError(.positionGone, message) }
            // 403 on a backfill page: the DocType is not approved yet; the backfill waits.
            if status == 403, path.hasPrefix("/api/stream/backfill") { throw StreamError(.permission, message) }
            throw StreamError(.transport, "the producer at \(baseURL) answered \(status) to \(method) \(Self.route(path)): \(message)")
        }
        return reply
    }

    static func route(_ path: String) -> Substring { path.split(separator: "?").first ?? "" }

    /// What went wrong, in words: the client's errors describe themselves tersely
    /// ("connectTimeout"), so the common ones get a sentence.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded: "no complete reply within the timeout"
        case let error as HTTPClientError where error == .connectTimeout: "the connection timed out"
        case let error as HTTPClientError where error == .remoteConnectionClosed: "the producer closed the connection"
        default: "\(error)"
        }
    }
}

/// Sends the producer's pings: `POST {callback}/api/stream/notify` with the consumer's
/// notify-only token. A ping is a hint; a failure is the notifier's to log.
public struct HTTPPingSender: Sendable {
    let producerID: String

    public init(producerID: String) {
        self.producerID = producerID
    }

    public func send(_ consumer: StreamProducer.ConsumerRecord) async throws {
        guard let callback = consumer.callbackURL, let token = consumer.notifyToken,
              let url = URL(string: (callback.hasSuffix("/") ? String(callback.dropLast()) : callback) + "/api/stream/notify"),
              url.host != nil else { return }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "token \(producerID):\(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        // Read (and drop) the reply so the connection goes back to the pool.
        _ = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw StreamError(.transport, "ping to \(consumer.name) at \(callback) answered \(response.status.code)")
        }
    }
}

import EventLog
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import SiteStreamJSON
import Streaming

/// A `ProducerClient` over HTTP: `POST /api/stream/register`, `GET /api/stream/updates`,
/// `POST /api/stream/documents` on the producer's URL, authenticated with the Event Producer's
/// API key and secret (`Authorization: token KEY:SECRET`). Replies are bytes the consumer
/// verifies itself; an error status becomes a `StreamError(.transport)` carrying the
/// producer's message.
public struct HTTPProducerClient: ProducerClient {
    public let baseURL: String
    let authorization: String
    let session: URLSession

    public init(url: String, apiKey: String, apiSecret: String, timeout: TimeInterval = 60) {
        baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        authorization = "token \(apiKey):\(apiSecret)"
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        session = URLSession(configuration: configuration)
    }

    /// The client for a consumer's `Event Producer` document (its URL and credentials).
    public init?(eventProducer document: JSONObject) {
        guard let url = document["producer_url"]?.stringValue, let key = document["api_key"]?.stringValue,
              let secret = document["api_secret"]?.stringValue else { return nil }
        self.init(url: url, apiKey: key, apiSecret: secret)
    }

    public func register(_ request: RegisterRequest) async throws -> RegisterReply {
        try RegisterReply(decoding: try await call("POST", "/api/stream/register", body: request.encoded()))
    }

    public func updates(consumer: String, after: LogCursor?, maxEntries: Int, maxBytes: Int) async throws -> [UInt8] {
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "consumer", value: consumer),
            URLQueryItem(name: "after", value: after?.description ?? ""),
            URLQueryItem(name: "max_entries", value: String(maxEntries)),
            URLQueryItem(name: "max_bytes", value: String(maxBytes)),
        ]
        return try await call("GET", "/api/stream/updates?\(query.percentEncodedQuery ?? "")", body: nil)
    }

    public func documents(_ request: DocumentsRequest) async throws -> DocumentsReply {
        try DocumentsReply(decoding: try await call("POST", "/api/stream/documents", body: request.encoded()))
    }

    public func backfill(_ request: BackfillRequest) async throws -> BackfillReply {
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "consumer", value: request.consumer), URLQueryItem(name: "doctype", value: request.doctype),
            URLQueryItem(name: "after", value: request.after ?? ""), URLQueryItem(name: "limit", value: String(request.limit)),
        ]
        return try BackfillReply(decoding: try await call("GET", "/api/stream/backfill?\(query.percentEncodedQuery ?? "")", body: nil))
    }

    public func lag(consumer: String, after: LogCursor?) async throws -> ConsumerLag {
        var query = URLComponents()
        query.queryItems = [URLQueryItem(name: "consumer", value: consumer), URLQueryItem(name: "after", value: after?.description ?? "")]
        return try ConsumerLag(decoding: try await call("GET", "/api/stream/status?\(query.percentEncodedQuery ?? "")", body: nil))
    }

    func call(_ method: String, _ path: String, body: [UInt8]?) async throws -> [UInt8] {
        guard let url = URL(string: baseURL + path) else {
            throw StreamError(.invalidRequest, "the producer URL \(baseURL) is not a URL")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body)
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw StreamError(.transport, "cannot reach the producer at \(baseURL): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let message = (try? JSON(parsing: [UInt8](data)))?["exception"]?.stringValue ?? String(decoding: data.prefix(300), as: UTF8.self)
            // 410: retention removed the consumer's position; the consumer must backfill.
            if status == 410 { throw StreamError(.positionGone, message) }
            // 403 on a backfill page: the DocType is not approved yet; the backfill waits.
            if status == 403, path.hasPrefix("/api/stream/backfill") { throw StreamError(.permission, message) }
            throw StreamError(.transport, "the producer at \(baseURL) answered \(status) to \(method) \(path.split(separator: "?").first ?? ""): \(message)")
        }
        return [UInt8](data)
    }
}

/// Sends the producer's pings: `POST {callback}/api/stream/notify` with the consumer's
/// notify-only token. A ping is a hint; a failure is the notifier's to log.
public struct HTTPPingSender: Sendable {
    let producerID: String
    let session: URLSession

    public init(producerID: String) {
        self.producerID = producerID
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        session = URLSession(configuration: configuration)
    }

    public func send(_ consumer: StreamProducer.ConsumerRecord) async throws {
        guard let callback = consumer.callbackURL, let token = consumer.notifyToken,
              let url = URL(string: (callback.hasSuffix("/") ? String(callback.dropLast()) : callback) + "/api/stream/notify") else { return }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("token \(producerID):\(token)", forHTTPHeaderField: "Authorization")
        let (_, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw StreamError(.transport, "ping to \(consumer.name) at \(callback) answered \(status)")
        }
    }
}

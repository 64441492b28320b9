import EventLog
import Hummingbird
import SiteStreamJSON
import Streaming

/// The streaming API (INTERFACE.md):
/// - `POST /api/stream/register` — a consumer registers (creates or updates its Event Consumer)
/// - `GET /api/stream/updates?consumer=&after=&max_entries=&max_bytes=` — the next batch that
///   consumer may see, binary (`UpdatesReply.encoded()`) or, with `Accept: application/json`,
///   entries as JSON; without `consumer`, an Administrator reads the raw log
/// - `POST /api/stream/documents` — many documents in one call (dependency fetching)
/// - `POST /api/stream/notify` — the producer's ping; authenticated by the notify-only token
///   the consumer gave at registration (`Authorization: token PRODUCER_ID:TOKEN`), not an API key
/// - `GET /api/stream/status` — positions, consumers with their lag, segments; with
///   `consumer=&after=`, that consumer's lag per DocType from `after` (`ConsumerLag`)
/// - `GET /api/stream/backfill?consumer=&doctype=&after=&limit=` — a page of a backfill
extension SiteServer {
    func addStreamRoutes(to router: Router<SiteRequestContext>, endpoints: StreamEndpoints) {
        let limits = configuration.limits
        let producer = endpoints.producer

        router.post("/api/stream/register") { request, context in
            let user = try context.requireUser()
            let body = try await RequestInput.collectBody(request, limits: limits)
            let reply = try await Self.streaming { try await producer.register(RegisterRequest(decoding: body), caller: user.name) }
            return Self.bytes(reply.encoded(), contentType: "application/json")
        }

        router.get("/api/stream/updates") { request, context in
            let user = try context.requireUser()
            let value = try Self.queryValues(request)
            let after = try Self.cursor(value("after"))
            let maxEntries = try Self.bounded(value("max_entries"), name: "max_entries", default: 1_000, max: 100_000)
            let maxBytes = try Self.bounded(value("max_bytes"), name: "max_bytes", default: 4 << 20, max: 64 << 20)
            let reply = try await Self.streaming {
                if let consumer = value("consumer"), !consumer.isEmpty {
                    return try producer.updates(consumer: consumer, caller: user.name, after: after, maxEntries: maxEntries, maxBytes: maxBytes)
                }
                return try producer.rawUpdates(caller: user.name, after: after, maxEntries: maxEntries, maxBytes: maxBytes)
            }
            if request.headers[.accept]?.contains("application/json") == true {
                return JSONReply.response(body: try reply.jsonEntries())
            }
            return Self.bytes(reply.encoded(), contentType: "application/octet-stream")
        }

        router.post("/api/stream/documents") { request, context in
            let user = try context.requireUser()
            let body = try await RequestInput.collectBody(request, limits: limits)
            let reply = try await Self.streaming { try producer.documents(DocumentsRequest(decoding: body), caller: user.name) }
            return Self.bytes(reply.encoded(), contentType: "application/json")
        }

        router.get("/api/stream/status") { request, context in
            let user = try context.requireUser()
            let value = try Self.queryValues(request)
            // With `consumer`: that consumer's lag from `after` (its watermark), for its `producer status`.
            if let consumer = value("consumer"), !consumer.isEmpty {
                let after = try Self.cursor(value("after"))
                let lag = try await Self.streaming { try producer.lag(consumer: consumer, caller: user.name, after: after) }
                return Self.bytes(lag.encoded(), contentType: "application/json")
            }
            return JSONReply.message(try await Self.streaming { try producer.status().json })
        }

        router.get("/api/stream/backfill") { request, context in
            let user = try context.requireUser()
            let value = try Self.queryValues(request)
            guard let consumer = value("consumer"), !consumer.isEmpty, let doctype = value("doctype"), !doctype.isEmpty else {
                throw BackendError.malformed(message: "a backfill page needs consumer= and doctype=")
            }
            let after = value("after").flatMap { $0.isEmpty ? nil : $0 }
            let limit = try Self.bounded(value("limit"), name: "limit", default: 500, max: BackfillRequest.maxDocuments)
            // Off the event loop: a page waits for the site's writer lock (a blocking mutex).
            let reply = try await Self.streaming {
                try await Task.detached {
                    try await producer.backfill(BackfillRequest(consumer: consumer, doctype: doctype, after: after, limit: limit), caller: user.name)
                }.value
            }
            return Self.bytes(reply.encoded(), contentType: "application/json")
        }

        router.post("/api/stream/notify") { request, _ in
            // Public in the authentication middleware: the token is checked here.
            let header = request.headers[.authorization] ?? ""
            guard header.hasPrefix("token "), let colon = header.dropFirst(6).firstIndex(of: ":") else {
                throw BackendError.authentication(message: "a ping needs Authorization: token PRODUCER_ID:NOTIFY_TOKEN")
            }
            let producerID = String(header.dropFirst(6)[..<colon])
            let token = String(header[header.index(after: colon)...])
            guard endpoints.consumer.verifyNotifyToken(token, producer: producerID) else {
                throw BackendError.authentication(message: "unknown producer or notify token")
            }
            endpoints.notify(producerID)
            return JSONReply.message("ok")
        }
    }

    /// The request's query as a lookup: the last value given for a name (nil when absent).
    static func queryValues(_ request: Request) throws -> (String) -> String? {
        let query = try request.uri.query.map { try FormEncoding.decode(Substring($0)) } ?? []
        return { key in query.last { $0.0 == key }?.1 }
    }

    static func streaming<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StreamError {
            throw BackendError(error)
        } catch let error as EventLogError {
            throw BackendError.malformed(message: error.description)
        }
    }

    /// The `after` cursor of a query: nil when absent or empty.
    static func cursor(_ text: String?) throws -> LogCursor? {
        guard let text, !text.isEmpty else { return nil }
        guard let cursor = LogCursor(string: text) else {
            throw BackendError.malformed(message: "after must be a cursor SEGMENT:OFFSET, got '\(text)'")
        }
        return cursor
    }

    static func bounded(_ text: String?, name: String, default value: Int, max: Int) throws -> Int {
        guard let text, !text.isEmpty else { return value }
        guard let n = Int(text), n > 0 else { throw BackendError.malformed(message: "\(name) must be a positive integer, got '\(text)'") }
        return min(n, max)
    }

    static func bytes(_ bytes: [UInt8], contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

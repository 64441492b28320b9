import CoreMetrics
import Hummingbird
import Logging
import NIOCore

/// Answers `GET /api/resource/{doctype}/{name}` without the router, for
/// `DirectRouteHandler`: the busiest request a site serves, and one whose answer is
/// the stored JSON text with `{"data": …}` around it, so the router's per-request machinery
/// (a task hop each way, a request context, a middleware chain) cost far more than the read.
///
/// It answers only a plain success, exactly as the route would: authenticated with the
/// backend's constant-time check, the path segments decoded and checked by `PathSegment`,
/// the document's text from `ImmediateDocumentReads`, the same headers, the same debug log
/// line and the same request metrics (under the route's own pattern). Anything else — no or
/// bad credentials, a bad path, an unknown document, a body — returns `nil` and the request
/// goes through the router, which replies as it always has.
struct DirectDocumentReader: Sendable {
    /// The route this answers, as the router registers it (and names it in metrics).
    static let route = "/api/resource/:doctype/:name"
    private static let prefix = Array("/api/resource/".utf8)

    let reads: any ImmediateDocumentReads
    let logger: Logger
    let headers: DirectReplyHeaders
    /// The request counter (route, GET, 200) and the route's timer, when the server counts.
    let metrics: (counter: Counter, timer: Timer)?

    init(reads: any ImmediateDocumentReads, logger: Logger, metrics: RequestMetricHandlers?, headers: DirectReplyHeaders) {
        self.reads = reads
        self.logger = logger
        self.headers = headers
        self.metrics = metrics.map { $0.handlers(route: RouterPath(Self.route).description, method: "GET", status: 200) }
    }

    /// Whether `head` may be a request this answers, judged on its method and path alone
    /// (the handler holds such a head back until its end arrives).
    static func mayAnswer(_ head: HTTPRequest) -> Bool {
        guard head.method == .get, let path = head.path else { return false }
        return path.utf8.starts(with: prefix)
    }

    /// Whether the client asked for the connection to close after this reply.
    static func asksToClose(_ head: HTTPRequest) -> Bool {
        head.headerFields[values: .connection].contains { $0.lowercased().contains("close") }
    }

    /// The reply to `head` (a GET whose end has arrived without a body), or `nil` when the
    /// router should answer it.
    func answer(_ head: HTTPRequest) -> (head: HTTPResponse, body: ByteBuffer)? {
        let start = ContinuousClock.now
        guard let target = head.path, head.headerFields[.contentLength] == nil, head.headerFields[.transferEncoding] == nil,
              let authorization = head.headerFields[.authorization],
              let read = read(target: Substring(target), authorization: authorization, start: start)
        else { return nil }
        var body = ByteBuffer()
        body.reserveCapacity(read.bodyLength)
        read.writeBody(to: &body)
        record(read)
        return (headers.head(status: .ok, contentLength: body.readableBytes), body)
    }

    /// A document read found for a request, whose reply is `{"data":` + `text` + `}`.
    struct Read {
        var path: Substring
        var text: [UInt8]
        var start: ContinuousClock.Instant

        var bodyLength: Int { text.count + 9 }

        func writeBody(to buffer: inout ByteBuffer) {
            buffer.writeStaticString(#"{"data":"#)
            buffer.writeBytes(text)
            buffer.writeStaticString("}")
        }
    }

    /// The document `target` names when `authorization` may read it, or `nil` when the router
    /// should answer the request.
    func read(target: Substring, authorization: String, start: ContinuousClock.Instant) -> Read? {
        // "/api/resource/{doctype}/{name}", the query string (which a get ignores) cut off.
        let path = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target
        guard path.utf8.starts(with: Self.prefix) else { return nil }
        let segments = path.utf8.dropFirst(Self.prefix.count).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard segments.count == 2, !segments[0].isEmpty, !segments[1].isEmpty,
              let doctype = try? PathSegment.decode(Substring(segments[0]), as: .doctype),
              let name = try? PathSegment.decode(Substring(segments[1]), as: .name),
              let credentials = try? APICredentials(authorizationHeader: authorization),
              let user = (try? reads.authenticateImmediately(apiKey: credentials.apiKey, apiSecret: credentials.apiSecret)) ?? nil,
              let text = (try? reads.documentJSONTextImmediately(doctype: doctype, name: name, user: user)) ?? nil
        else { return nil }
        return Read(path: path, text: text, start: start)
    }

    /// The request's debug log line and metrics, as the router's middleware would record them.
    func record(_ read: Read) {
        let elapsed = ContinuousClock.now - read.start
        RequestLogMiddleware.log(method: "GET", path: read.path, status: 200, elapsed: elapsed, logger: logger)
        if let metrics {
            metrics.counter.increment()
            metrics.timer.recordNanoseconds(RequestMetricsMiddleware.nanoseconds(elapsed))
        }
    }
}

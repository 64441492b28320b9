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
              let authorization = head.headerFields[.authorization]
        else { return nil }
        // "/api/resource/{doctype}/{name}", the query string (which a get ignores) cut off.
        let path = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? Substring(target)
        let segments = path.utf8.dropFirst(Self.prefix.count).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard segments.count == 2, !segments[0].isEmpty, !segments[1].isEmpty,
              let doctype = try? PathSegment.decode(Substring(segments[0]), as: .doctype),
              let name = try? PathSegment.decode(Substring(segments[1]), as: .name),
              let credentials = try? APICredentials(authorizationHeader: authorization),
              let user = (try? reads.authenticateImmediately(apiKey: credentials.apiKey, apiSecret: credentials.apiSecret)) ?? nil,
              let text = (try? reads.documentJSONTextImmediately(doctype: doctype, name: name, user: user)) ?? nil
        else { return nil }

        var body = ByteBuffer()
        body.reserveCapacity(text.count + 9)
        body.writeString(#"{"data":"#)
        body.writeBytes(text)
        body.writeString("}")
        let elapsed = ContinuousClock.now - start
        RequestLogMiddleware.log(method: "GET", path: path, status: 200, elapsed: elapsed, logger: logger)
        if let metrics {
            metrics.counter.increment()
            metrics.timer.recordNanoseconds(RequestMetricsMiddleware.nanoseconds(elapsed))
        }
        return (headers.head(status: .ok, contentLength: body.readableBytes), body)
    }
}

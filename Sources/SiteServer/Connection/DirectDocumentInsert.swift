import CoreMetrics
import Hummingbird
import Logging
import NIOCore
import SiteStreamJSON

/// Answers `POST /api/resource/{doctype}` with a JSON body without the router, for
/// `DirectRouteHandler`: the insert itself runs as the route's does (`SiteBackend.insert`
/// on the server's backend, so Event Producers still register), only the router's
/// per-request machinery is skipped.
///
/// Taken only when the request is plainly one: a JSON `Content-Type`, a `Content-Length`
/// within the body limit, credentials that authenticate, a path segment `PathSegment`
/// accepts and a body that parses (under the JSON limits) to an object. Anything else goes
/// to the router, which replies as it always has (401, 400, 413, form bodies…). Once the
/// insert is started its outcome is the reply: a failure is answered here, through
/// `ErrorResponder`, never handed on (the router would run the insert a second time).
struct DirectDocumentInsert: Sendable {
    /// The route this answers, as the router registers it (and names it in metrics).
    static let route = "/api/resource/:doctype"
    private static let prefix = Array("/api/resource/".utf8)

    let backend: any SiteBackend
    let reads: any ImmediateDocumentReads
    let limits: ServerLimits
    let logger: Logger
    let metrics: RequestMetricHandlers?
    let headers: DirectReplyHeaders
    private let routeName = RouterPath(Self.route).description

    init(backend: any SiteBackend, reads: any ImmediateDocumentReads, limits: ServerLimits, logger: Logger, metrics: RequestMetricHandlers?,
         headers: DirectReplyHeaders) {
        self.backend = backend
        self.reads = reads
        self.limits = limits
        self.logger = logger
        self.metrics = metrics
        self.headers = headers
    }

    /// An insert ready to run: what was read from the request.
    struct Work: Sendable {
        var doctype: String
        var document: JSONObject
        var user: SiteUser
        var path: String
        var start: ContinuousClock.Instant
    }

    /// Whether `head` may be an insert this answers, judged on its head alone (the handler
    /// then holds the request until its body has arrived).
    func mayAnswer(_ head: HTTPRequest) -> Bool {
        // A query string goes to the router, which checks it.
        guard head.method == .post, let path = head.path, path.utf8.starts(with: Self.prefix), !path.utf8.contains(UInt8(ascii: "?")),
              head.headerFields[.transferEncoding] == nil,
              let length = head.headerFields[.contentLength].flatMap({ Int($0) }), length > 0, length <= limits.maxBodyBytes,
              let type = head.headerFields[.contentType], type.lowercased().hasPrefix("application/json")
        else { return false }
        return true
    }

    /// The insert `head` and `body` ask for, or `nil` when the router should take the request.
    func prepare(_ head: HTTPRequest, body: ByteBuffer) -> Work? {
        let start = ContinuousClock.now
        guard let target = head.path, let authorization = head.headerFields[.authorization],
              head.headerFields[.contentLength].flatMap({ Int($0) }) == body.readableBytes
        else { return nil }
        let path = target
        let rest = path.utf8.dropFirst(Self.prefix.count)
        guard !rest.isEmpty, !rest.contains(UInt8(ascii: "/")),
              let doctype = try? PathSegment.decode(Substring(rest), as: .doctype),
              let credentials = try? APICredentials(authorizationHeader: authorization),
              let user = (try? reads.authenticateImmediately(apiKey: credentials.apiKey, apiSecret: credentials.apiSecret)) ?? nil,
              case .object(var document)? = try? body.withUnsafeReadableBytes({ try JSON.parse($0, limits: limits.json) })
        else { return nil }
        document["doctype"] = .string(doctype)
        return Work(doctype: doctype, document: document, user: user, path: path, start: start)
    }

    /// Runs the insert and makes its reply: `{"data": document}`, or the error's reply.
    func perform(_ work: Work) async -> (head: HTTPResponse, body: ByteBuffer) {
        let status: HTTPResponse.Status
        let body: JSON
        do {
            let stored = try await backend.insert(doctype: work.doctype, document: work.document, user: work.user)
            (status, body) = (.ok, .object(JSONObject([("data", .object(stored))])))
        } catch {
            (status, body) = ErrorResponder.reply(for: error, method: .post, path: work.path, logger: logger)
        }
        let buffer = ByteBuffer(bytes: body.serialized())
        let elapsed = ContinuousClock.now - work.start
        RequestLogMiddleware.log(method: "POST", path: work.path, status: status.code, elapsed: elapsed, logger: logger)
        if let metrics {
            let (counter, timer) = metrics.handlers(route: routeName, method: "POST", status: status.code)
            counter.increment()
            timer.recordNanoseconds(RequestMetricsMiddleware.nanoseconds(elapsed))
        }
        return (headers.head(status: status, contentLength: buffer.readableBytes), buffer)
    }
}

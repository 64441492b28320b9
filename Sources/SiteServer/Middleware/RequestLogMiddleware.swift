import Hummingbird
import Logging

/// One debug line per request: method, path (without the query string, which may carry
/// personal data), status and duration. Headers are never logged, so neither are secrets.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = SiteRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let response = try await next(request, context)
            Self.log(method: request.method.rawValue, path: request.uri.path, status: response.status.code, elapsed: clock.now - start,
                     logger: context.logger)
            return response
        } catch {
            // Only reached for errors ErrorMiddleware let through (none today); logged anyway.
            Self.log(method: request.method.rawValue, path: request.uri.path, status: 500, elapsed: clock.now - start, logger: context.logger)
            throw error
        }
    }

    /// The request's line; document reads answered without the router log through this too.
    static func log(method: String, path: some StringProtocol, status: Int, elapsed: Duration, logger: Logger) {
        logger.debug(
            "\(method) \(path) \(status) \(Double(RequestMetricsMiddleware.nanoseconds(elapsed) / 1000) / 1000)ms",
            metadata: ["method": .string(method), "path": .string(String(path)), "status": .stringConvertible(status)])
    }
}

/// Turns every error below it into a Frappe-shaped reply (see `ErrorResponder`).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = SiteRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return ErrorResponder.response(for: error, request: request, logger: context.logger)
        }
    }
}

/// Refuses every request without valid credentials (401, nothing done) except the public
/// paths (`/api/method/ping`), and records the user on the context.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = SiteRequestContext
    let backend: any SiteBackend

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.isPublic(request) { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw BackendError.authentication(message: "missing Authorization header; send \"token API_KEY:API_SECRET\"")
        }
        let credentials = try APICredentials(authorizationHeader: header)
        guard let user = try await backend.authenticate(apiKey: credentials.apiKey, apiSecret: credentials.apiSecret) else {
            throw BackendError.authentication(message: "invalid API key or secret")
        }
        var context = context
        context.user = user
        return try await next(request, context)
    }

    /// Ping answers anyone, as Frappe's does.
    static func isPublic(_ request: Request) -> Bool {
        let path = request.uri.path
        if path == "/api/method/ping" { return true }
        // The producer's ping carries a notify-only token, checked by its route.
        if path == "/api/stream/notify" { return true }
        if path == "/" || path.isEmpty {
            return FormEncoding.firstValue(of: "cmd", inQuery: request.uri.query) == "ping"
        }
        return false
    }
}

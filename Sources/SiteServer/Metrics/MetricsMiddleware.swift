import CoreMetrics
import Hummingbird

/// Counts every request by route (the matched pattern, such as `/api/resource/{doctype}`, so
/// document names never become labels), method and status, and times it. Requests refused
/// before a route is matched (401 from authentication) count under route `unmatched`.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = SiteRequestContext
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, route: context.endpointPath, status: response.status.code, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, route: context.endpointPath, status: status, since: start)
            throw error
        }
    }

    private func record(_ request: Request, route: String?, status: Int, since start: ContinuousClock.Instant) {
        let dimensions = [("route", route ?? "unmatched"), ("method", "\(request.method)"), ("status", "\(status)")]
        Counter(label: "sitestream_http_requests_total", dimensions: dimensions, factory: factory).increment()
        let elapsed = ContinuousClock.now - start
        Timer(label: SiteMetrics.requestSeconds, dimensions: [("route", route ?? "unmatched")], factory: factory)
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}

import CoreMetrics
import Hummingbird
import Synchronization

/// Counts every request by route (the matched pattern, such as `/api/resource/{doctype}`, so
/// document names never become labels), method and status, and times it. Requests refused
/// before a route is matched (401 from authentication) count under route `unmatched`.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = SiteRequestContext
    let handlers: RequestMetricHandlers

    init(handlers: RequestMetricHandlers) {
        self.handlers = handlers
    }

    static func nanoseconds(_ elapsed: Duration) -> Int64 {
        elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

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
        let elapsed = ContinuousClock.now - start
        let (counter, timer) = handlers.handlers(route: route ?? "unmatched", method: request.method.rawValue, status: status)
        counter.increment()
        timer.recordNanoseconds(Self.nanoseconds(elapsed))
    }
}

/// The request counters and timers, made once per label set and reused: making a handler
/// builds its label array and looks it up in the registry under the registry's lock, which
/// cost more than the request's own work. Labels are route patterns, methods and statuses,
/// so the set stays small.
final class RequestMetricHandlers: Sendable {
    struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    let factory: any MetricsFactory
    private let made = Mutex<(counters: [Key: Counter], timers: [String: Timer])>(([:], [:]))

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// The counter of (route, method, status) and the timer of the route.
    func handlers(route: String, method: String, status: Int) -> (Counter, Timer) {
        let key = Key(route: route, method: method, status: status)
        return made.withLock { made in
            let counter = made.counters[key] ?? {
                let counter = Counter(label: "sitestream_http_requests_total",
                                      dimensions: [("route", route), ("method", method), ("status", "\(status)")], factory: factory)
                made.counters[key] = counter
                return counter
            }()
            let timer = made.timers[route] ?? {
                let timer = Timer(label: SiteMetrics.requestSeconds, dimensions: [("route", route)], factory: factory)
                made.timers[route] = timer
                return timer
            }()
            return (counter, timer)
        }
    }
}

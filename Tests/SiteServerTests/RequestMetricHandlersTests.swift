import CoreMetrics
import Testing

@testable import SiteServer

/// Request metrics are made once per label set and reused, and still count into the
/// registry under the right labels.
@Suite struct RequestMetricHandlersTests {
    @Test func oneCounterAndTimerPerLabelSet() {
        let metrics = SiteMetrics()
        let handlers = RequestMetricHandlers(factory: metrics.factory)
        let (counter, timer) = handlers.handlers(route: "/api/resource/{doctype}/{name}", method: "GET", status: 200)
        let (again, timerAgain) = handlers.handlers(route: "/api/resource/{doctype}/{name}", method: "GET", status: 200)
        #expect(counter === again)
        #expect(timer === timerAgain)
        let (other, sameTimer) = handlers.handlers(route: "/api/resource/{doctype}/{name}", method: "GET", status: 404)
        #expect(other !== counter)
        #expect(sameTimer === timer)

        counter.increment()
        again.increment()
        other.increment()
        let lines = String(decoding: metrics.text(), as: UTF8.self).split(separator: "\n")
        func count(status: String) -> String? {
            lines.first { $0.hasPrefix("sitestream_http_requests_total{") && $0.contains(#"status="\#(status)""#) }?
                .split(separator: " ").last.map(String.init)
        }
        #expect(count(status: "200") == "2", "\(lines)")
        #expect(count(status: "404") == "1", "\(lines)")
    }
}

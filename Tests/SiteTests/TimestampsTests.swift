import Foundation
import Testing

@testable import Site

/// The site's own UTC calendar arithmetic gives what `gmtime_r` gives, across leap days,
/// century years, the epoch and dates before it, and formats Frappe's timestamp text.
@Suite struct TimestampsTests {
    static func gmtime(_ seconds: Int64) -> (Int, Int, Int, Int, Int, Int) {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return (Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    @Test func agreesWithGmtime() {
        var seconds: [Int64] = [0, -1, 86_399, 86_400, -86_400, -86_401, 951_782_400, 951_868_799, 4_107_542_400, 1_796_601_599]
        // Every day boundary of 1899–2101 give or take a second, and random instants.
        var day: Int64 = -25_567
        while day <= 47_847 {
            seconds += [day * 86_400 - 1, day * 86_400, day * 86_400 + 43_210]
            day += 1
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { seconds.append(Int64.random(in: -5_000_000_000...10_000_000_000, using: &generator)) }
        for s in seconds {
            let mine = Timestamps.utcParts(seconds: s)
            let theirs = Self.gmtime(s)
            #expect(mine.year == theirs.0 && mine.month == theirs.1 && mine.day == theirs.2
                    && mine.hour == theirs.3 && mine.minute == theirs.4 && mine.second == theirs.5, "\(s): \(mine) vs \(theirs)")
            if !(mine.year == theirs.0 && mine.month == theirs.1 && mine.day == theirs.2) { break }
        }
    }

    @Test func formatsFrappesTimestampText() {
        #expect(Timestamps.text(microseconds: 951_825_600_000_042) == "2000-02-29 12:00:00.000042")
        #expect(Timestamps.text(microseconds: 0) == "1970-01-01 00:00:00.000000")
        let date = Timestamps.civilDate(microseconds: 1_796_601_599_999_999)
        #expect(date.year == 2026 && date.month == 12 && date.day == 6)
    }
}

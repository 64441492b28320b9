import Foundation

/// Frappe's timestamp text, `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, from microseconds since the
/// epoch. The site hands out strictly increasing values so `modified` always moves forward
/// and a stale-`modified` check can never be fooled by two saves in one microsecond.
enum Timestamps {
    static func nowMicroseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec / 1000)
    }

    static func text(microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000
        let micros = Int(microseconds % 1_000_000)
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
    }

    /// The calendar date (UTC) of `microseconds`, for naming series such as `.YYYY.`.
    static func civilDate(microseconds: Int64) -> (year: Int, month: Int, day: Int) {
        var t = time_t(microseconds / 1_000_000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return (Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
    }
}

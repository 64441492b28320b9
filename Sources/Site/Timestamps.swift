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
        // Formatted by hand: this runs for every write, and `String(format:)` costs more than
        // the rest of a small insert's bookkeeping.
        return String(unsafeUninitializedCapacity: 26) { buffer in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var v = value
                for i in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                }
            }
            put(Int(parts.tm_year) + 1900, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(Int(parts.tm_mon) + 1, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(Int(parts.tm_mday), 2, at: 8)
            buffer[10] = UInt8(ascii: " ")
            put(Int(parts.tm_hour), 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(Int(parts.tm_min), 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(Int(parts.tm_sec), 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            put(micros, 6, at: 20)
            return 26
        }
    }

    /// The calendar date (UTC) of `microseconds`, for naming series such as `.YYYY.`.
    static func civilDate(microseconds: Int64) -> (year: Int, month: Int, day: Int) {
        var t = time_t(microseconds / 1_000_000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return (Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
    }
}

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
        let parts = utcParts(seconds: seconds)
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
            put(parts.year, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(parts.month, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(parts.day, 2, at: 8)
            buffer[10] = UInt8(ascii: " ")
            put(parts.hour, 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(parts.minute, 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(parts.second, 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            put(micros, 6, at: 20)
            return 26
        }
    }

    /// The calendar date (UTC) of `microseconds`, for naming series such as `.YYYY.`.
    static func civilDate(microseconds: Int64) -> (year: Int, month: Int, day: Int) {
        let parts = utcParts(seconds: microseconds / 1_000_000)
        return (parts.year, parts.month, parts.day)
    }

    /// The UTC calendar date and time of `seconds` since the epoch (proleptic Gregorian, no
    /// leap seconds: what `gmtime_r` gives). Worked out here because glibc's `gmtime_r` takes
    /// the process-wide time-zone lock on every call, and every write asks for the time.
    static func utcParts(seconds: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 {
            rest += 86_400
            days -= 1
        }
        // Days since 1970-01-01 to a civil date, counting in 400-year eras that start on March 1
        // (so the leap day ends a year).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day), Int(rest / 3_600), Int(rest % 3_600 / 60), Int(rest % 60))
    }
}

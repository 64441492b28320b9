/// Small, allocation-light formatters for the strings documents carry (dates, series numbers,
/// row hashes). Written by hand instead of with Foundation so output is identical everywhere and
/// cheap enough for benchmark workloads.
enum TextFormatting {
    /// `value` in decimal, left-padded with zeros to at least `width` digits (`value >= 0`).
    static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        if digits.utf8.count >= width { return digits }
        return String(repeating: "0", count: width - digits.utf8.count) + digits
    }

    /// The proleptic Gregorian date `days` days after 1970-01-01, as `YYYY-MM-DD`.
    ///
    /// Converts a day count to year, month and day through 400-year eras (146 097 days each),
    /// with years starting on 1 March so the leap day falls at the end of the year.
    static func isoDate(daysSinceEpoch days: Int) -> String {
        let (y, m, d) = civil(daysSinceEpoch: days)
        return zeroPadded(y, width: 4) + "-" + zeroPadded(m, width: 2) + "-" + zeroPadded(d, width: 2)
    }

    static func civil(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468                       // days since 0000-03-01
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097                               // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // from 1 March
        let shiftedMonth = (5 * dayOfYear + 2) / 153                   // 0 = March … 11 = February
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Days from 1970-01-01 to 1 January of `year`.
    static func daysSinceEpoch(januaryFirstOf year: Int) -> Int {
        // Count from 1 March of the previous year, the inverse of `civil`.
        let y = year - 1
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = 306                                            // 1 January, counted from 1 March
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff`, Frappe's timestamp format.
    static func timestamp(date: String, secondOfDay: Int, microsecond: Int) -> String {
        date + " " + zeroPadded(secondOfDay / 3600, width: 2) + ":" + zeroPadded(secondOfDay / 60 % 60, width: 2)
            + ":" + zeroPadded(secondOfDay % 60, width: 2) + "." + zeroPadded(microsecond, width: 6)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Ten lowercase hex digits from the low 40 bits of `bits`: the shape of Frappe's hash names.
    static func hashName(_ bits: UInt64) -> String {
        String(unsafeUninitializedCapacity: 10) { buffer in
            var v = bits
            for i in (0..<10).reversed() {
                buffer[i] = hexDigits[Int(v & 0xF)]
                v >>= 4
            }
            return 10
        }
    }
}

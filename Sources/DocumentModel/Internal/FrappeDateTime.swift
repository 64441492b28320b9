/// Frappe's date and time text forms: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.ffffff]`, `HH:MM:SS`.
enum FrappeDateTime {
    /// `YYYY-MM-DD` for a valid calendar date; a datetime's date part is accepted.
    static func normalizedDate(_ s: String) -> String? {
        let u = Array(s.utf8)
        guard u.count >= 10, parseDate(u[0..<10]) != nil else { return nil }
        if u.count == 10 { return s }
        guard normalizedDatetime(s) != nil else { return nil }
        return String(decoding: u[0..<10], as: UTF8.self)
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]`; also accepts a `T` separator, no seconds, or a date
    /// alone (midnight), and writes the canonical form.
    static func normalizedDatetime(_ s: String) -> String? {
        let u = Array(s.utf8)
        guard u.count >= 10, parseDate(u[0..<10]) != nil else { return nil }
        if u.count == 10 { return s + " 00:00:00" }
        guard u[10] == UInt8(ascii: " ") || u[10] == UInt8(ascii: "T"), u.count > 11 else { return nil }
        guard let time = normalizedTime(String(decoding: u[11...], as: UTF8.self)) else { return nil }
        return String(decoding: u[0..<10], as: UTF8.self) + " " + time
    }

    /// `HH:MM:SS[.ffffff]` from `H:MM`, `HH:MM:SS` or with 1–6 fraction digits.
    static func normalizedTime(_ s: String) -> String? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        guard let h = twoDigits(parts[0], max: 23, allowOne: true), let m = twoDigits(parts[1], max: 59, allowOne: false) else {
            return nil
        }
        var sec = "00"
        var fraction = ""
        if parts.count == 3 {
            let secPart = parts[2].split(separator: ".", omittingEmptySubsequences: false)
            guard secPart.count <= 2, let s0 = twoDigits(secPart[0], max: 59, allowOne: false) else { return nil }
            sec = s0
            if secPart.count == 2 {
                let f = secPart[1]
                guard (1...6).contains(f.count), f.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
                fraction = "." + f
            }
        }
        return "\(h):\(m):\(sec)\(fraction)"
    }

    private static func twoDigits(_ s: Substring, max: Int, allowOne: Bool) -> String? {
        guard s.count == 2 || (allowOne && s.count == 1), s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let n = Int(s), n <= max
        else { return nil }
        return n < 10 ? "0\(n)" : "\(n)"
    }

    private static func parseDate(_ u: ArraySlice<UInt8>) -> (Int, Int, Int)? {
        let b = Array(u)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                n = n * 10 + Int(b[i] - 48)
            }
            return n
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), y >= 1, (1...12).contains(m) else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard (1...days).contains(d) else { return nil }
        return (y, m, d)
    }
}

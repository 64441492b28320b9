/// Number literals: the grammar is checked byte by byte, integers that fit are accumulated
/// directly, and doubles take an exact fast path when they can (few digits, small exponent)
/// or the C library's correctly rounded conversion otherwise.
extension JSONParser {
    @inline(__always)
    mutating func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    mutating func parseNumber() throws -> JSON {
        let numberStart = position
        var i = position
        let negative = start[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < count else { throw endOfInput("expected a digit after '-'") }
        let intStart = i
        // The digits are accumulated while the grammar is checked (wrapping: only used when
        // there are at most 18 of them, or 15 for the double fast path).
        var mantissa: UInt64 = 0
        if start[i] == UInt8(ascii: "0") {
            i += 1
            if i < count && isDigit(start[i]) {
                throw error("leading zeros are not allowed in numbers", at: intStart)
            }
        } else if isDigit(start[i]) {
            while i < count && isDigit(start[i]) {
                mantissa = mantissa &* 10 &+ UInt64(start[i] &- UInt8(ascii: "0"))
                i += 1
            }
        } else {
            throw error("expected a digit after '-', found \(describe(start[i]))", at: i)
        }
        let intEnd = i
        var fractionEnd = i
        var isInteger = true
        if i < count && start[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < count else { throw endOfInput("expected a digit after '.'") }
            guard isDigit(start[i]) else { throw error("expected a digit after '.', found \(describe(start[i]))", at: i) }
            while i < count && isDigit(start[i]) {
                mantissa = mantissa &* 10 &+ UInt64(start[i] &- UInt8(ascii: "0"))
                i += 1
            }
            fractionEnd = i
        }
        var exponent = 0
        var exponentTooLarge = false
        if i < count && (start[i] == UInt8(ascii: "e") || start[i] == UInt8(ascii: "E")) {
            isInteger = false
            i += 1
            var exponentNegative = false
            if i < count && (start[i] == UInt8(ascii: "+") || start[i] == UInt8(ascii: "-")) {
                exponentNegative = start[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < count else { throw endOfInput("expected a digit in the exponent") }
            guard isDigit(start[i]) else { throw error("expected a digit in the exponent, found \(describe(start[i]))", at: i) }
            while i < count && isDigit(start[i]) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(start[i] &- UInt8(ascii: "0")) } else { exponentTooLarge = true }
                i += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        if i - numberStart > limits.maxNumberBytes {
            throw error("number longer than the maxNumberBytes limit of \(limits.maxNumberBytes)", at: numberStart)
        }
        position = i

        if isInteger {
            if intEnd - intStart <= 18 {  // cannot overflow: 10^18 - 1 < Int64.max
                let v = Int64(mantissa)
                return .int(negative ? -v : v)
            }
            if let value = integerValue(digitsFrom: intStart, to: intEnd, negative: negative) { return .int(value) }
        }
        let fractionDigits = fractionEnd > intEnd ? fractionEnd - intEnd - 1 : 0
        if !exponentTooLarge && (intEnd - intStart) + fractionDigits <= 15,
            let fast = fastDouble(mantissa: mantissa, power: exponent - fractionDigits)
        {
            return .double(negative ? -fast : fast)
        }
        let text = String(decoding: UnsafeBufferPointer(start: start + numberStart, count: i - numberStart), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("number \(text.count > 40 ? String(text.prefix(40)) + "…" : text) is out of the range of a 64-bit double", at: numberStart)
        }
        return .double(value)
    }

    /// The integer in `start[from..<to]` (digits only), or nil when it does not fit in Int64.
    mutating func integerValue(digitsFrom from: Int, to: Int, negative: Bool) -> Int64? {
        // Accumulate negatively, so that Int64.min (whose magnitude exceeds Int64.max) fits.
        var v: Int64 = 0
        for k in from..<to {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(start[k] &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            v = s
        }
        if negative { return v }
        return v == Int64.min ? nil : -v
    }

    /// Exact conversion of mantissa × 10^power when the mantissa has at most 15 digits (below
    /// 2^53) and |power| ≤ 22: both are exact doubles, so one IEEE multiply or divide rounds
    /// correctly. Nil otherwise.
    @inline(__always)
    mutating func fastDouble(mantissa: UInt64, power: Int) -> Double? {
        guard power >= -22 && power <= 22 else { return nil }
        let m = Double(mantissa)
        return power < 0 ? m / exactPowerOfTen(-power) : m * exactPowerOfTen(power)
    }

    @inline(__always)
    mutating func exactPowerOfTen(_ n: Int) -> Double {
        switch n {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }
}

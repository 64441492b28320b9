/// Numbers and strings: the token writers, each reserving its worst case once.
extension JSONWriter {
    mutating func writeInteger(_ value: Int64) {
        reserve(20)
        if value < 0 { put(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            put(UInt8(ascii: "0") &+ UInt8(magnitude))
            return
        }
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var k = count + digits
        count = k
        while magnitude >= 10 {
            k -= 1
            let (q, r) = magnitude.quotientAndRemainder(dividingBy: 10)
            base[k] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: r)
            magnitude = q
        }
        base[k - 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude)
    }

    mutating func writeDouble(_ value: Double) {
        guard value.isFinite else {
            appendASCII("null")
            return
        }
        if writeCents(value) { return }
        // Swift's description is the shortest text that reads back as the same double and keeps
        // ".0" on integral values ("100.0", "1e+16", "5e-324"): valid JSON that reads as a double.
        var text = value.description
        text.withUTF8 { append($0) }
    }

    /// The fast path for money and quantities: a nonzero value below 10^12 that is exactly the
    /// double nearest to some m/100. Its shortest round-trip text is then m/100 written out with
    /// at most two decimals (every other decimal with as few digits is at least 0.01 away, far
    /// more than the spacing of doubles there), and it is the text `description` gives.
    /// Returns false, writing nothing, when the value does not qualify.
    @inline(__always)
    mutating func writeCents(_ value: Double) -> Bool {
        let magnitude = value.magnitude
        guard magnitude >= 0.01 && magnitude < 1e12 else { return false }
        let scaled = (magnitude * 100).rounded()
        guard scaled / 100 == magnitude else { return false }
        let cents = UInt64(scaled)
        let whole = cents / 100
        let fraction = cents % 100
        reserve(24)
        if value < 0 { put(UInt8(ascii: "-")) }
        writeInteger(Int64(whole))
        put(UInt8(ascii: "."))
        put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction / 10))
        if fraction % 10 != 0 { put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction % 10)) }
        return true
    }

    mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { writeEscaped($0) }
    }

    /// Copies runs of bytes that need no escape in one go, finding the next byte to escape
    /// eight at a time.
    mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        reserve(n + 2)
        put(UInt8(ascii: "\""))
        guard let source = bytes.baseAddress else {
            put(UInt8(ascii: "\""))
            return
        }
        var runStart = 0
        var i = 0
        while i < n {
            if i + 8 <= n {
                let w = UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self)
                let special = needsEscapeMask(w)
                if special == 0 {
                    i += 8
                    continue
                }
                i += special.trailingZeroBitCount >> 3
            } else {
                let b = source[i]
                if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                    i += 1
                    continue
                }
            }
            // source[i] needs an escape: flush the clean run before it.
            append(UnsafeBufferPointer(start: source + runStart, count: i - runStart))
            writeEscape(source[i])
            i += 1
            runStart = i
        }
        append(UnsafeBufferPointer(start: source + runStart, count: n - runStart))
        append(UInt8(ascii: "\""))
    }

    /// High bit set in each byte of `w` that is '"', '\' or below 0x20. Exact for the lowest
    /// flagged byte, which is all the caller uses.
    @inline(__always)
    func needsEscapeMask(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22)
        let backslash = w ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (w &- ones &* 0x20) & ~w
        return (hasQuote | hasBackslash | hasControl) & highs
    }

    mutating func writeEscape(_ b: UInt8) {
        reserve(6)
        put(UInt8(ascii: "\\"))
        switch b {
        case UInt8(ascii: "\""): put(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): put(UInt8(ascii: "\\"))
        case 0x0A: put(UInt8(ascii: "n"))
        case 0x0D: put(UInt8(ascii: "r"))
        case 0x09: put(UInt8(ascii: "t"))
        case 0x08: put(UInt8(ascii: "b"))
        case 0x0C: put(UInt8(ascii: "f"))
        default:
            let hex: StaticString = "0123456789abcdef"
            put(UInt8(ascii: "u"))
            put(UInt8(ascii: "0"))
            put(UInt8(ascii: "0"))
            put(hex.utf8Start[Int(b >> 4)])
            put(hex.utf8Start[Int(b & 0xF)])
        }
    }
}

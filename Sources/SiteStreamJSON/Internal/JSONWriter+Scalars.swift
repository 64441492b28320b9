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

    @inline(__always)
    mutating func writeString(_ string: String) {
        // Native strings (all of ours) lend their bytes without a copy; others are made native.
        if string.utf8.withContiguousStorageIfAvailable({ writeEscaped($0) }) == nil {
            var copy = string
            copy.withUTF8 { writeEscaped($0) }
        }
    }

    /// Writes the string quoted and escaped, in chunks of at most 4 KiB so that reserving the
    /// worst case for a chunk never asks for much more memory than the text needs.
    mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "\""))
        if let source = bytes.baseAddress {
            var offset = 0
            while offset < bytes.count {
                let n = min(bytes.count - offset, 4096)
                writeEscapedChunk(source + offset, n)
                offset += n
            }
        }
        append(UInt8(ascii: "\""))
    }

    /// Copies the bytes eight at a time, checking each word for bytes to escape as it goes; a
    /// word is stored whole even when it holds such a byte, and the escape overwrites from
    /// there. Room for the worst case (every byte escaped as `\u00XX`) is reserved up front, so
    /// the loop writes through a local pointer with no further checks.
    mutating func writeEscapedChunk(_ source: UnsafePointer<UInt8>, _ n: Int) {
        reserve(6 * n)
        var out = base + count
        defer { count = out - base }
        var i = 0
        var escaped = false
        while i + 8 <= n {
            let w = UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self)
            UnsafeMutableRawPointer(out).storeBytes(of: w, as: UInt64.self)
            let special = needsEscapeMask(w)
            if special == 0 {
                out += 8
                i += 8
                continue
            }
            let clean = special.trailingZeroBitCount >> 3
            out += clean
            i += clean
            out = Self.writeEscape(source[i], at: out)
            escaped = true
            i += 1
        }
        if i < n && n >= 8 && !escaped {
            // The last 1–7 bytes: take the string's last word again. Its first bytes were
            // copied already and held nothing to escape, so the mask of the new ones is exact
            // and storing the whole word rewrites those bytes with themselves.
            let rest = n - i
            let w = UnsafeRawPointer(source + n - 8).loadUnaligned(as: UInt64.self)
            if needsEscapeMask(w) &>> UInt64((8 - rest) * 8) == 0 {
                UnsafeMutableRawPointer(out - (8 - rest)).storeBytes(of: w, as: UInt64.self)
                out += rest
                i = n
            }
        }
        while i < n {
            let b = source[i]
            i += 1
            if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                out.pointee = b
                out += 1
            } else {
                out = Self.writeEscape(b, at: out)
            }
        }
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

    /// Writes the escape for `b` at `out` (room for 6 bytes is the caller's business) and
    /// returns the position after it.
    static func writeEscape(_ b: UInt8, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        out[0] = UInt8(ascii: "\\")
        switch b {
        case UInt8(ascii: "\""): out[1] = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): out[1] = UInt8(ascii: "\\")
        case 0x0A: out[1] = UInt8(ascii: "n")
        case 0x0D: out[1] = UInt8(ascii: "r")
        case 0x09: out[1] = UInt8(ascii: "t")
        case 0x08: out[1] = UInt8(ascii: "b")
        case 0x0C: out[1] = UInt8(ascii: "f")
        default:
            let hex: StaticString = "0123456789abcdef"
            out[1] = UInt8(ascii: "u")
            out[2] = UInt8(ascii: "0")
            out[3] = UInt8(ascii: "0")
            out[4] = hex.utf8Start[Int(b >> 4)]
            out[5] = hex.utf8Start[Int(b & 0xF)]
            return out + 6
        }
        return out + 2
    }
}

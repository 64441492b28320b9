/// String literals. The scan for the closing quote looks at eight bytes at a time; a string
/// without escapes becomes a `String` straight from the input bytes (object keys through the
/// key table), and escapes go through the reusable scratch buffer. UTF-8 is validated here, so
/// an error can say exactly where the bad byte is.
extension JSONParser {
    /// High bit set in each byte of `w` that is '"', '\', a control character or non-ASCII.
    /// Exact for the lowest flagged byte, which is all the scan uses.
    @inline(__always)
    static func specialByteMask(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = w ^ (ones &* 0x22)
        let backslash = w ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (w &- ones &* 0x20) & ~w
        return (hasQuote | hasBackslash | hasControl | w) & (ones &* 0x80)
    }

    /// The index of the first '"' or '\' at or after `i`, checking UTF-8 and control characters
    /// on the way; throws at the first byte that makes the string invalid.
    @inline(__always)
    mutating func findQuoteOrEscape(from i: Int, open: Int) throws -> Int {
        let (index, ok) = Self.scanStringBody(start, count, from: i)
        if _slowPath(!ok) { throw stringProblem(at: index, open: open) }
        return index
    }

    /// The scan behind `findQuoteOrEscape`, free of `self` so the hot loop keeps everything in
    /// registers: returns the index of the first '"' or '\' with `ok`, or (`ok` false) the
    /// index of the first control character or ill-formed UTF-8 sequence, or `count`.
    @inline(__always)
    static func scanStringBody(_ p: UnsafePointer<UInt8>, _ count: Int, from i: Int) -> (Int, Bool) {
        var i = i
        while true {
            while i + 8 <= count {
                let special = specialByteMask(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                if special != 0 {
                    i += special.trailingZeroBitCount >> 3
                    break
                }
                i += 8
            }
            guard i < count else { return (count, false) }
            let b = p[i]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return (i, true) }
            if b < 0x80 {
                if b < 0x20 { return (i, false) }
                i += 1
                continue
            }
            let length = utf8SequenceLength(p, count, at: i)
            if length == 0 { return (i, false) }
            i += length
        }
    }

    /// The length of the well-formed UTF-8 sequence (RFC 3629) whose lead byte, at `i`, is
    /// non-ASCII; 0 when it is ill-formed or cut off by the end of input.
    @inline(__always)
    static func utf8SequenceLength(_ p: UnsafePointer<UInt8>, _ count: Int, at i: Int) -> Int {
        let lead = p[i]
        let length: Int
        var low: UInt8 = 0x80  // the allowed range of the second byte
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return 0
        }
        guard i + length <= count else { return 0 }
        let second = p[i + 1]
        guard second >= low && second <= high else { return 0 }
        if length >= 3 && p[i + 2] & 0xC0 != 0x80 { return 0 }
        if length == 4 && p[i + 3] & 0xC0 != 0x80 { return 0 }
        return length
    }

    /// The error for the problem `scanStringBody` stopped at.
    @inline(never)
    mutating func stringProblem(at i: Int, open: Int) -> JSONParseError {
        if i >= count { return endOfInput("unterminated string (opened at byte \(open))") }
        let b = start[i]
        if b < 0x20 { return controlCharacter(b, at: i) }
        do {
            _ = try skipUTF8Sequence(at: i)
        } catch let error as JSONParseError {
            return error
        } catch {}
        return self.error("invalid UTF-8 in string", at: i)  // not reached: the scan and the check agree
    }

    /// Parses the string whose opening quote is at `position`; leaves `position` after the
    /// closing quote.
    mutating func parseString() throws -> String {
        let open = position
        let end = try findQuoteOrEscape(from: open + 1, open: open)
        if start[end] == UInt8(ascii: "\\") { return try parseEscapedString(open: open, firstEscape: end) }
        let length = end - open - 1
        if length > limits.maxStringBytes { throw stringTooLong(at: open) }
        position = end + 1
        let bytes = start + open + 1
        // Short strings live inside the String value (no allocation), so only longer ones are
        // worth interning.
        if length >= 16 && length <= JSONStringTable.maxBytes,
            let slot = cache.values.slot(for: bytes, length: length, readable: count - open - 1)
        {
            return cache.values.strings[slot]
        }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    /// Parses an object key at `position`. An interned key comes with its key-table slot; a key
    /// with escapes or non-ASCII characters, or one the table cannot take, comes with -1.
    /// `guess` is the slot the key probably has (-1 for no guess); it is checked, not trusted.
    mutating func parseKey(guess: Int) throws -> (key: String, slot: Int) {
        let open = position
        let end = try findQuoteOrEscape(from: open + 1, open: open)
        if start[end] == UInt8(ascii: "\\") { return (try parseEscapedString(open: open, firstEscape: end), -1) }
        let length = end - open - 1
        if length > limits.maxStringBytes { throw stringTooLong(at: open) }
        position = end + 1
        let bytes = start + open + 1
        if guess >= 0 && keyTable.holds(guess, bytes, length: length, readable: count - open - 1) {
            return (keyTable.strings[guess], guess)
        }
        if length <= JSONStringTable.maxBytes,
            let slot = keyTable.slot(for: bytes, length: length, readable: count - open - 1)
        {
            return (keyTable.strings[slot], slot)
        }
        return (String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self), -1)
    }

    /// The slow path: copies clean runs and decoded escapes into `scratch`.
    mutating func parseEscapedString(open: Int, firstEscape: Int) throws -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = open + 1
        var i = firstEscape
        while true {
            scratch.append(contentsOf: UnsafeBufferPointer(start: start + runStart, count: i - runStart))
            if start[i] == UInt8(ascii: "\"") {
                if scratch.count > limits.maxStringBytes { throw stringTooLong(at: open) }
                position = i + 1
                return String(decoding: scratch, as: UTF8.self)
            }
            i = try decodeEscape(at: i)
            if scratch.count > limits.maxStringBytes { throw stringTooLong(at: open) }
            runStart = i
            i = try findQuoteOrEscape(from: i, open: open)
        }
    }

    /// Decodes the escape whose backslash is at `i` into `scratch`; returns the index after it.
    mutating func decodeEscape(at i: Int) throws -> Int {
        guard i + 1 < count else { throw endOfInput("unterminated escape sequence") }
        let c = start[i + 1]
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(c)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try readHex4(at: i + 2, escapeAt: i)
            var scalarValue = UInt32(unit)
            var end = i + 6
            if unit >= 0xD800 && unit <= 0xDBFF {
                // A high surrogate must be followed at once by an escaped low surrogate.
                guard end + 1 < count, start[end] == UInt8(ascii: "\\"), start[end + 1] == UInt8(ascii: "u") else {
                    if end >= count || (end + 1 >= count && start[end] == UInt8(ascii: "\\")) {
                        throw endOfInput("expected a low surrogate \\uDC00–\\uDFFF after \\u\(hex4(unit))")
                    }
                    throw error("lone surrogate \\u\(hex4(unit)): a high surrogate must be followed by a low surrogate escape", at: i)
                }
                let low = try readHex4(at: end + 2, escapeAt: end)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw error("lone surrogate \\u\(hex4(unit)): followed by \\u\(hex4(low)), not a low surrogate", at: i)
                }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                end += 6
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw error("lone surrogate \\u\(hex4(unit)): a low surrogate without a high surrogate before it", at: i)
            }
            appendUTF8(scalarValue)
            return end
        default:
            throw error("invalid escape sequence '\\\(Character(Unicode.Scalar(c)))' in string", at: i)
        }
        return i + 2
    }

    mutating func readHex4(at i: Int, escapeAt escape: Int) throws -> UInt16 {
        var value: UInt16 = 0
        for k in 0..<4 {
            guard i + k < count else { throw endOfInput("expected 4 hex digits after \\u") }
            let b = start[i + k]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b &- UInt8(ascii: "A") &+ 10
            default: throw error("invalid \\u escape: expected 4 hex digits, found \(describe(b))", at: i + k)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    mutating func hex4(_ unit: UInt16) -> String {
        let s = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - s.count) + s
    }

    mutating func appendUTF8(_ v: UInt32) {
        switch v {
        case 0..<0x80:
            scratch.append(UInt8(v))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (v >> 6)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (v >> 12)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (v >> 18)))
            scratch.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte is at `i` (RFC 3629: no
    /// overlong forms, no surrogates, nothing above U+10FFFF); returns the index after it.
    mutating func skipUTF8Sequence(at i: Int) throws -> Int {
        let lead = start[i]
        let length: Int
        var low: UInt8 = 0x80  // the allowed range of the second byte
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw error("invalid UTF-8: byte 0x\(String(lead, radix: 16, uppercase: true)) cannot start a character", at: i)
        }
        for k in 1..<length {
            guard i + k < count else { throw endOfInput("truncated UTF-8 sequence in string") }
            let b = start[i + k]
            let ok = k == 1 ? (b >= low && b <= high) : (b & 0xC0 == 0x80)
            if !ok {
                throw error("invalid UTF-8: bad continuation byte \(describe(b)) in a sequence starting at byte \(i)", at: i + k)
            }
        }
        return i + length
    }

    mutating func controlCharacter(_ b: UInt8, at i: Int) -> JSONParseError {
        error("unescaped control character \(describe(b)) in string (write it as an escape such as \\n or \\u00XX)", at: i)
    }

    mutating func stringTooLong(at open: Int) -> JSONParseError {
        error("string longer than the maxStringBytes limit of \(limits.maxStringBytes)", at: open)
    }
}

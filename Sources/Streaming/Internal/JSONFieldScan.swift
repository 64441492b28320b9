import Glibc
import SiteStreamJSON

/// Reads a few named top-level members out of a JSON object's bytes without parsing the rest:
/// every other member's value is skipped by its brackets and quotes, only the named ones are
/// parsed (by `JSON.parse`, so each reads exactly as in a whole parse). The producer evaluates
/// a condition that reads only `doc.FIELD`s on what this returns (`Condition.fields`).
///
/// Keys compare as the parser and `JSONObject` compare them (equal `String`s): a key with an
/// escape or a non-ASCII byte is decoded first. A key that occurs twice yields its last value,
/// as a whole parse does.
///
/// Only meant for bytes that were valid JSON when written and have been checked since (a log
/// record's payload, its crc verified by the log's read). It answers nil, and the caller parses
/// whole, for anything it does not find well formed; it does not validate skipped values.
struct JSONFieldScan: Sendable {
    struct Field: Sendable {
        var name: String
        var utf8: [UInt8]
        var ascii: Bool
    }

    let fields: [Field]
    /// Each field's UTF-8 length, -1 for a name that is not ASCII: `match`'s first test for
    /// every key, without touching (retaining) the fields themselves.
    private let asciiLengths: [Int]
    private let anyNonASCII: Bool

    init(_ names: [String]) {
        fields = names.map { Field(name: $0, utf8: Array($0.utf8), ascii: $0.utf8.allSatisfy { $0 < 0x80 }) }
        asciiLengths = fields.map { $0.ascii ? $0.utf8.count : -1 }
        anyNonASCII = fields.contains { !$0.ascii }
    }

    /// The named members of the object in `bytes` (those present), or nil when `bytes` is not
    /// a well-formed object.
    func object(_ bytes: UnsafeRawBufferPointer) -> JSONObject? {
        var result = JSONObject()
        var parsed = true
        let wellFormed = members(bytes) { field, value in
            guard parsed, let json = try? JSON.parse(UnsafeRawBufferPointer(rebasing: bytes[value])) else {
                parsed = false
                return
            }
            result[fields[field].name] = json
        }
        return wellFormed && parsed ? result : nil
    }

    /// Calls `body` with the field's index and the bytes of its value (unparsed) for every
    /// member of the object in `bytes` that a field names, in order; false when `bytes` is not
    /// a well-formed object (`body` may have been called for members before the defect).
    func members(_ bytes: UnsafeRawBufferPointer, _ body: (Int, Range<Int>) -> Void) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var scanner = Scanner(p: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        scanner.skipWhitespace()
        guard scanner.take(UInt8(ascii: "{")) else { return false }
        scanner.skipWhitespace()
        if !scanner.take(UInt8(ascii: "}")) {
            while true {
                guard let key = scanner.key() else { return false }
                scanner.skipWhitespace()
                guard scanner.take(UInt8(ascii: ":")) else { return false }
                scanner.skipWhitespace()
                let start = scanner.i
                guard scanner.skipValue() else { return false }
                if let field = match(key, scanner) { body(field, start..<scanner.i) }
                scanner.skipWhitespace()
                if scanner.take(UInt8(ascii: ",")) {
                    scanner.skipWhitespace()
                    continue
                }
                guard scanner.take(UInt8(ascii: "}")) else { return false }
                break
            }
        }
        scanner.skipWhitespace()
        return scanner.i == scanner.count
    }

    /// The index of the field `key` names, if any.
    private func match(_ key: Scanner.Key, _ scanner: Scanner) -> Int? {
        let bytes = UnsafeBufferPointer(start: scanner.p + key.start, count: key.end - key.start)
        if key.plain {
            for index in asciiLengths.indices where asciiLengths[index] == bytes.count {
                let equal = fields[index].utf8.withUnsafeBufferPointer { name in
                    bytes.isEmpty || memcmp(name.baseAddress!, bytes.baseAddress!, bytes.count) == 0
                }
                if equal { return index }
            }
            // A name that is not ASCII may still equal an ASCII key as a String (a Kelvin
            // sign is a K).
            if anyNonASCII {
                for (index, field) in fields.enumerated() where !field.ascii && String(decoding: bytes, as: UTF8.self) == field.name {
                    return index
                }
            }
            return nil
        }
        // Escapes or non-ASCII: the key as the parser reads it, compared as a String.
        let quoted = UnsafeRawBufferPointer(start: scanner.p + key.start - 1, count: bytes.count + 2)
        guard let decoded = (try? JSON.parse(quoted))?.stringValue else { return nil }
        return fields.firstIndex { $0.name == decoded }
    }

    private struct Scanner {
        let p: UnsafePointer<UInt8>
        let count: Int
        var i = 0

        /// A key's bytes between its quotes; `plain` when they are ASCII without escapes.
        struct Key {
            var start: Int
            var end: Int
            var plain: Bool
        }

        init(p: UnsafePointer<UInt8>, count: Int) {
            self.p = p
            self.count = count
        }

        mutating func skipWhitespace() {
            while i < count, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard i < count, p[i] == byte else { return false }
            i += 1
            return true
        }

        mutating func key() -> Key? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            var plain = true
            while i < count {
                skipPlainWords(stoppingAtNonASCII: true)
                guard i < count else { return nil }
                let b = p[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    return Key(start: start, end: i - 1, plain: plain)
                }
                if b == UInt8(ascii: "\\") {
                    plain = false
                    i += 2
                    continue
                }
                if b >= 0x80 { plain = false }
                i += 1
            }
            return nil
        }

        /// Moves past the string whose opening quote is at `i`.
        mutating func skipString() -> Bool {
            i += 1
            while i < count {
                skipPlainWords(stoppingAtNonASCII: false)
                guard i < count else { return false }
                let b = p[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    return true
                }
                // A backslash escapes the byte after it, whatever it is.
                i += b == UInt8(ascii: "\\") ? 2 : 1
            }
            return false
        }

        /// Moves eight bytes at a time to the first quote or backslash (or byte ≥ 0x80, when
        /// asked) inside a string, or to where fewer than eight bytes are left. Strings are
        /// short (a few words): this inline scan beats a call to `memchr` per string.
        @inline(__always)
        mutating func skipPlainWords(stoppingAtNonASCII: Bool) {
            while i + 8 <= count {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                let special = Self.quoteOrBackslash(w) | (stoppingAtNonASCII ? w & Self.highs : 0)
                if special != 0 {
                    i += special.trailingZeroBitCount >> 3
                    return
                }
                i += 8
            }
        }

        static let ones: UInt64 = 0x0101_0101_0101_0101
        static let highs: UInt64 = 0x8080_8080_8080_8080

        /// The high bit set in the byte of `w` (little-endian) where a quote or a backslash
        /// is, and possibly in later bytes; zero when there is none. The first set bit marks
        /// the first such byte exactly (the zero-byte test errs only in bytes after a match).
        @inline(__always)
        static func quoteOrBackslash(_ w: UInt64) -> UInt64 {
            let q = w ^ (ones &* 0x22), b = w ^ (ones &* 0x5C)
            return (((q &- ones) & ~q) | ((b &- ones) & ~b)) & highs
        }

        /// Moves past one value (a string, a container with everything in it, or a scalar).
        mutating func skipValue() -> Bool {
            guard i < count else { return false }
            switch p[i] {
            case UInt8(ascii: "\""):
                return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while i < count {
                    switch p[i] {
                    case UInt8(ascii: "\""):
                        guard skipString() else { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            i += 1
                            return true
                        }
                    default:
                        break
                    }
                    i += 1
                }
                return false
            default:
                let start = i
                while i < count {
                    let b = p[i]
                    if b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { break }
                    i += 1
                }
                return i > start
            }
        }
    }
}

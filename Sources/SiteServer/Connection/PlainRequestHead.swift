/// A request head read straight from a connection's bytes by `DocumentReadShortcut`, the
/// handler ahead of NIO's HTTP decoder: where the request ends, and whether it is a plain
/// document read the shortcut may answer itself.
///
/// It reads a deliberately narrow HTTP/1.1, one whose framing no parser can read otherwise:
/// - a request line `METHOD SP /target SP HTTP/1.1` (or `HTTP/1.0`), method in capitals;
/// - every line ended by CRLF; no bare CR or LF, no folded (indented) lines;
/// - header names that are tokens followed at once by `:`, values of visible ASCII, space and tab;
/// - at most one `Content-Length`, of at most 9 digits; no `Transfer-Encoding`, no `Upgrade`,
///   no `CONNECT`; the whole head within `maxLength` bytes.
/// Anything else is `.unusual`: the shortcut then leaves the rest of the connection to the
/// decoder, which answers it as it always has (400 for what is malformed). So the shortcut
/// never has to judge a doubtful request, and it can never split the byte stream into
/// requests differently from the decoder.
struct PlainRequestHead: Equatable {
    /// The head's length in bytes, through its blank line.
    var length: Int
    /// The body's length: its `Content-Length`, 0 without one.
    var bodyLength: Int
    /// For a plain document read (below): where its target and its `Authorization` value are,
    /// as offsets in the scanned bytes.
    var documentRead: DocumentRead?

    /// A `GET /api/resource/…` over HTTP/1.1 with one `Authorization`, no body, no
    /// `Expect`, no `Connection` other than `keep-alive`, and a target of URI characters only
    /// (RFC 3986's unreserved, sub-delims, `%`, `:`, `@`, `/`, `?`).
    struct DocumentRead: Equatable {
        var target: Range<Int>
        var authorization: Range<Int>
    }

    enum Scan: Equatable {
        /// The bytes are a valid beginning of a plain head but its blank line has not come.
        case incomplete
        /// Not a plain head (see above).
        case unusual
        case head(PlainRequestHead)
    }

    /// The longest head read here (longer ones go to the decoder, whose limit is 80 KB).
    static let maxLength = 16 << 10
    static let documentPrefix = Array("/api/resource/".utf8)
    /// The version and line end expected after the target (`HTTP/1.0` is read too).
    static let version = Array("HTTP/1.1\r\n".utf8)

    /// Reads the head at the start of `bytes`.
    static func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
        var scanner = Scanner(bytes: bytes)
        return scanner.scan()
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        /// Where the run of bytes `allowed` starting at `i` ends.
        func end(from start: Int, while allowed: (UInt8) -> Bool) -> Int {
            var j = start
            while j < bytes.count, allowed(bytes[j]) { j += 1 }
            return j
        }

        /// Out of bytes with nothing wrong so far.
        var ranOut: Scan { bytes.count >= PlainRequestHead.maxLength ? .unusual : .incomplete }

        mutating func scan() -> Scan {
            // The request line.
            let methodEnd = end(from: 0) { $0 >= 0x41 && $0 <= 0x5A }
            guard methodEnd < bytes.count else { return ranOut }
            guard methodEnd > 0, methodEnd <= 16, bytes[methodEnd] == 0x20 else { return .unusual }
            let method = UnsafeRawBufferPointer(rebasing: bytes[0..<methodEnd])
            if method.elementsEqual("CONNECT".utf8) { return .unusual }
            let targetStart = methodEnd + 1
            let targetEnd = end(from: targetStart) { $0 > 0x20 && $0 < 0x7F }
            guard targetEnd < bytes.count else { return ranOut }
            guard targetEnd > targetStart, bytes[targetStart] == UInt8(ascii: "/"), bytes[targetEnd] == 0x20 else { return .unusual }
            i = targetEnd + 1
            let version = PlainRequestHead.version
            var http11 = true
            for (k, expected) in version.enumerated() {
                guard i + k < bytes.count else { return ranOut }
                let byte = bytes[i + k]
                if k == 7, byte == UInt8(ascii: "0") {
                    http11 = false
                } else if byte != expected {
                    return .unusual
                }
            }
            i += version.count

            // The header lines, up to the blank line.
            var contentLength: Int?
            var authorization: Range<Int>?
            var authorizations = 0
            var plain = http11
            while true {
                guard i < PlainRequestHead.maxLength else { return .unusual }
                guard i < bytes.count else { return ranOut }
                if bytes[i] == 0x0D {
                    guard i + 1 < bytes.count else { return ranOut }
                    guard bytes[i + 1] == 0x0A else { return .unusual }
                    i += 2
                    break
                }
                let nameEnd = end(from: i, while: Self.isTokenByte)
                guard nameEnd < bytes.count else { return ranOut }
                guard nameEnd > i, bytes[nameEnd] == UInt8(ascii: ":") else { return .unusual }
                let valueEnd = end(from: nameEnd + 1) { $0 == 0x09 || ($0 >= 0x20 && $0 < 0x7F) }
                guard valueEnd + 1 < bytes.count else { return ranOut }
                guard bytes[valueEnd] == 0x0D, bytes[valueEnd + 1] == 0x0A else { return .unusual }
                let value = trimmed(nameEnd + 1..<valueEnd)
                switch Field(name: UnsafeRawBufferPointer(rebasing: bytes[i..<nameEnd])) {
                case .contentLength:
                    guard contentLength == nil, let length = digits(value) else { return .unusual }
                    contentLength = length
                case .transferEncoding, .upgrade:
                    return .unusual
                case .authorization:
                    authorizations += 1
                    authorization = value
                case .connection:
                    if !equalsIgnoringCase(value, "keep-alive") { plain = false }
                case .expect:
                    plain = false
                case .other:
                    break
                }
                i = valueEnd + 2
            }
            guard i <= PlainRequestHead.maxLength else { return .unusual }

            var head = PlainRequestHead(length: i, bodyLength: contentLength ?? 0)
            let target = targetStart..<targetEnd
            if plain, contentLength == nil, authorizations == 1, let authorization, method.elementsEqual("GET".utf8),
               UnsafeRawBufferPointer(rebasing: bytes[target]).starts(with: PlainRequestHead.documentPrefix),
               bytes[target].allSatisfy(Self.isURIByte) {
                head.documentRead = DocumentRead(target: target, authorization: authorization)
            }
            return .head(head)
        }

        /// `range` without the spaces and tabs around it.
        func trimmed(_ range: Range<Int>) -> Range<Int> {
            var (start, end) = (range.lowerBound, range.upperBound)
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            return start..<end
        }

        /// The value of 1 to 9 decimal digits in `range`.
        func digits(_ range: Range<Int>) -> Int? {
            guard !range.isEmpty, range.count <= 9 else { return nil }
            var value = 0
            for k in range {
                let byte = bytes[k]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }

        func equalsIgnoringCase(_ range: Range<Int>, _ lowercase: StaticString) -> Bool {
            guard range.count == lowercase.utf8CodeUnitCount else { return false }
            let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
            return zip(bytes[range], expected).allSatisfy { $0 | 0x20 == $1 }
        }

        /// RFC 9110's `tchar`.
        static func isTokenByte(_ byte: UInt8) -> Bool { tokenBytes[Int(byte)] }

        /// RFC 3986's unreserved and sub-delims, `%`, `:`, `@`, `/` and `?`.
        static func isURIByte(_ byte: UInt8) -> Bool { uriBytes[Int(byte)] }

        static let tokenBytes = table(alphanumericsAnd: "!#$%&'*+-.^_`|~")
        static let uriBytes = table(alphanumericsAnd: "-._~!$&'()*+,;=%:@/?")

        /// A byte lookup table: letters, digits and `others`.
        static func table(alphanumericsAnd others: String) -> [Bool] {
            (0...255).map { (byte: Int) -> Bool in
                let b = UInt8(byte)
                return (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || others.utf8.contains(b)
            }
        }
    }

    /// The header fields that matter here, by name in any case.
    enum Field {
        case contentLength, transferEncoding, upgrade, authorization, connection, expect, other

        init(name: UnsafeRawBufferPointer) {
            func named(_ lowercase: StaticString) -> Bool {
                guard name.count == lowercase.utf8CodeUnitCount else { return false }
                let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
                return zip(name, expected).allSatisfy { $0 | 0x20 == $1 }
            }
            switch name.count {
            case 14 where named("content-length"): self = .contentLength
            case 17 where named("transfer-encoding"): self = .transferEncoding
            case 7 where named("upgrade"): self = .upgrade
            case 13 where named("authorization"): self = .authorization
            case 10 where named("connection"): self = .connection
            case 6 where named("expect"): self = .expect
            default: self = .other
            }
        }
    }
}

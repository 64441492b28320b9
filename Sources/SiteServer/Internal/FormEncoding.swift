/// `application/x-www-form-urlencoded` text (query strings and form bodies) and
/// percent-encoded path segments.
enum FormEncoding {
    /// The decoded `(name, value)` pairs of a query string or form body, in order.
    /// `+` is a space; `%XX` a byte; the bytes must be UTF-8.
    /// - Throws: `BackendError.malformed` naming the pair that does not decode.
    static func decode(_ text: Substring) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let key: Substring
            let value: Substring
            if let eq = part.firstIndex(of: "=") {
                key = part[..<eq]
                value = part[part.index(after: eq)...]
            } else {
                key = part
                value = ""
            }
            guard let k = percentDecode(key, plusIsSpace: true), let v = percentDecode(value, plusIsSpace: true) else {
                throw BackendError.malformed(message: "form field \"\(key.prefix(40))\" has bad percent-encoding or is not UTF-8")
            }
            pairs.append((k, v))
        }
        return pairs
    }

    /// The first value of `name` in a query string, or `nil` (also when it does not decode).
    static func firstValue(of name: String, inQuery query: String?) -> String? {
        guard let query, let pairs = try? decode(Substring(query)) else { return nil }
        return pairs.first(where: { $0.0 == name })?.1
    }

    /// `%XX` decoded (and `+` as a space when asked); `nil` for a bad escape or bytes that are
    /// not UTF-8.
    static func percentDecode(_ text: Substring, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let h = iterator.next().flatMap(Hex.value), let l = iterator.next().flatMap(Hex.value) else { return nil }
                bytes.append(h << 4 | l)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Encodes a value for a query string or form body (RFC 3986 unreserved kept).
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }
}

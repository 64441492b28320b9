import SiteStreamJSON

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks (no Foundation).
    func trimmingWhitespace() -> String {
        // Fast path, same result: when neither end is a space, tab or line break byte, no end
        // Character can equal one of them, so the string is returned as it is (no grapheme walk,
        // no copy). Validation calls this for most values of every write.
        if let first = utf8.first, let last = utf8.last, !Self.isSpaceByte(first), !Self.isSpaceByte(last) {
            return self
        }
        // "\r\n" is one Character, equal to neither of its bytes.
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }

    @inline(__always)
    static func isSpaceByte(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }
}

extension JSON {
    /// A short description of a value for error messages: its kind and, for scalars, the value.
    var briefDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "boolean \(b)"
        case .int(let i): return "number \(i)"
        case .double(let d): return "number \(d)"
        case .string(let s):
            let shown = s.count > 40 ? String(s.prefix(40)) + "…" : s
            return "text \"\(shown)\""
        case .array(let a): return "an array of \(a.count)"
        case .object: return "an object"
        }
    }
}

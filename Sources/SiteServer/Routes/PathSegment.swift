/// DocType and document names taken from the URL path.
///
/// A segment is percent-decoded exactly once (`Sales%20Invoice` → `Sales Invoice`; `%252F`
/// stays `%2F`). Then it is refused with 400 when it:
/// - is empty, or holds control characters (U+0000–U+001F, U+007F);
/// - is `.` or `..`, or (for names) has a `/`-separated part that is `.` or `..`;
/// - is a DocType name containing `/`.
///
/// Document names may contain `/` when it is sent encoded as `%2F`: Frappe's naming series
/// such as `SINV/2024/0001` produce such names, and SiteStream stores names as opaque keys,
/// never as file paths. An unencoded `/` splits the path and so reaches no document route.
enum PathSegment {
    enum Kind: String {
        case doctype = "DocType"
        case name = "document name"
    }

    static func decode(_ raw: Substring, as kind: Kind) throws -> String {
        guard let text = FormEncoding.percentDecode(raw, plusIsSpace: false) else {
            throw BackendError.malformed(message: "the \(kind.rawValue) in the path has bad percent-encoding or is not UTF-8")
        }
        try validate(text, as: kind)
        return text
    }

    static func validate(_ text: String, as kind: Kind) throws {
        guard !text.isEmpty else {
            throw BackendError.malformed(message: "the \(kind.rawValue) must not be empty")
        }
        // Byte scans of the UTF-8: a control character, '/' and '.' are single bytes that
        // never occur inside a multi-byte character (and this runs on every document request).
        let bytes = text.utf8
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw BackendError.malformed(message: "the \(kind.rawValue) must not contain control characters")
        }
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        if kind == .doctype && bytes.contains(slash) {
            throw BackendError.malformed(message: "the DocType \"\(text)\" must not contain '/'")
        }
        if bytes.contains(dot),
           bytes.split(separator: slash, omittingEmptySubsequences: false).contains(where: { $0.count <= 2 && !$0.isEmpty && $0.allSatisfy { $0 == dot } }) {
            throw BackendError.malformed(message: "the \(kind.rawValue) \"\(text)\" must not be or contain the path part '.' or '..'")
        }
    }
}

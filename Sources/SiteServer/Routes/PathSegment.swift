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
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw BackendError.malformed(message: "the \(kind.rawValue) must not contain control characters")
        }
        if kind == .doctype && text.contains("/") {
            throw BackendError.malformed(message: "the DocType \"\(text)\" must not contain '/'")
        }
        if text.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) {
            throw BackendError.malformed(message: "the \(kind.rawValue) \"\(text)\" must not be or contain the path part '.' or '..'")
        }
    }
}

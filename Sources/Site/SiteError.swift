/// An error of the site layer, with a code the HTTP edge and the CLI map to statuses and exit
/// codes in one place each, and a message a person can act on.
public struct SiteError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case notASite
        case alreadyExists
        case corruptSiteFile
        case invalidSetting
        case locked
        case notFound
        case duplicate
        case validation
        case linkValidation
        case timestampMismatch
        case permission
        case invalidInput
        case io
    }

    public var code: Code
    public var message: String
    /// The DocType and document the error is about, when it is about one.
    public var doctype: String?
    public var docname: String?

    public init(_ code: Code, _ message: String, doctype: String? = nil, docname: String? = nil) {
        self.code = code
        self.message = message
        self.doctype = doctype
        self.docname = docname
    }

    public var description: String { message }
}

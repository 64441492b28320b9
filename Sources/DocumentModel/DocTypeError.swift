/// A DocType definition that cannot be used: malformed JSON shape, a missing name, a duplicate
/// field, an invalid naming pattern. Carries the DocType (or file) and field it is about.
public struct DocTypeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The DocType's name, or the file's name when the name itself could not be read.
    public var doctype: String
    public var field: String?
    /// What is wrong, for a person to act on.
    public var message: String

    public init(doctype: String, field: String?, message: String) {
        self.doctype = doctype
        self.field = field
        self.message = message
    }

    public var description: String { "DocType '\(doctype)': \(message)" }
}

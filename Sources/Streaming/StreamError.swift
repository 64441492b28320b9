/// An error of the streaming layer, with a code the HTTP edge maps to a status in one place
/// (`permission` → 403, `notFound` → 404, `invalidRequest` → 400, `conflict` → 409,
/// `integrity` and `transport` → 502 on the consumer's side, `positionGone` → 410) and a message
/// a person can act on.
public struct StreamError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The caller may not see or do this (unapproved DocType, unreachable document, another
        /// consumer's registration).
        case permission
        /// No such consumer, producer or DocType.
        case notFound
        /// A request that is malformed or asks for something impossible.
        case invalidRequest
        /// A registration clashes with another site's (same name, different site id).
        case conflict
        /// Bytes from the producer failed verification (framing, checksum, order). Nothing was
        /// applied and the watermark did not move.
        case integrity
        /// The producer could not be reached or answered with an error.
        case transport
        /// The consumer's position lies in log segments the producer's retention removed: the
        /// records it still needed are gone, so only a backfill can bring it level again.
        case positionGone = "position-gone"
    }

    public var code: Code
    public var message: String
    /// What the error is about, when it is about one (consumer or producer name, DocType,
    /// document name, byte offset in a reply).
    public var consumer: String?
    public var doctype: String?
    public var docname: String?
    public var offset: Int?

    public init(_ code: Code, _ message: String, consumer: String? = nil, doctype: String? = nil, docname: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.consumer = consumer
        self.doctype = doctype
        self.docname = docname
        self.offset = offset
    }

    public var description: String { message }
}

import DocumentModel
import EventLog
import SiteStreamJSON

/// `GET /api/stream/backfill?consumer=NAME&doctype=DT&after=NAME&limit=N`: one page of the
/// documents of a DocType that a consumer may see, in name order. docs/formats/streaming.md.
public struct BackfillRequest: Sendable, Equatable {
    /// At most this many documents per page.
    public static let maxDocuments = 1000

    public var consumer: String
    public var doctype: String
    /// The last name of the previous page (nil: from the first document).
    public var after: String?
    public var limit: Int

    public init(consumer: String, doctype: String, after: String? = nil, limit: Int = 500) {
        self.consumer = consumer
        self.doctype = doctype
        self.after = after
        self.limit = limit
    }
}

/// One backfill page.
///
/// ```json
/// {"doctype": "Customer", "as_of": 1234, "cut": "3:1048620", "cut_sequence": 1200, "log_start": "1:32",
///  "next": "CUST-0500", "documents": [{"doctype": "Customer", "name": "CUST-0001", …}]}
/// ```
/// - `as_of`: the producer's log sequence the page was read at, exactly (no write committed
///   while it was read): every document reflects every change through it and none after. The
///   consumer records it as each document's replica sequence.
/// - `cut`, `cut_sequence`: the producer's durable end just before the page was read. The
///   stream from the cut covers every change after `as_of`; changes between the cut and
///   `as_of` come again and are skipped by the replica sequences.
/// - `log_start`: where the producer's log now begins; a consumer whose watermark lies before
///   it (retention removed its position) moves its watermark to the cut once the backfill is done.
/// - `next`: where the following page starts (`after=next`); null when this was the last.
public struct BackfillReply: Sendable, Equatable {
    public var doctype: String
    public var asOf: UInt64
    public var cut: LogCursor
    public var cutSequence: UInt64
    public var logStart: LogCursor
    public var next: String?
    public var documents: [Document]

    public init(doctype: String, asOf: UInt64, cut: LogCursor, cutSequence: UInt64, logStart: LogCursor, next: String?, documents: [Document]) {
        self.doctype = doctype
        self.asOf = asOf
        self.cut = cut
        self.cutSequence = cutSequence
        self.logStart = logStart
        self.next = next
        self.documents = documents
    }

    public func encoded() -> [UInt8] {
        JSON.object([
            "doctype": .string(doctype), "as_of": .int(Int64(asOf)), "cut": .string(cut.description),
            "cut_sequence": .int(Int64(cutSequence)), "log_start": .string(logStart.description), "next": next.map(JSON.string) ?? .null,
            "documents": .array(documents.map(\.json)),
        ]).serialized()
    }

    public init(decoding bytes: [UInt8]) throws {
        let r = try WireReader(bytes, message: "backfill reply")
        doctype = try r.string("doctype")
        asOf = try r.uint("as_of")
        func cursor(_ key: String) throws -> LogCursor {
            let text = try r.string(key)
            guard let cursor = LogCursor(string: text) else {
                throw StreamError(.invalidRequest, "backfill reply: '\(key)' must be a cursor SEGMENT:OFFSET, got '\(text)'")
            }
            return cursor
        }
        cut = try cursor("cut")
        logStart = try cursor("log_start")
        cutSequence = try r.uint("cut_sequence")
        next = try r.optionalString("next")
        let expected = doctype
        documents = try r.array("documents").enumerated().map { i, item in
            guard let d = Document(json: item), d.doctype == expected, d.name != nil else {
                throw StreamError(.invalidRequest, "backfill reply: documents[\(i)] is not a \(expected) document with a name")
            }
            return d
        }
    }
}

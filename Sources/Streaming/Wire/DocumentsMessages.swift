import DocumentModel
import SiteStreamJSON
import SnapshotStore

/// `POST /api/stream/documents`: many documents in one call, for the dependencies a consumer
/// lacks. docs/formats/streaming.md.
///
/// ```json
/// {"consumer": "branch-1", "documents": [{"doctype": "Item", "name": "ITEM-0001"}]}
/// ```
public struct DocumentsRequest: Sendable, Equatable {
    /// At most this many documents per request.
    public static let maxDocuments = 1000

    public var consumer: String
    public var keys: [DocumentKey]

    public init(consumer: String, keys: [DocumentKey]) {
        self.consumer = consumer
        self.keys = keys
    }

    public func encoded() -> [UInt8] {
        JSON.object([
            "consumer": .string(consumer),
            "documents": .array(keys.map { ["doctype": .string($0.doctype), "name": .string($0.name)] }),
        ]).serialized()
    }

    public init(decoding bytes: [UInt8]) throws {
        let r = try WireReader(bytes, message: "documents request")
        consumer = try r.string("consumer")
        keys = try r.objects("documents").map { DocumentKey(doctype: try $0.string("doctype"), name: try $0.string("name")) }
        guard keys.count <= Self.maxDocuments else {
            throw StreamError(.invalidRequest, "documents request: \(keys.count) documents asked for; at most \(Self.maxDocuments) per request")
        }
    }
}

/// The documents asked for, as the producer holds them now, and those it does not have.
///
/// ```json
/// {"as_of": 1234, "documents": [{"doctype": "Item", "name": "ITEM-0001", …}],
///  "missing": [{"doctype": "Item", "name": "GONE"}]}
/// ```
/// `as_of` is the producer's last durable sequence read before the documents: each document
/// reflects at least every change up to it, so a consumer skips stream entries at or below it.
public struct DocumentsReply: Sendable, Equatable {
    public var asOf: UInt64
    public var documents: [Document]
    public var missing: [DocumentKey]

    public init(asOf: UInt64, documents: [Document], missing: [DocumentKey]) {
        self.asOf = asOf
        self.documents = documents
        self.missing = missing
    }

    public func encoded() -> [UInt8] {
        JSON.object([
            "as_of": .int(Int64(asOf)),
            "documents": .array(documents.map(\.json)),
            "missing": .array(missing.map { ["doctype": .string($0.doctype), "name": .string($0.name)] }),
        ]).serialized()
    }

    public init(decoding bytes: [UInt8]) throws {
        let r = try WireReader(bytes, message: "documents reply")
        asOf = try r.uint("as_of")
        documents = try r.array("documents").enumerated().map { i, item in
            guard let d = Document(json: item), !d.doctype.isEmpty, d.name != nil else {
                throw StreamError(.invalidRequest, "documents reply: documents[\(i)] is not a document with 'doctype' and 'name'")
            }
            return d
        }
        missing = try r.objects("missing").map { DocumentKey(doctype: try $0.string("doctype"), name: try $0.string("name")) }
    }
}

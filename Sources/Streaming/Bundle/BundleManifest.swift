import EventLog
import SiteStreamJSON

/// `manifest.json` of an offline bundle (docs/formats/bundle.md): who made it for whom, the
/// cursor range it covers, every file with its size and crc32, and an HMAC-SHA256 over all of
/// it keyed by the subscription's shared secret (`BundleKeys`), so nothing in the bundle can
/// be changed, added, removed or forged without `verify` noticing.
///
/// The signature is over the manifest's canonical bytes: the manifest object without its
/// `signature` key, serialized compactly by `SiteStreamJSON` (key order as written).
public struct BundleManifest: Sendable, Equatable {
    public static let format = "sitestream-bundle"
    public static let version = 1
    public static let fileName = "manifest.json"

    /// One file of the bundle.
    public struct File: Sendable, Equatable {
        public var name: String
        public var bytes: UInt64
        public var crc32: UInt32
        /// Records (records files) or documents (the documents file) in it.
        public var entries: UInt64
        /// First and last producer sequence of the records in it (0 for the documents file).
        public var firstSequence: UInt64 = 0
        public var lastSequence: UInt64 = 0
    }

    public var producerID: String
    public var producerName: String
    public var producerURL: String?
    public var consumerID: String
    public var consumerName: String
    /// The bundle holds what the consumer may see after `from` through `to`. `fromSequence`
    /// is the producer sequence just before `from` (every record after `from` has a larger
    /// one), `toSequence` the last sequence at or before `to`.
    public var from: LogCursor
    public var fromSequence: UInt64
    public var to: LogCursor
    public var toSequence: UInt64
    public var entries: UInt64
    /// When it was written, as Frappe's datetime text (for people; not checked).
    public var created: String
    public var records: [File]
    /// Dependency documents (`documents.jsonl`) and the producer sequence they reflect.
    public var documents: File?
    public var documentsAsOf: UInt64 = 0
    public var signature: String = ""

    public var json: JSON {
        var o = unsignedObject
        o["signature"] = .string(signature)
        return .object(o)
    }

    var unsignedObject: JSONObject {
        func file(_ f: File) -> JSON {
            var o: JSONObject = ["name": .string(f.name), "bytes": .int(Int64(f.bytes)), "crc32": .int(Int64(f.crc32)),
                                 "entries": .int(Int64(f.entries))]
            if f.lastSequence > 0 {
                o["first_sequence"] = .int(Int64(f.firstSequence))
                o["last_sequence"] = .int(Int64(f.lastSequence))
            }
            return .object(o)
        }
        var o: JSONObject = [
            "format": .string(Self.format), "version": .int(Int64(Self.version)),
            "producer": ["id": .string(producerID), "name": .string(producerName), "url": producerURL.map(JSON.string) ?? .null],
            "consumer": ["id": .string(consumerID), "name": .string(consumerName)],
            "from": .string(from.description), "from_sequence": .int(Int64(fromSequence)),
            "to": .string(to.description), "to_sequence": .int(Int64(toSequence)),
            "entries": .int(Int64(entries)), "created": .string(created),
            "records": .array(records.map(file)),
        ]
        if let documents {
            var d = file(documents).objectValue ?? [:]
            d["as_of"] = .int(Int64(documentsAsOf))
            o["documents"] = .object(d)
        }
        return o
    }

    /// The bytes the signature covers.
    var canonicalBytes: [UInt8] { JSON.object(unsignedObject).serialized() }

    mutating func sign(keyHex: String) {
        signature = BundleSignature.sign(canonicalBytes, keyHex: keyHex)
    }

    func hasValidSignature(keyHex: String) -> Bool {
        BundleSignature.isValid(signature, of: canonicalBytes, keyHex: keyHex)
    }

    init(producerID: String, producerName: String, producerURL: String?, consumerID: String, consumerName: String,
         from: LogCursor, fromSequence: UInt64, to: LogCursor, toSequence: UInt64, entries: UInt64, created: String,
         records: [File], documents: File?, documentsAsOf: UInt64) {
        self.producerID = producerID
        self.producerName = producerName
        self.producerURL = producerURL
        self.consumerID = consumerID
        self.consumerName = consumerName
        self.from = from
        self.fromSequence = fromSequence
        self.to = to
        self.toSequence = toSequence
        self.entries = entries
        self.created = created
        self.records = records
        self.documents = documents
        self.documentsAsOf = documentsAsOf
    }

    /// Parses a manifest; throws `.integrity` naming the field that is missing or wrong. The
    /// canonical form is rebuilt from the parsed values, so any edit to the file, even one
    /// this parser would tolerate, changes what the signature must cover.
    public init(decoding bytes: [UInt8]) throws {
        func fail(_ message: String) -> StreamError { StreamError(.integrity, "bundle manifest: \(message)") }
        let root: JSON
        do { root = try JSON(parsing: bytes) } catch { throw fail("not valid JSON (\(error))") }
        guard let o = root.objectValue else { throw fail("not a JSON object") }
        guard o["format"]?.stringValue == Self.format else { throw fail("'format' is not \(Self.format)") }
        guard let version = o["version"]?.intValue, version == Self.version else {
            throw fail("version \(o["version"]?.intValue.map(String.init) ?? "?") is not supported (this build reads version \(Self.version))")
        }
        func string(_ object: JSONObject?, _ key: String, in place: String) throws -> String {
            guard let s = object?[key]?.stringValue, !s.isEmpty else { throw fail("'\(place)\(key)' is missing") }
            return s
        }
        func uint(_ object: JSONObject?, _ key: String, in place: String = "") throws -> UInt64 {
            guard let v = object?[key]?.intValue, v >= 0 else { throw fail("'\(place)\(key)' is missing or negative") }
            return UInt64(v)
        }
        func cursor(_ key: String) throws -> LogCursor {
            guard let c = o[key]?.stringValue.flatMap(LogCursor.init(string:)) else { throw fail("'\(key)' is not a cursor (SEGMENT:OFFSET)") }
            return c
        }
        func file(_ value: JSON, in place: String) throws -> File {
            guard let f = value.objectValue else { throw fail("'\(place)' holds something that is not a file") }
            let name = try string(f, "name", in: place + ".")
            guard !name.contains("/"), name != ".", name != "..", name != Self.fileName else { throw fail("file name \(name) is not allowed") }
            let crc = try uint(f, "crc32", in: place + ".")
            guard crc <= UInt64(UInt32.max) else { throw fail("'\(place).crc32' of \(name) is not a crc32") }
            return File(name: name, bytes: try uint(f, "bytes", in: place + "."), crc32: UInt32(crc), entries: try uint(f, "entries", in: place + "."),
                        firstSequence: UInt64(max(0, f["first_sequence"]?.intValue ?? 0)), lastSequence: UInt64(max(0, f["last_sequence"]?.intValue ?? 0)))
        }
        let producer = o["producer"]?.objectValue, consumer = o["consumer"]?.objectValue
        producerID = try string(producer, "id", in: "producer.")
        producerName = try string(producer, "name", in: "producer.")
        producerURL = producer?["url"]?.stringValue
        consumerID = try string(consumer, "id", in: "consumer.")
        consumerName = try string(consumer, "name", in: "consumer.")
        from = try cursor("from")
        fromSequence = try uint(o, "from_sequence")
        to = try cursor("to")
        toSequence = try uint(o, "to_sequence")
        entries = try uint(o, "entries")
        created = o["created"]?.stringValue ?? ""
        guard let list = o["records"]?.arrayValue else { throw fail("'records' is missing") }
        records = try list.map { try file($0, in: "records") }
        if let d = o["documents"] {
            documents = try file(d, in: "documents")
            documentsAsOf = try uint(d.objectValue, "as_of", in: "documents.")
        } else {
            documents = nil
        }
        guard let signature = o["signature"]?.stringValue else { throw fail("'signature' is missing") }
        self.signature = signature
        guard from <= to, fromSequence <= toSequence else { throw fail("the range \(from) … \(to) runs backwards") }
    }
}

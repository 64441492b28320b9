import EventLog
import SiteStreamJSON
import SnapshotStore

/// Folds the `replica` and `stream` annotations of log entries into the store's replication
/// keys, in the same `SnapshotStore.apply` as the entries' documents, so a consumer's
/// watermark can never disagree with the changes it covers. Both the live write path and
/// `Leveler` use it, so a rebuilt store holds the same keys.
///
/// Store keys (`__` DocTypes are never user DocTypes):
/// - `__stream/<producer site id>`: the `StreamWatermark` as JSON.
/// - `__replica/<producer site id>\0<doctype>\0<producer docname>`: `{"seq": N}`, the last
///   producer sequence applied to that document. Kept after the document is deleted, so a
///   re-delivered Create is still recognised as old.
struct ReplicationFold {
    static let streamDocType = "__stream"
    static let replicaDocType = "__replica"

    static func watermarkKey(producer: String) -> DocumentKey {
        DocumentKey(doctype: streamDocType, name: producer)
    }

    static func replicaKey(producer: String, doctype: String, remoteName: String) -> DocumentKey {
        DocumentKey(doctype: replicaDocType, name: "\(producer)\u{0}\(doctype)\u{0}\(remoteName)")
    }

    /// Reads a stored document: the store itself on the live path; during a rebuild, the store
    /// seen through the batches not yet applied to it (`PendingBatches`).
    let read: (DocumentKey) throws -> [UInt8]?
    private var watermarks: [String: StreamWatermark] = [:]
    private var replicas: [DocumentKey: UInt64] = [:]
    private var order: [DocumentKey] = []

    init(store: SnapshotStore) {
        self.init(reading: store.get)
    }

    init(reading read: @escaping (DocumentKey) throws -> [UInt8]?) {
        self.read = read
    }

    var isEmpty: Bool { order.isEmpty }

    /// Takes in the annotations of one entry about `doctype`, and its origin.
    ///
    /// A replica whose origin is a third site (a change of A relayed by B) also moves the
    /// replica sequence under the origin site (A) to the origin's sequence: the document now
    /// reflects A's change, so the same change arriving from A directly (or through another
    /// path) is recognised as applied.
    mutating func fold(doctype: String, origin: Origin?, _ annotations: EntryAnnotations) throws {
        if let mark = annotations.replica {
            let key = Self.replicaKey(producer: mark.producer, doctype: doctype, remoteName: mark.remoteName)
            if replicas[key] == nil { order.append(key) }
            replicas[key] = mark.sequence
            if let origin, origin.site != mark.producer {
                let originKey = Self.replicaKey(producer: origin.site, doctype: doctype, remoteName: mark.remoteName)
                let held = try replicas[originKey] ?? Self.replicaSequence(try read(originKey))
                if replicas[originKey] == nil { order.append(originKey) }
                replicas[originKey] = max(held ?? 0, origin.sequence)
            }
        }
        if let mark = annotations.stream {
            let key = Self.watermarkKey(producer: mark.producer)
            let previous: StreamWatermark?
            if let held = watermarks[mark.producer] {
                previous = held
            } else {
                previous = try Self.watermark(try read(key), producer: mark.producer)
                order.append(key)
            }
            watermarks[mark.producer] = StreamWatermark.folding(mark, into: previous)
        }
    }

    /// The store changes for everything folded so far.
    func changes() -> [StoreChange] {
        order.map { key in
            if key.doctype == Self.streamDocType {
                return .put(key, document: watermarks[key.name]!.json.serialized(), terms: [])
            }
            // `{"seq":N}`, the compact text of that object, written directly.
            return .put(key, document: Array("{\"seq\":\(Int64(bitPattern: replicas[key]!))}".utf8), terms: [])
        }
    }

    static func watermark(in store: SnapshotStore, producer: String) throws -> StreamWatermark? {
        try watermark(try store.get(watermarkKey(producer: producer)), producer: producer)
    }

    /// The watermark in a stored `__stream` document's bytes (nil: none stored).
    static func watermark(_ stored: [UInt8]?, producer: String) throws -> StreamWatermark? {
        guard let bytes = stored else { return nil }
        guard let w = StreamWatermark(json: try JSON(parsing: bytes)) else {
            throw SiteError(.corruptSiteFile, "the stored watermark of producer \(producer) is not a watermark")
        }
        return w
    }

    static func replicaSequence(in store: SnapshotStore, producer: String, doctype: String, remoteName: String) throws -> UInt64? {
        try replicaSequence(in: store, key: replicaKey(producer: producer, doctype: doctype, remoteName: remoteName))
    }

    static func replicaSequence(in store: SnapshotStore, key: DocumentKey) throws -> UInt64? {
        try replicaSequence(try store.get(key))
    }

    /// The sequence in a stored `__replica` document's bytes (nil: none stored).
    static func replicaSequence(_ stored: [UInt8]?) throws -> UInt64? {
        guard let bytes = stored else { return nil }
        return try JSON(parsing: bytes)["seq"]?.intValue.map { UInt64(bitPattern: $0) }
    }
}

/// What happened to a document. Codes are stored in one byte; new kinds get new codes and readers
/// refuse codes they do not know.
public enum UpdateType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case create = 1
    case update = 2
    case cancel = 3
    case delete = 4

    /// The name INTERFACE.md uses on the wire: `Create`, `Update`, `Cancel`, `Delete`.
    public var description: String {
        switch self {
        case .create: "Create"
        case .update: "Update"
        case .cancel: "Cancel"
        case .delete: "Delete"
        }
    }
}

/// Where a replicated change first came from: the originating site and its sequence number there.
/// Carried unchanged through every hop so chains of sites can drop their own changes coming back.
public struct Origin: Hashable, Sendable {
    public var site: String
    public var sequence: UInt64

    public init(site: String, sequence: UInt64) {
        self.site = site
        self.sequence = sequence
    }
}

/// An entry to append: everything but the sequence number, which the log assigns.
public struct EntryDraft: Sendable {
    /// Microseconds since the Unix epoch; nil means "now" at the moment of encoding.
    public var timestamp: Int64?
    public var updateType: UpdateType
    public var doctype: String
    public var docname: String
    public var origin: Origin?
    /// Opaque bytes for the layer above (the streaming layer keeps the immediate producer's id,
    /// sequence and cursor here). Empty by default.
    public var annotations: [UInt8]
    /// The document or diff, opaque to the log.
    public var payload: [UInt8]

    public init(
        timestamp: Int64? = nil, updateType: UpdateType, doctype: String, docname: String,
        origin: Origin? = nil, annotations: [UInt8] = [], payload: [UInt8]
    ) {
        self.timestamp = timestamp
        self.updateType = updateType
        self.doctype = doctype
        self.docname = docname
        self.origin = origin
        self.annotations = annotations
        self.payload = payload
    }
}

/// One decoded, checksum-verified record. `payload` is always the inflated bytes.
public struct LogRecord: Sendable, Equatable {
    public var sequence: UInt64
    /// Microseconds since the Unix epoch.
    public var timestamp: Int64
    public var updateType: UpdateType
    public var doctype: String
    public var docname: String
    public var origin: Origin?
    public var annotations: [UInt8]
    public var payload: [UInt8]
    /// True when the payload was stored deflated (it is returned inflated either way).
    public var wasCompressed: Bool

    public init(
        sequence: UInt64, timestamp: Int64, updateType: UpdateType, doctype: String, docname: String,
        origin: Origin?, annotations: [UInt8], payload: [UInt8], wasCompressed: Bool
    ) {
        self.sequence = sequence
        self.timestamp = timestamp
        self.updateType = updateType
        self.doctype = doctype
        self.docname = docname
        self.origin = origin
        self.annotations = annotations
        self.payload = payload
        self.wasCompressed = wasCompressed
    }
}

/// What an append returns once the entries are acknowledged under the durability setting.
public struct AppendResult: Sendable, Equatable {
    public var firstSequence: UInt64
    public var lastSequence: UInt64
    /// The position just after the last appended record.
    public var cursor: LogCursor
}

/// A batch of raw framed records, contiguous and in sequence order, ready to be sent on and
/// re-verified by `RecordFrame` on the other side without the log.
public struct LogBatch: Sendable {
    /// The records exactly as stored (length, crc, header, payload), back to back.
    public var bytes: [UInt8] {
        didSet { framesChecked = false }
    }
    /// Set by `EventLog.read`, which checked every frame of `bytes` (framing, crc, contiguous
    /// sequences) as it read them: `records()` then decodes them without computing each crc a
    /// second time (a rebuild spent 5 % of its reading thread there). Any change to `bytes`
    /// clears it, as does building a batch from bytes received from elsewhere.
    var framesChecked = false
    public var count: Int
    /// Nil when the batch is empty.
    public var firstSequence: UInt64?
    public var lastSequence: UInt64?
    /// Where to continue reading: pass it as `after:` to the next `read`.
    public var next: LogCursor
    /// For each record, the cursor just after it: the watermark to store once that record is
    /// applied (the last one equals `next`).
    public var cursors: [LogCursor]

    public init(bytes: [UInt8], count: Int, firstSequence: UInt64?, lastSequence: UInt64?, next: LogCursor, cursors: [LogCursor]) {
        self.bytes = bytes
        self.count = count
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.next = next
        self.cursors = cursors
    }

    /// Decodes and verifies every record in the batch (a batch the log has just read and
    /// checked is not checked twice).
    public func records() throws -> [LogRecord] {
        framesChecked ? try RecordFrame.decodeChecked(bytes) : try RecordFrame.decodeAll(bytes)
    }
}

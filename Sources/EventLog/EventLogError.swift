/// Every failure of the event log: what kind (`code`), a sentence a person can act on, and where
/// (segment file, byte offset, sequence number) when there is a place to name.
public struct EventLogError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A system call failed (`errno` is set).
        public static let io = Code("io")
        /// Another process (or another `EventLog` in this one) holds the log's lock file.
        public static let locked = Code("locked")
        /// A record fails its checksum, has an impossible length, or breaks the sequence.
        public static let corruptRecord = Code("corrupt-record")
        /// A segment header is damaged or does not match the file name.
        public static let corruptSegmentHeader = Code("corrupt-segment-header")
        /// A segment that must exist is missing (a gap in sequence numbers).
        public static let missingSegment = Code("missing-segment")
        /// A cursor that is not on a record boundary.
        public static let cursorNotOnBoundary = Code("cursor-not-on-record-boundary")
        /// A cursor beyond what has been written (or made durable).
        public static let cursorBeyondEnd = Code("cursor-beyond-end")
        /// A cursor into a segment that retention removed, or that never existed.
        public static let cursorSegmentGone = Code("cursor-segment-gone")
        /// A sequence number below the first kept or above the last written.
        public static let sequenceOutOfRange = Code("sequence-out-of-range")
        /// An entry that cannot be stored (a name too long, a record too large).
        public static let invalidEntry = Code("invalid-entry")
        /// Bytes handed to `RecordFrame` that are not whole, valid records.
        public static let invalidFrame = Code("invalid-frame")
        /// The log was closed.
        public static let closed = Code("closed")
        /// A directory or file that is not an event log.
        public static let notALog = Code("not-a-log")
    }

    public var code: Code
    public var message: String
    /// The segment file name (not the full path), when the error has a place.
    public var segmentFile: String?
    public var offset: UInt64?
    public var sequence: UInt64?
    /// `errno` for `.io` errors.
    public var errno: Int32?

    public init(
        _ code: Code, _ message: String, segmentFile: String? = nil, offset: UInt64? = nil,
        sequence: UInt64? = nil, errno: Int32? = nil
    ) {
        self.code = code
        self.message = message
        self.segmentFile = segmentFile
        self.offset = offset
        self.sequence = sequence
        self.errno = errno
    }

    public var description: String {
        var place: [String] = []
        if let segmentFile { place.append("segment \(segmentFile)") }
        if let offset { place.append("offset \(offset)") }
        if let sequence { place.append("sequence \(sequence)") }
        let at = place.isEmpty ? "" : " (" + place.joined(separator: ", ") + ")"
        return "event log: \(message)\(at)"
    }
}

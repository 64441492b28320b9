/// What went wrong in the snapshot store, and where: the file and byte offset when a file is
/// at fault, the document when a request is.
public struct SnapshotStoreError: Error, CustomStringConvertible, Sendable {
    /// Extensible error codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Another store instance (this or another process) holds the directory's lock.
        public static let locked = Code("locked")
        /// A system call failed (the message names it and the errno).
        public static let io = Code("io")
        /// A record's checksum or framing is wrong in a region that was durable (not a torn tail).
        public static let corrupt = Code("corrupt")
        /// A file is not a store file of a version this code reads.
        public static let badFormat = Code("bad-format")
        /// The caller asked for something the store cannot hold (empty or over-long key, …).
        public static let invalidArgument = Code("invalid-argument")
        /// The store was closed.
        public static let closed = Code("closed")
        /// A compaction is already running.
        public static let busy = Code("busy")
    }

    public var code: Code
    public var message: String
    /// The file at fault, if any (full path).
    public var file: String?
    /// The byte offset in `file` at fault, if any.
    public var offset: UInt64?
    /// The underlying system error number, if any.
    public var errno: Int32?

    public init(_ code: Code, _ message: String, file: String? = nil, offset: UInt64? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.offset = offset
        self.errno = errno
    }

    public var description: String {
        var text = "snapshot store \(code): \(message)"
        if let file {
            text += " [file \(file)"
            if let offset { text += " at offset \(offset)" }
            text += "]"
        }
        return text
    }
}

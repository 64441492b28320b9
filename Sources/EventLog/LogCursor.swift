/// A position in the log: the segment (named by its base sequence number) and a byte offset inside
/// it that falls on a record boundary. A consumer's watermark is a cursor: the position just after
/// the last record it has applied, so reading "after" a cursor starts at the record found there.
///
/// On the wire a cursor is `"<segment>:<offset>"` in decimal, e.g. `"1:32"`; `init?(string:)`
/// also accepts the zero-padded segment form used in file names (`"00000000000000000001:32"`).
public struct LogCursor: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The base sequence number of the segment (the sequence number of its first record).
    public var segment: UInt64
    /// The byte offset inside the segment file.
    public var offset: UInt64

    public init(segment: UInt64, offset: UInt64) {
        self.segment = segment
        self.offset = offset
    }

    /// Parses the wire form `"<segment>:<offset>"`; nil for anything else (empty parts, signs,
    /// spaces, overflow).
    public init?(string: String) {
        let parts = string.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2,
              parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              let segment = UInt64(parts[0]), let offset = UInt64(parts[1])
        else { return nil }
        self.init(segment: segment, offset: offset)
    }

    /// The wire form, `"<segment>:<offset>"`.
    public var description: String { "\(segment):\(offset)" }

    public static func < (lhs: LogCursor, rhs: LogCursor) -> Bool {
        (lhs.segment, lhs.offset) < (rhs.segment, rhs.offset)
    }
}

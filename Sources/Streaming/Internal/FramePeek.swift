import EventLog

/// The header facts of one framed log record, read from its bytes without inflating the
/// payload (the layout is `RecordFrame`'s, docs/formats/eventlog.md). Only used on frames the
/// log has already verified; the producer filters with it and copies the frame unchanged.
struct FramePeek {
    var length: Int
    var sequence: UInt64
    /// Microseconds since the Unix epoch.
    var timestamp: Int64
    var updateType: UInt8
    var doctype: String
    var docname: String
    /// The origin site, or nil when the record has none.
    var originSite: String?

    static let headerSize = RecordFrame.headerSize

    /// Reads the frame at `offset`; nil when the bytes there cannot be a frame.
    init?(_ bytes: [UInt8], at offset: Int) {
        guard bytes.count - offset >= Self.headerSize else { return nil }
        length = Int(bytes.u32(at: offset))
        guard length >= Self.headerSize, offset + length <= bytes.count else { return nil }
        sequence = bytes.u64(at: offset + 8)
        timestamp = Int64(bitPattern: bytes.u64(at: offset + 16))
        updateType = bytes[offset + 24]
        let flags = bytes[offset + 25]
        let d = Int(bytes.u16(at: offset + 26)), n = Int(bytes.u16(at: offset + 28)), s = Int(bytes.u16(at: offset + 30))
        let start = offset + Self.headerSize
        guard start + d + n + s <= offset + length else { return nil }
        doctype = String(decoding: bytes[start..<start + d], as: UTF8.self)
        docname = String(decoding: bytes[start + d..<start + d + n], as: UTF8.self)
        originSite = flags & 2 != 0 ? String(decoding: bytes[start + d + n..<start + d + n + s], as: UTF8.self) : nil
    }
}

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
}

extension FramePeek {
    /// Reads the frame at `offset`; nil when the bytes there cannot be a frame.
    ///
    /// Through one buffer pointer: the producer peeks at every frame it reads (an export, a
    /// million), and reading the header through the array's subscripts and slices cost a
    /// retain and a release each, about a tenth of the export's reading thread.
    init?(_ bytes: [UInt8], at offset: Int) {
        guard let peek = bytes.withUnsafeBytes({ Self.peek(UnsafeRawBufferPointer($0), at: offset) }) else { return nil }
        self = peek
    }

    private static func peek(_ raw: UnsafeRawBufferPointer, at offset: Int) -> FramePeek? {
        guard offset >= 0, raw.count - offset >= headerSize else { return nil }
        func u16(_ i: Int) -> Int { Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + i, as: UInt16.self))) }
        let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        guard length >= headerSize, offset + length <= raw.count else { return nil }
        let sequence = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        let timestamp = Int64(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)))
        let updateType = raw[offset + 24]
        let flags = raw[offset + 25]
        let d = u16(26), n = u16(28), s = u16(30)
        let start = offset + headerSize
        guard start + d + n + s <= offset + length else { return nil }
        func text(_ from: Int, _ count: Int) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: raw[from..<from + count]), as: UTF8.self)
        }
        return FramePeek(length: length, sequence: sequence, timestamp: timestamp, updateType: updateType,
                         doctype: text(start, d), docname: text(start + d, n),
                         originSite: flags & 2 != 0 ? text(start + d + n, s) : nil)
    }
}

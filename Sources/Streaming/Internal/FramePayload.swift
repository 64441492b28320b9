import EventLog
import SiteStreamJSON

extension FramePeek {
    /// Where the payload of the verified frame at the start of `raw` lies, when it is stored
    /// as it is; nil when it is deflated (then `RecordFrame.decode` inflates it) or the header's
    /// lengths do not fit the bytes. Layout: `RecordFrame` (docs/formats/eventlog.md).
    static func storedPayload(_ raw: UnsafeRawBufferPointer) -> Range<Int>? {
        guard raw.count >= headerSize, raw[25] & 1 == 0 else { return nil }
        func u16(_ at: Int) -> Int { Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self))) }
        func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        let length = u32(0), p = u32(36)
        let start = headerSize + u16(26) + u16(28) + u16(30) + u32(32)
        guard length <= raw.count, start + p == length else { return nil }
        return start..<length
    }

    /// `scan` applied to the payload of the verified frame at the start of `frame`, when it is
    /// stored as it is; nil when it is deflated or `scan` finds no well-formed object.
    static func scanPayload(_ frame: ArraySlice<UInt8>, with scan: JSONFieldScan) -> JSONObject? {
        frame.withUnsafeBytes { raw in
            storedPayload(raw).flatMap { scan.object(UnsafeRawBufferPointer(rebasing: raw[$0])) }
        }
    }
}

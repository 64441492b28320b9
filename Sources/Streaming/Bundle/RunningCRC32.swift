import EventLog
import SiteStreamCRC

/// The crc32 of a file being written, kept as bytes are appended. Bytes of a log frame
/// whose own crc was verified a moment before need not be read again: a frame's crc covers its
/// bytes but the crc field itself (docs/formats/eventlog.md), and crc32 is linear, so the
/// file's crc over the whole frame follows from the crc so far, the frame's first eight bytes
/// and its stored crc (`appendVerifiedFrame`). That halves the checksum work of an export,
/// which would otherwise run crc32 twice over every byte (once verifying the log, once for the
/// bundle file). The result is the crc32 of the bytes exactly as `update` over all of them
/// would give; the tests hold the two side by side, and debug builds check every file.
struct RunningCRC32 {
    private(set) var value: UInt32 = 0
    /// Per frame length, direct-mapped: the shift operator over the frame's bytes after its
    /// crc field (`CRC32.shift`: about a dozen polynomial multiplications to make, one to
    /// apply) and the crc of its length field (4 bytes, read a byte at a time otherwise).
    /// Frames of one backlog come in a few lengths.
    private var lengths = [Length](repeating: Length(field: 0, frameBytes: -1, shift: 0, fieldCRC: 0), count: 1024)

    private struct Length {
        var field: UInt32
        var frameBytes: Int
        var shift: UInt32
        var fieldCRC: UInt32
    }

    /// Adds `bytes`, reading them (`CRC32.update`).
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        value = CRC32.update(value, bytes)
    }

    /// Adds `head` (read) and then the log frame `frame`, whose stored crc (bytes [4, 8)) was
    /// verified against its bytes: only `head` and the frame's first eight bytes are read.
    /// `head` is what the file holds right before the frame (a records file's 16-byte cursor);
    /// read in one call with the frame's first eight bytes when the two lie next to each other.
    /// A frame that was not verified must go through `update`, or the file's crc would vouch
    /// for bytes nobody checked.
    mutating func appendVerifiedFrame(_ frame: UnsafeRawBufferPointer, after head: UnsafeRawBufferPointer? = nil) {
        precondition(frame.count >= RecordFrame.headerSize, "a frame is at least its header")
        // The file so far, then `head`, then the length and crc fields as they are.
        if let head, head.count > 0, head.baseAddress! + head.count == frame.baseAddress! {
            update(UnsafeRawBufferPointer(start: head.baseAddress, count: head.count + 8))
        } else {
            if let head { update(head) }
            update(UnsafeRawBufferPointer(rebasing: frame[0..<8]))
        }
        // The frame's crc is crc32(length ‖ rest); the file's becomes crc32(file ‖ length ‖
        // crc ‖ rest) = shift(file ‖ length ‖ crc) ⊕ crc32(rest), and crc32(rest) =
        // stored ⊕ shift(crc32(length)), with shift by the rest's length (linearity).
        let field = UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let stored = UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let length = self.length(field: field, frameBytes: frame.count)
        value = CRC32.combine(value ^ length.fieldCRC, stored, shift: length.shift)
    }

    /// The shift and length-field crc for a frame of `frameBytes` whose length field holds
    /// `field`, from the table or made and kept.
    private mutating func length(field: UInt32, frameBytes: Int) -> Length {
        let slot = frameBytes & (lengths.count - 1)
        if lengths[slot].frameBytes == frameBytes, lengths[slot].field == field { return lengths[slot] }
        let fieldCRC = withUnsafeBytes(of: field.littleEndian) { CRC32.update(0, $0) }
        let made = Length(field: field, frameBytes: frameBytes, shift: CRC32.shift(over: frameBytes - 8), fieldCRC: fieldCRC)
        lengths[slot] = made
        return made
    }

    var crc32: UInt32 { value }
}

import CZlib
import EventLog

/// The zlib crc32 of a file being written, kept as bytes are appended. Bytes of a log frame
/// whose own crc was verified a moment before need not be read again: a frame's crc covers its
/// bytes but the crc field itself (docs/formats/eventlog.md), and crc32 is linear, so the
/// file's crc over the whole frame follows from the crc so far, the frame's first eight bytes
/// and its stored crc (`appendVerifiedFrame`). That halves the checksum work of an export,
/// which would otherwise run crc32 twice over every byte (once verifying the log, once for the
/// bundle file). The result is the crc32 of the bytes exactly as `update` over all of them
/// would give; the tests hold the two side by side, and debug builds check every file.
struct RunningCRC32 {
    private(set) var value: UInt = 0
    /// Shift operators (`crc32_combine_gen`) by byte count, direct-mapped: frames of one
    /// backlog come in a few lengths, and each operator costs about a dozen polynomial
    /// multiplications to make but one to apply.
    private var shifts = [(length: Int, op: UInt)](repeating: (-1, 0), count: 1024)

    /// Adds `bytes`, reading them. The corresponding C function is `crc32`.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        value = CZlib.crc32(value, base.assumingMemoryBound(to: UInt8.self), UInt32(bytes.count))
    }

    /// Adds the log frame `frame`, whose stored crc (bytes [4, 8)) was verified against its
    /// bytes: only its first eight bytes are read. A frame that was not verified must go
    /// through `update`, or the file's crc would vouch for bytes nobody checked.
    mutating func appendVerifiedFrame(_ frame: UnsafeRawBufferPointer) {
        precondition(frame.count >= RecordFrame.headerSize, "a frame is at least its header")
        // The file so far, then the length and crc fields as they are.
        update(UnsafeRawBufferPointer(rebasing: frame[0..<8]))
        // The frame's crc is crc32(length ‖ rest); the file's becomes crc32(file ‖ length ‖
        // crc ‖ rest) = shift(file ‖ length ‖ crc) ⊕ crc32(rest), and crc32(rest) =
        // stored ⊕ shift(crc32(length)), with shift by the rest's length (linearity).
        let lengthCRC = CZlib.crc32(0, frame.baseAddress!.assumingMemoryBound(to: UInt8.self), 4)
        let stored = UInt(frame.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)
        value = crc32_combine_op(value ^ lengthCRC, stored, shift(frame.count - 8))
    }

    /// The operator that advances a crc over `length` bytes. The corresponding C function is
    /// `crc32_combine_gen`.
    private mutating func shift(_ length: Int) -> UInt {
        let slot = length & (shifts.count - 1)
        if shifts[slot].length == length { return shifts[slot].op }
        let op = crc32_combine_gen(off_t(length))
        shifts[slot] = (length, op)
        return op
    }

    var crc32: UInt32 { UInt32(truncatingIfNeeded: value) }
}

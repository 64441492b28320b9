import CZlib
import EventLog
import Foundation
import Glibc
import SiteStreamCRC

/// Reads a file front to back in chunks (`pread`), keeping a window of bytes the caller parses
/// from, and the crc32 of every byte read so far. Memory stays at about one chunk (or the
/// largest single record) however large the file.
final class ChunkedReader {
    let path: String
    let fd: Int32
    let size: Int
    private(set) var fileOffset = 0
    /// Bytes read and not yet consumed: `buffer[start...]`.
    private(set) var buffer: [UInt8] = []
    private(set) var start = 0
    private(set) var crc: UInt32 = 0
    /// Whether `crc` is kept (a caller that checksums what it parses keeps its own).
    let checksumming: Bool
    static let chunk = 4 << 20

    /// Opens `path` for reading from `offset`. The corresponding C function is `open`.
    init(path: String, from offset: Int = 0, checksumming: Bool = true) throws {
        self.path = path
        self.checksumming = checksumming
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StreamError(.integrity, "cannot open \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw StreamError(.integrity, "cannot stat \(path): \(message)")
        }
        size = Int(info.st_size)
        fileOffset = offset
    }

    deinit { close(fd) }

    /// Bytes available in the window.
    var available: Int { buffer.count - start }
    /// The file offset of `buffer[start]`.
    var position: Int { fileOffset - available }
    var atEnd: Bool { available == 0 && fileOffset >= size }

    /// Makes at least `count` bytes available; false when the file ends first.
    func ensure(_ count: Int) throws -> Bool {
        while available < count {
            guard fileOffset < size else { return false }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let want = min(max(Self.chunk, count - available), size - fileOffset)
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: want))
            let got = buffer.withUnsafeMutableBytes { raw in pread(fd, raw.baseAddress! + old, want, off_t(fileOffset)) }
            guard got > 0 else {
                buffer.removeLast(want)
                if got < 0 { throw StreamError(.integrity, "cannot read \(path) at byte \(fileOffset): \(String(cString: strerror(errno)))") }
                return false
            }
            if got < want { buffer.removeLast(want - got) }
            if checksumming { crc = buffer.withUnsafeBytes { CRC32.update(crc, UnsafeRawBufferPointer(rebasing: $0[old..<old + got])) } }
            fileOffset += got
        }
        return true
    }

    func u32(at i: Int) -> UInt32 { buffer.u32(at: start + i) }
    func u64(at i: Int) -> UInt64 { buffer.u64(at: start + i) }
    func bytes(_ range: Range<Int>) -> [UInt8] { Array(buffer[start + range.lowerBound..<start + range.upperBound]) }

    /// `body` on the available bytes in `range` (relative to the window), where they lie.
    func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start + range.lowerBound..<start + range.upperBound])) }
    }

    func consume(_ count: Int) { start += count }

    /// Reads the rest of the file (for its crc).
    func drain() throws {
        while try ensure(available + 1) { start = buffer.count }
        start = buffer.count
    }

    /// The crc32 of the whole file (reads what is left).
    func wholeFileCRC() throws -> UInt32 {
        precondition(checksumming, "a reader opened without checksumming keeps no crc")
        try drain()
        return crc
    }
}

/// Writes a new file in large appends, keeping its size and crc32; `finish` makes it durable.
/// Writeback of what was written starts every few MiB (`sitestream_start_writeback`), so the
/// final `fsync` of a large file waits for little more than its last stretch.
final class BundleWriter {
    let path: String
    let fd: Int32
    private(set) var bytes: UInt64 = 0
    private var crc = RunningCRC32()
    private var pending: [UInt8] = []
    /// Where writeback was last started from.
    private var writebackFrom: UInt64 = 0
    static let writeBytes = 1 << 20
    static let writebackBytes: UInt64 = 8 << 20
    #if DEBUG
    /// The crc of every byte as written, to hold `crc` to in debug builds.
    private var plainCRC: UInt32 = 0
    #endif
    /// Bytes appended so far, written or not.
    var size: UInt64 { bytes + UInt64(pending.count) }

    /// Creates `path`, which must not exist. The corresponding C function is `open(O_CREAT|O_EXCL)`.
    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StreamError(.invalidRequest, "cannot create \(path): \(String(cString: strerror(errno)))") }
        pending.reserveCapacity(Self.writeBytes + (64 << 10))
    }

    deinit { close(fd) }

    func append(_ part: [UInt8]) throws { try append(part[...]) }

    func append(_ part: ArraySlice<UInt8>) throws {
        part.withUnsafeBytes { crc.update($0) }
        pending.append(contentsOf: part)
        if pending.count >= Self.writeBytes { try flush() }
    }

    /// Appends one records-file entry: the cursor after the record, then its frame. A frame
    /// read from the log (`verified`: its own crc was checked against its bytes) adds to the
    /// file's crc from its stored crc without a second pass over it (`RunningCRC32`); any
    /// other frame is read whole.
    func appendEntry(cursor: LogCursor, frame: ArraySlice<UInt8>, verified: Bool) throws {
        let at = pending.count
        pending.appendU64(cursor.segment)
        pending.appendU64(cursor.offset)
        pending.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[at...])) }
        frame.withUnsafeBytes { raw in
            if verified { crc.appendVerifiedFrame(raw) } else { crc.update(raw) }
        }
        pending.append(contentsOf: frame)
        if pending.count >= Self.writeBytes { try flush() }
    }

    /// Adds one records-file entry laid out by the caller (the 16-byte cursor, then the frame)
    /// to the file's crc, as `appendEntry` does, for bytes the caller then hands to `write`.
    func addToCRC(entry: UnsafeRawBufferPointer, verified: Bool) {
        let cursor = UnsafeRawBufferPointer(rebasing: entry[0..<16])
        let frame = UnsafeRawBufferPointer(rebasing: entry[16...])
        if verified {
            crc.appendVerifiedFrame(frame, after: cursor)
        } else {
            crc.update(entry)
        }
    }

    /// Writes `raw` as it is, after whatever was appended before: no copy into the pending
    /// buffer. Its bytes must already be in the crc (`addToCRC`).
    func write(_ raw: UnsafeRawBufferPointer) throws {
        try flush()
        try writeOut(raw)
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        try pending.withUnsafeBytes { try writeOut($0) }
        pending.removeAll(keepingCapacity: true)
    }

    /// `write(2)` of all of `raw`, then a head start for writeback every few MiB.
    private func writeOut(_ raw: UnsafeRawBufferPointer) throws {
        guard let base = raw.baseAddress, !raw.isEmpty else { return }
        #if DEBUG
        plainCRC = CRC32.update(plainCRC, raw)
        #endif
        var done = 0
        while done < raw.count {
            let n = Glibc.write(fd, base + done, raw.count - done)
            guard n > 0 else { throw StreamError(.invalidRequest, "cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
        bytes += UInt64(raw.count)
        if bytes - writebackFrom >= Self.writebackBytes {
            // Only a head start for `finish`: a failure here is found by its fsync.
            _ = sitestream_start_writeback(fd, Int64(writebackFrom), Int64(bytes - writebackFrom))
            writebackFrom = bytes
        }
    }

    /// Flushes and `fsync`s the file.
    func finish() throws -> (bytes: UInt64, crc32: UInt32) {
        let written = try complete()
        try sync()
        return written
    }

    /// Flushes what is pending: the file's size and crc are final, but it is not yet durable
    /// (`sync`). No more appends may follow.
    func complete() throws -> (bytes: UInt64, crc32: UInt32) {
        try flush()
        #if DEBUG
        precondition(plainCRC == crc.crc32, "\(path): the crc kept from verified frames (\(crc.crc32)) is not the crc of the bytes written (\(plainCRC))")
        #endif
        return (bytes, crc.crc32)
    }

    /// Makes what was written durable. The corresponding C function is `fsync`.
    func sync() throws {
        guard fsync(fd) == 0 else { throw StreamError(.invalidRequest, "cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}

enum BundleDirectory {
    /// `fsync` of a directory, so a rename or new file in it is durable.
    static func sync(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

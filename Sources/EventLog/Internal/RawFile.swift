#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open file of the log (a segment or an index), shared by the writer and readers.
/// `pread`/`pwrite` carry their own offsets, so concurrent use from several threads is safe; the
/// descriptor is closed when the last reference goes away, so a reader holding a segment that
/// retention just unlinked keeps reading it.
final class RawFile: Sendable {
    let fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Opens `path`. The corresponding C function is `open` (with `O_CLOEXEC`).
    static func open(_ path: String, create: Bool = false, writable: Bool = true, exclusive: Bool = false) throws -> RawFile {
        var flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC
        if create { flags |= O_CREAT }
        if exclusive { flags |= O_EXCL }
        let fd = Glibc.open(path, flags, 0o644)
        guard fd >= 0 else { throw ioError("cannot open \(path)") }
        return RawFile(fd: fd, path: path)
    }

    /// The file's size. The corresponding C function is `fstat`.
    func size() throws -> UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RawFile.ioError("cannot stat \(path)") }
        return UInt64(st.st_size)
    }

    /// Reads up to `count` bytes at `offset`, fewer only at the end of the file.
    /// The corresponding C function is `pread`, repeated on short reads.
    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var got = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            defer { initialized = got }
            got = try read(at: offset, into: UnsafeMutableRawBufferPointer(buffer))
        }
        return bytes
    }

    /// Reads into `buffer` at `offset`; returns the bytes read (short only at the end of file).
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw RawFile.ioError("cannot read \(path) at \(offset)")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Writes all of `bytes` at `offset`. The corresponding C function is `pwrite`, repeated on
    /// short writes.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw RawFile.ioError("cannot write \(path) at \(offset)")
            }
            done += n
        }
    }

    func write(_ bytes: [UInt8], at offset: UInt64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    /// Makes written data durable. The corresponding C function is `fdatasync`.
    func sync() throws {
        while fdatasync(fd) != 0 {
            if errno == EINTR { continue }
            throw RawFile.ioError("cannot fdatasync \(path)")
        }
    }

    /// Cuts the file to `size` bytes. The corresponding C function is `ftruncate`.
    func truncate(to size: UInt64) throws {
        guard ftruncate(fd, off_t(size)) == 0 else { throw RawFile.ioError("cannot truncate \(path)") }
    }

    /// Takes an exclusive (or shared) lock without waiting; false when someone else holds it.
    /// The corresponding C function is `flock`.
    func tryLock(exclusive: Bool = true) throws -> Bool {
        if flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw RawFile.ioError("cannot lock \(path)")
    }

    /// Releases a lock taken with `tryLock`. The corresponding C function is `flock(LOCK_UN)`.
    func unlock() {
        flock(fd, LOCK_UN)
    }

    static func ioError(_ message: String) -> EventLogError {
        let code = errno
        return EventLogError(.io, "\(message): \(String(cString: strerror(code)))", errno: code)
    }
}

/// Directory operations the log needs.
enum FileSystem {
    /// Makes a directory's entries (created, renamed, removed files) durable: `open` + `fsync`.
    static func syncDirectory(_ path: String) throws {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw RawFile.ioError("cannot open directory \(path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw RawFile.ioError("cannot fsync directory \(path)") }
    }

    /// The names in a directory. The corresponding C functions are `opendir`/`readdir`.
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw RawFile.ioError("cannot read directory \(path)") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func createDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw RawFile.ioError("cannot create directory \(path)")
        }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Removes a file. The corresponding C function is `unlink`.
    static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw RawFile.ioError("cannot remove \(path)") }
    }

    static func fileSize(_ path: String) -> UInt64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt64(st.st_size)
    }
}

/// Microseconds since the Unix epoch from the wall clock.
func wallClockMicroseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

/// Monotonic nanoseconds, for intervals.
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

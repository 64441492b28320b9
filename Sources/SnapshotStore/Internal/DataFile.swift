import Glibc
import SystemPackage

/// An open store file (data file or index snapshot) and the system calls the store makes on it.
/// A reference type so that readers holding an old data file's offsets keep it open after a
/// compaction switched to a new one: the descriptor closes when the last holder lets go.
final class StoreFile: Sendable {
    let descriptor: FileDescriptor
    let path: String

    init(descriptor: FileDescriptor, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { try? descriptor.close() }

    /// Opens (and optionally creates) a file for reading and writing. The corresponding C
    /// function is `open`.
    static func open(_ path: String, create: Bool, truncate: Bool = false) throws -> StoreFile {
        var options: FileDescriptor.OpenOptions = [.closeOnExec]
        if create { options.insert(.create) }
        if truncate { options.insert(.truncate) }
        do {
            let fd = try FileDescriptor.open(FilePath(path), .readWrite, options: options, permissions: [.ownerReadWrite, .groupRead, .otherRead])
            return StoreFile(descriptor: fd, path: path)
        } catch let errno as Errno {
            throw SnapshotStoreError(.io, "cannot open: \(errno)", file: path, errno: errno.rawValue)
        }
    }

    /// The file's size in bytes. The corresponding C function is `fstat`.
    func size() throws -> UInt64 {
        var info = stat()
        guard fstat(descriptor.rawValue, &info) == 0 else { throw ioError("fstat") }
        return UInt64(info.st_size)
    }

    /// Reads exactly `count` bytes at `offset` into `buffer`, looping over short reads; returns
    /// the number of bytes read, less than `count` only at end of file. The corresponding C
    /// function is `pread`.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor.rawValue, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw ioError("pread", offset: offset + UInt64(done))
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads `count` bytes at `offset`; fewer at end of file.
    func read(count: Int, at offset: UInt64) throws -> [UInt8] {
        var got = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            got = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = got
        }
        return bytes
    }

    /// Writes all of `bytes` at `offset`, looping over short writes. The corresponding C
    /// function is `pwrite`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor.rawValue, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw ioError("pwrite", offset: offset + UInt64(done))
            }
            done += n
        }
    }

    func write(_ bytes: [UInt8], at offset: UInt64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    /// Cuts the file to `size` bytes. The corresponding C function is `ftruncate`.
    func truncate(to size: UInt64) throws {
        guard ftruncate(descriptor.rawValue, off_t(size)) == 0 else { throw ioError("ftruncate", offset: size) }
    }

    /// Makes the file's data durable. The corresponding C function is `fdatasync`.
    func syncData() throws {
        guard fdatasync(descriptor.rawValue) == 0 else { throw ioError("fdatasync") }
    }

    func ioError(_ call: String, offset: UInt64? = nil) -> SnapshotStoreError {
        let code = Glibc.errno
        return SnapshotStoreError(.io, "\(call) failed: \(String(cString: strerror(code)))", file: path, offset: offset, errno: code)
    }
}

/// Directory operations the store needs for durable replaces.
enum StoreDirectory {
    /// Makes the directory's entries (creates, renames, unlinks) durable. The corresponding C
    /// function is `fsync` on the directory.
    static func sync(_ path: String) throws {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = Glibc.errno
            throw SnapshotStoreError(.io, "open directory failed: \(String(cString: strerror(code)))", file: path, errno: code)
        }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else {
            let code = Glibc.errno
            throw SnapshotStoreError(.io, "fsync directory failed: \(String(cString: strerror(code)))", file: path, errno: code)
        }
    }

    /// Atomically replaces `to` by `from`. The corresponding C function is `rename`.
    static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else {
            let code = Glibc.errno
            throw SnapshotStoreError(.io, "rename to \(to) failed: \(String(cString: strerror(code)))", file: from, errno: code)
        }
    }

    /// Removes a file if it exists. The corresponding C function is `unlink`.
    static func remove(_ path: String) throws {
        guard Glibc.unlink(path) == 0 || Glibc.errno == ENOENT else {
            let code = Glibc.errno
            throw SnapshotStoreError(.io, "unlink failed: \(String(cString: strerror(code)))", file: path, errno: code)
        }
    }

    /// The names of the directory's entries. The corresponding C functions are `opendir`/`readdir`.
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            let code = Glibc.errno
            throw SnapshotStoreError(.io, "opendir failed: \(String(cString: strerror(code)))", file: path, errno: code)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func create(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && Glibc.errno != EEXIST {
            let code = Glibc.errno
            throw SnapshotStoreError(.io, "mkdir failed: \(String(cString: strerror(code)))", file: path, errno: code)
        }
    }
}

extension StoreFile {
    /// Opens an existing file, or returns nil if there is none.
    static func openIfExists(_ path: String) throws -> StoreFile? {
        do {
            let fd = try FileDescriptor.open(FilePath(path), .readWrite, options: [.closeOnExec])
            return StoreFile(descriptor: fd, path: path)
        } catch Errno.noSuchFileOrDirectory {
            return nil
        } catch let errno as Errno {
            throw SnapshotStoreError(.io, "cannot open: \(errno)", file: path, errno: errno.rawValue)
        }
    }
}

import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Small files that must survive a crash whole or not at all (site identity, settings, counters).
///
/// A durable replace writes a temporary file, `fdatasync`s it, `rename`s it over the target and
/// `fsync`s the directory: after a crash the file holds either the old or the new bytes.
enum DurableFile {
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var operation: String
        var errno: Int32
        var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
    }

    /// Replaces `path` with `bytes` atomically and durably (write, fdatasync, rename, fsync dir).
    static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o644) throws {
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(path: temp, operation: "open", errno: errno) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress! + written, raw.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                unlink(temp)
                throw Failure(path: temp, operation: "write", errno: e)
            }
            written += n
        }
        if fdatasync(fd) != 0 {
            let e = errno
            close(fd)
            unlink(temp)
            throw Failure(path: temp, operation: "fdatasync", errno: e)
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw Failure(path: path, operation: "rename", errno: e)
        }
        try syncDirectory(containing: path)
    }

    /// `fsync` on the directory that holds `path`, so a rename or a new file in it is durable.
    static func syncDirectory(containing path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: directory, operation: "open", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(path: directory, operation: "fsync", errno: errno) }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(path: path, operation: "read", errno: ENOENT)
        }
        return [UInt8](data)
    }
}

import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// One writer per site directory: an exclusive `flock` on `site.lock`, which also records who
/// holds it so the second process's error can name the holder.
///
/// The lock is released by the kernel when the process dies, so a crash never leaves a site
/// locked.
final class SiteLock: Sendable {
    let path: String
    /// Internal for the test that a second release closes nothing.
    let fd: Int32
    private let released = Atomic<Bool>(false)

    init(directory: URL) throws {
        path = directory.appendingPathComponent("site.lock").path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SiteError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        // A lock just released can still be held for a moment by a child this process is
        // spawning (between fork and exec it shares our descriptors, close-on-exec or not), or
        // by a holder that is exiting: retry briefly before calling the site taken.
        var failure: Int32 = 0
        for attempt in 0..<100 {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                failure = 0
                break
            }
            failure = errno
            guard failure == EWOULDBLOCK || failure == EINTR, attempt < 99 else { break }
            usleep(10_000)
        }
        if failure != 0 {
            let e = failure
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            if e == EWOULDBLOCK {
                throw SiteError(.locked, "the site at \(directory.path) is in use by another process (\(holder.isEmpty ? "holder unknown" : holder)); stop it or go through its server")
            }
            throw SiteError(.io, "cannot lock \(path): \(String(cString: strerror(e)))")
        }
        let note = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName) since \(Date())\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Releases the lock (closing the descriptor drops the `flock`). Only the first call closes:
    /// a second `close(fd)` would close whatever file this process has opened under that number
    /// since (a served site closed by its server and again by its owner did exactly that, and a
    /// snapshot store's compaction file lost its descriptor).
    func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        close(fd)
    }
}

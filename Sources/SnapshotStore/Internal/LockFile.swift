import Glibc
import SystemPackage

/// The store directory's exclusive lock: `flock(LOCK_EX|LOCK_NB)` on `LOCK`, holding the
/// owner's process id so a second opener can say who holds it. Released when the descriptor
/// closes (on `release()` or when the process dies).
final class LockFile: Sendable {
    let file: StoreFile

    init(path: String) throws {
        let file = try StoreFile.open(path, create: true)
        if flock(file.descriptor.rawValue, LOCK_EX | LOCK_NB) != 0 {
            let code = Glibc.errno
            if code == EWOULDBLOCK {
                let holder = (try? file.read(count: 64, at: 0)).map { String(decoding: $0, as: UTF8.self) } ?? ""
                let pid = holder.split(whereSeparator: { $0 == "\n" }).first.map(String.init) ?? "unknown"
                throw SnapshotStoreError(.locked, "the store is already open (locked by process \(pid)); one store instance per directory", file: path)
            }
            throw file.ioError("flock")
        }
        try file.truncate(to: 0)
        try file.write(Array("\(getpid())\n".utf8), at: 0)
        self.file = file
    }
}

extension LockFile {
    /// Gives the lock up before the descriptor closes (so a reopen in this process can take it
    /// while this instance still exists). The corresponding C function is `flock(LOCK_UN)`.
    func release() {
        try? file.truncate(to: 0)
        _ = flock(file.descriptor.rawValue, LOCK_UN)
    }
}

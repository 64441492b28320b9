import Foundation
import Glibc
import Testing

@testable import Site

@Suite("Site lock")
struct SiteLockTests {
    /// Releasing twice (a site closed by its server and again by its owner) must not close the
    /// descriptor number a second time: by then it may belong to another file of this process.
    @Test func aSecondReleaseClosesNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sitestream-lock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var reused = 0
        for _ in 0..<20 {
            let lock = try SiteLock(directory: dir)
            lock.release()
            // The lowest free number is handed out next, so this usually takes the lock's old one.
            let other = open("/dev/null", O_RDONLY | O_CLOEXEC)
            #expect(other >= 0)
            lock.release()
            if other == lock.fd {
                reused += 1
                #expect(fcntl(other, F_GETFD) != -1, "the second release closed another file's descriptor")
            }
            close(other)
        }
        #expect(reused > 0, "the lock's descriptor number was never reused, so nothing was checked")
    }
}

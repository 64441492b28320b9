import Foundation

/// Writes one byte to every page of `gibibytes` of fresh memory, then gives it back.
///
/// Why: on a virtual machine whose host backs guest memory only when it is first touched, the
/// first gigabytes of page cache a run fills cost a host fault per page, charged to the
/// `pwrite` that copies into them. Measured here (2-core VM, session 13): the same binary's
/// invoice inserts spent 9 % of their CPU in that copy before 15 GiB were touched once, and
/// 1.3 % right after. The effect fades as the guest gives freed pages back to the host (the
/// runs delete their sites), so it helps the runs that follow it closely; the table's header
/// says when it was done.
public enum MemoryToucher {
    public static func touch(gibibytes: Int) {
        guard gibibytes > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let chunk = 1 << 30
        for _ in 0..<gibibytes {
            guard let base = mmap(nil, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                  base != MAP_FAILED else { return }
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            var offset = 0
            while offset < chunk {
                bytes[offset] = 1
                offset += page
            }
            munmap(base, chunk)
        }
    }
}

import Glibc
import Synchronization

/// How the site's writer fares: for tests and the harness.
///
/// `lockedCPUNanoseconds` answers how much of a write is serial. Whatever runs under the
/// writer lock runs on one core at a time, so the CPU time spent holding it bounds the write
/// rate however many cores there are (rate ≤ 1 / locked CPU per write). Unlike a wall-clock
/// rate, it is not inflated by other processes (a thread preempted while holding the lock
/// uses no CPU meanwhile). Reading a thread's CPU clock is a system call, so it is measured
/// only while `measuresLockedCPU` is set.
public final class WriterStatistics: Sendable {
    /// Transactions that ran outside the lock (`Site.writeConcurrently`) but conflicted and ran
    /// again under it.
    public let retries = Atomic<Int>(0)
    /// Set to sum the thread CPU time spent holding the writer lock into `lockedCPUNanoseconds`.
    public let measuresLockedCPU = Atomic<Bool>(false)
    public let lockedCPUNanoseconds = Atomic<Int>(0)

    /// The calling thread's CPU time in nanoseconds when measuring, else nil.
    func lockTaken() -> Int? {
        measuresLockedCPU.load(ordering: .relaxed) ? Self.threadCPUNanoseconds() : nil
    }

    /// Adds the CPU time since `lockTaken()` returned `start`.
    func lockReleasing(_ start: Int?) {
        guard let start else { return }
        lockedCPUNanoseconds.add(Self.threadCPUNanoseconds() - start, ordering: .relaxed)
    }

    /// The calling thread's CPU time. The corresponding C function is `clock_gettime`
    /// (`CLOCK_THREAD_CPUTIME_ID`).
    static func threadCPUNanoseconds() -> Int {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return t.tv_sec * 1_000_000_000 + t.tv_nsec
    }
}

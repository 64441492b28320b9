/// How this process's `malloc` hands memory back, for the commands that replay a backlog
/// (`pull`, `import`). glibc raises its mmap threshold each time a large block is freed (up to
/// 32 MiB), after which large transient buffers — 4 MiB update replies, index arrays while they
/// double — come from the heap, whose freed holes stay resident: a 1M-entry catch-up peaked at
/// 500–900 MB, varying by ~250 MB run to run, against ~330 MB of live heap. A fixed threshold
/// keeps every block of 256 KiB or more in its own mapping, returned to the system when freed.
enum HeapPolicy {
    static let mmapThreshold: Int32 = 256 << 10
    /// `M_MMAP_THRESHOLD` of glibc's <malloc.h> (a macro Swift does not import).
    static let mmapThresholdParameter: Int32 = -3

    /// Fixes the mmap threshold (which also stops its dynamic adjustment). Call once, early.
    static func returnLargeBlocks() {
        _ = glibcMallopt(mmapThresholdParameter, mmapThreshold)
    }
}

/// glibc's `int mallopt(int, int)`, which the Glibc module does not import.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

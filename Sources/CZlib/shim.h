// zlib through a system-library target: crc32 for record checksums, deflate/inflate for payloads.
// Debian package: zlib1g-dev.
#include <zlib.h>
#include <sys/types.h>

#ifdef __linux__
// Linux's sync_file_range(2), which glibc declares only under _GNU_SOURCE (not set for Swift's
// Glibc module). Declared here with glibc's own types, so the two declarations agree.
extern int sync_file_range(int fd, __off64_t offset, __off64_t count, unsigned int flags);
#endif

/// Starts writeback of `count` bytes of `fd` from `offset` without waiting for it
/// (`sync_file_range` with SYNC_FILE_RANGE_WRITE), so a later fsync has less left to do. It
/// makes nothing durable by itself. Returns 0, or -1 with errno; a no-op returning 0 where the
/// call does not exist.
static inline int sitestream_start_writeback(int fd, long long offset, long long count) {
#ifdef __linux__
    return sync_file_range(fd, offset, count, 2 /* SYNC_FILE_RANGE_WRITE */);
#else
    (void)fd; (void)offset; (void)count;
    return 0;
#endif
}

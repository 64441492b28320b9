// zlib through a system-library target: crc32 for record checksums, deflate/inflate for payloads.
// Debian package: zlib1g-dev.
#include <zlib.h>

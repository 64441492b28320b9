// CRC-32/ISO-HDLC (zlib's crc32: reflected polynomial 0x04C11DB7, inverted in and out), fast.
#ifndef SITESTREAM_CRC32_H
#define SITESTREAM_CRC32_H

#include <stddef.h>
#include <stdint.h>

/// The crc32 of `count` bytes at `bytes`, continuing from `crc` (0 to start): the same value,
/// bit for bit, as zlib's `crc32(crc, bytes, count)`. Folds 64 bytes at a time with carry-less
/// multiplication where the CPU has it (x86-64 PCLMULQDQ and SSE4.1, checked at run time);
/// zlib's own crc32 elsewhere and for short inputs.
uint32_t sitestream_crc32(uint32_t crc, const void *bytes, size_t count);

/// Whether `sitestream_crc32` folds with carry-less multiplication on this CPU (tests and the
/// benchmark report say which path they measured). SITESTREAM_CRC32=zlib in the environment
/// turns folding off for the process (A/B runs of one binary).
int sitestream_crc32_is_folding(void);

/// The crc32 of A ‖ B from `crc_a` = crc32(A) and `crc_b` = crc32(B), with `shift` the operator
/// for B's length from zlib's `crc32_combine_gen`: the same value as zlib's
/// `crc32_combine_op(crc_a, crc_b, shift)`, with one carry-less multiplication and a Barrett
/// reduction in place of zlib's bit-at-a-time product where the CPU can.
uint32_t sitestream_crc32_combine(uint32_t crc_a, uint32_t crc_b, uint32_t shift);

/// zlib's own crc32 (the reference the folding path must agree with; tests compare the two).
uint32_t sitestream_crc32_zlib(uint32_t crc, const void *bytes, size_t count);

#endif

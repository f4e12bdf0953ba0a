/* SHA-256 (FIPS 180-4) for the corpus manifest and hash: checksums of .deb and .mo files and
 * of the corpus outputs, computed the same way on every machine with no external library.
 * Streaming (init/update/final) plus one-shot helpers for memory and files. */
#ifndef S2S_SHA256_H
#define S2S_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t h[8];
  uint64_t bytes;    /* total message length so far */
  uint8_t block[64]; /* pending input, `fill` bytes used */
  size_t fill;
} s2s_sha256;

void s2s_sha256_init(s2s_sha256 *s);
void s2s_sha256_update(s2s_sha256 *s, const void *data, size_t n);
void s2s_sha256_final(s2s_sha256 *s, uint8_t digest[32]);

/* digest of data[0..n) as 64 lowercase hex digits plus NUL */
void s2s_sha256_hex(const void *data, size_t n, char hex[65]);
void s2s_sha256_to_hex(const uint8_t digest[32], char hex[65]);
/* digest of a whole file; returns 0, or -1 when it cannot be read (errno kept) */
int s2s_sha256_file(const char *path, char hex[65]);

#endif

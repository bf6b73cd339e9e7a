/* SHA-1 (FIPS 180-4), used only to derive name-based UUIDs (RFC 4122 version 5). */
#ifndef DICOMKIT_SHA1_H
#define DICOMKIT_SHA1_H

#include <stddef.h>
#include <stdint.h>

typedef struct dk_sha1 {
    uint32_t state[5];
    uint64_t total_bytes;
    unsigned char block[64];
    size_t block_used;
} dk_sha1;

void dk_sha1_init(dk_sha1 *ctx);
void dk_sha1_update(dk_sha1 *ctx, const void *data, size_t len);
void dk_sha1_final(dk_sha1 *ctx, unsigned char digest[20]);

#endif

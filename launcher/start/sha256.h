/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 for the hundreds of MB an update rebuilds and unpacks. libsodium's
 * portable SHA-256 runs at about 300 MB/s here, which made hashing a 315 MB
 * patched tar cost over a second; x86 CPUs with the SHA extensions do it at
 * well over 1 GB/s. bl_sha256_init picks those instructions when the CPU
 * has them (checked with cpuid at run time) and portable C otherwise; the
 * digests are the same either way. */
#ifndef BL_SHA256_H
#define BL_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t state[8];
    uint64_t bytes;        /* message length so far */
    unsigned char buf[64]; /* a partial block */
    size_t buf_len;
    void (*blocks)(uint32_t state[8], const unsigned char *data, size_t count);
} bl_sha256;

void bl_sha256_init(bl_sha256 *h);
/* The same without the CPU's SHA instructions, so tests cover both. */
void bl_sha256_init_portable(bl_sha256 *h);
void bl_sha256_update(bl_sha256 *h, const void *data, size_t len);
void bl_sha256_final(bl_sha256 *h, unsigned char out[32]);
/* 1 when bl_sha256_init uses the CPU's SHA instructions. */
int bl_sha256_accelerated(void);

#endif

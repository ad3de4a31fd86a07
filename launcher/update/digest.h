/* SPDX-License-Identifier: Apache-2.0 */
/* Length and hashes of a file, read once in streaming fashion, for checking
 * a downloaded target (hundreds of MB) against its trusted metadata
 * (bl_trust_check_file compares them). */
#ifndef BL_DIGEST_H
#define BL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct {
    uint64_t size;
    unsigned char sha256[32];
    unsigned char sha512[64];
} bl_digest;

int bl_digest_file(const char *path, bl_digest *out, bl_error *err);

/* Streaming SHA-256, and SHA-512 when asked, for the hundreds of MB an
 * update hashes: libcrypto's, which uses the CPU's SHA instructions and
 * AVX2 (on the test machine 1.4 GB/s SHA-256 and 0.65 GB/s SHA-512, against
 * 1.1 GB/s for start/sha256.c and 0.24 and 0.37 GB/s for libsodium's). The
 * start path keeps start/sha256.c: it must not load libcrypto. begin fails only for memory; end fills out (size, sha256, and
 * sha512 when asked for, else zeros) and frees the state; free (NULL-safe)
 * drops one that will not be ended. */
typedef struct bl_digest_state bl_digest_state;
int bl_digest_begin(int with_sha512, bl_digest_state **out, bl_error *err);
void bl_digest_add(bl_digest_state *s, const void *data, size_t len);
void bl_digest_end(bl_digest_state *s, bl_digest *out);
void bl_digest_free(bl_digest_state *s);

/* A SHA-256 as TUF metadata writes it: 64 lower-case hex digits and a NUL. */
void bl_digest_sha256_hex(const unsigned char sha256[32], char out[65]);

#endif

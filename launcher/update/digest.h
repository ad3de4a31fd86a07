/* SPDX-License-Identifier: Apache-2.0 */
/* Length and hashes of a file, read once in streaming fashion, for checking
 * a downloaded target (hundreds of MB) against its trusted metadata
 * (bl_trust_check_file compares them). */
#ifndef BL_DIGEST_H
#define BL_DIGEST_H

#include <stdint.h>

#include "base/error.h"

typedef struct {
    uint64_t size;
    unsigned char sha256[32];
    unsigned char sha512[64];
} bl_digest;

int bl_digest_file(const char *path, bl_digest *out, bl_error *err);

/* A SHA-256 as TUF metadata writes it: 64 lower-case hex digits and a NUL. */
void bl_digest_sha256_hex(const unsigned char sha256[32], char out[65]);

#endif

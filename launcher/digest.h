/* Length and hashes of a file, read once in streaming fashion, for checking
 * a downloaded target (hundreds of MB) against its trusted metadata. */
#ifndef BL_DIGEST_H
#define BL_DIGEST_H

#include <stdint.h>

#include "error.h"

typedef struct {
    uint64_t size;
    unsigned char sha256[32];
    unsigned char sha512[64];
} bl_digest;

int bl_digest_file(const char *path, bl_digest *out, bl_error *err);

/* Compares a digest with the lower-case hex strings from metadata (sha512_hex
 * may be NULL when the metadata has none). BL_ELENGTH or BL_EHASH, naming what
 * differed, when they do not match. */
int bl_digest_check(const bl_digest *d, const char *what, uint64_t length, const char *sha256_hex,
                    const char *sha512_hex, bl_error *err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#include "digest.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1024 * 1024)

int bl_digest_file(const char *path, bl_digest *out, bl_error *err)
{
    crypto_hash_sha256_state s256;
    crypto_hash_sha512_state s512;
    unsigned char *buf = malloc(CHUNK);
    FILE *f = NULL;
    size_t n;
    int rc = BL_OK;

    if (!buf)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if (!(f = fopen(path, "rb"))) {
        rc = bl_error_set(err, BL_ENOTFOUND, "cannot open %s", path);
        goto cleanup;
    }
    memset(out, 0, sizeof *out);
    crypto_hash_sha256_init(&s256);
    crypto_hash_sha512_init(&s512);
    while ((n = fread(buf, 1, CHUNK, f)) > 0) {
        crypto_hash_sha256_update(&s256, buf, n);
        crypto_hash_sha512_update(&s512, buf, n);
        out->size += n;
    }
    if (ferror(f)) {
        rc = bl_error_set(err, BL_EIO, "cannot read %s", path);
        goto cleanup;
    }
    crypto_hash_sha256_final(&s256, out->sha256);
    crypto_hash_sha512_final(&s512, out->sha512);

cleanup:
    if (f)
        fclose(f);
    free(buf);
    return rc;
}

void bl_digest_sha256_hex(const unsigned char sha256[32], char out[65])
{
    sodium_bin2hex(out, 65, sha256, 32);
}

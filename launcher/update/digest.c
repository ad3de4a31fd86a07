/* SPDX-License-Identifier: Apache-2.0 */
#include "digest.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1024 * 1024)

struct bl_digest_state {
    uint64_t size;
    int with_sha512;
    EVP_MD_CTX *sha256, *sha512;
};

void bl_digest_free(bl_digest_state *s)
{
    if (!s)
        return;
    EVP_MD_CTX_free(s->sha256);
    EVP_MD_CTX_free(s->sha512);
    free(s);
}

int bl_digest_begin(int with_sha512, bl_digest_state **out, bl_error *err)
{
    bl_digest_state *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    s->with_sha512 = with_sha512;
    if (!(s->sha256 = EVP_MD_CTX_new()) || EVP_DigestInit_ex(s->sha256, EVP_sha256(), NULL) != 1 ||
        (with_sha512 && (!(s->sha512 = EVP_MD_CTX_new()) || EVP_DigestInit_ex(s->sha512, EVP_sha512(), NULL) != 1))) {
        bl_digest_free(s);
        return bl_error_set(err, BL_ENOMEM, "libcrypto could not start a SHA-256 or SHA-512 digest");
    }
    *out = s;
    return BL_OK;
}

void bl_digest_add(bl_digest_state *s, const void *data, size_t len)
{
    s->size += len;
    /* cannot fail for a digest that began: no provider call is left to fail */
    EVP_DigestUpdate(s->sha256, data, len);
    if (s->with_sha512)
        EVP_DigestUpdate(s->sha512, data, len);
}

void bl_digest_end(bl_digest_state *s, bl_digest *out)
{
    memset(out, 0, sizeof *out);
    out->size = s->size;
    EVP_DigestFinal_ex(s->sha256, out->sha256, NULL);
    if (s->with_sha512)
        EVP_DigestFinal_ex(s->sha512, out->sha512, NULL);
    bl_digest_free(s);
}

int bl_digest_file(const char *path, bl_digest *out, bl_error *err)
{
    unsigned char *buf = malloc(CHUNK);
    bl_digest_state *s = NULL;
    FILE *f = NULL;
    size_t n;
    int rc;

    if (!buf)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if ((rc = bl_digest_begin(1, &s, err)) != BL_OK)
        goto cleanup;
    if (!(f = fopen(path, "rb"))) {
        rc = bl_error_set(err, BL_ENOTFOUND, "cannot open %s", path);
        goto cleanup;
    }
    while ((n = fread(buf, 1, CHUNK, f)) > 0)
        bl_digest_add(s, buf, n);
    if (ferror(f)) {
        rc = bl_error_set(err, BL_EIO, "cannot read %s", path);
        goto cleanup;
    }
    bl_digest_end(s, out);
    s = NULL;

cleanup:
    bl_digest_free(s);
    if (f)
        fclose(f);
    free(buf);
    return rc;
}

void bl_digest_sha256_hex(const unsigned char sha256[32], char out[65])
{
    sodium_bin2hex(out, 65, sha256, 32);
}

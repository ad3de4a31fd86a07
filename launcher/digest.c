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

static int hex_equals(const unsigned char *bin, size_t len, const char *hex)
{
    char mine[129];
    size_t i;
    if (!hex || strlen(hex) != 2 * len)
        return 0;
    sodium_bin2hex(mine, sizeof mine, bin, len);
    for (i = 0; i < 2 * len; i++) { /* metadata may use upper-case hex */
        char c = hex[i] >= 'A' && hex[i] <= 'F' ? (char)(hex[i] - 'A' + 'a') : hex[i];
        if (c != mine[i])
            return 0;
    }
    return 1;
}

int bl_digest_check(const bl_digest *d, const char *what, uint64_t length, const char *sha256_hex,
                    const char *sha512_hex, bl_error *err)
{
    char got[129];
    if (d->size != length)
        return bl_error_set(err, BL_ELENGTH, "%s: %llu bytes, trusted metadata says %llu", what,
                            (unsigned long long)d->size, (unsigned long long)length);
    if (!sha256_hex && !sha512_hex)
        return bl_error_set(err, BL_EHASH, "%s: trusted metadata gives no sha256 or sha512", what);
    if (sha256_hex && !hex_equals(d->sha256, 32, sha256_hex)) {
        sodium_bin2hex(got, sizeof got, d->sha256, 32);
        return bl_error_set(err, BL_EHASH, "%s: sha256 %.16s... does not match trusted %.16s...", what, got,
                            sha256_hex);
    }
    if (sha512_hex && !hex_equals(d->sha512, 64, sha512_hex)) {
        sodium_bin2hex(got, sizeof got, d->sha512, 64);
        return bl_error_set(err, BL_EHASH, "%s: sha512 %.16s... does not match trusted %.16s...", what, got,
                            sha512_hex);
    }
    return BL_OK;
}

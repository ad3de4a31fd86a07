#include "apply.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK (256 * 1024)

typedef struct {
    FILE *in, *tar;
    z_stream z;
    int z_ready, finished, members;
    crypto_hash_sha256_state hash;
    uint64_t size;
    unsigned char in_buf[CHUNK], out_buf[CHUNK];
} inflater;

/* bl_unpack_read_fn: the next chunk of the decompressed tar, which is also
 * appended to the cached tar and hashed. */
static long long next_chunk(void *ctx, const void **buf, bl_error *err)
{
    inflater *f = ctx;
    for (;;) {
        int zrc;
        if (f->finished)
            return 0;
        if (f->z.avail_in == 0) {
            size_t n = fread(f->in_buf, 1, sizeof f->in_buf, f->in);
            if (n == 0) {
                if (ferror(f->in)) {
                    bl_error_set(err, BL_EIO, "cannot read the archive");
                    return -1;
                }
                /* End of input: fine only right after a complete gzip member. */
                if (f->z.total_in == 0 && f->members > 0) {
                    f->finished = 1;
                    return 0;
                }
                bl_error_set(err, BL_ECORRUPT, "the archive is truncated");
                return -1;
            }
            f->z.next_in = f->in_buf;
            f->z.avail_in = (uInt)n;
        }
        f->z.next_out = f->out_buf;
        f->z.avail_out = sizeof f->out_buf;
        zrc = inflate(&f->z, Z_NO_FLUSH);
        if (zrc != Z_OK && zrc != Z_STREAM_END && !(zrc == Z_BUF_ERROR && f->z.avail_out > 0)) {
            bl_error_set(err, BL_ECORRUPT, "the archive is not valid gzip: %s", f->z.msg ? f->z.msg : "error");
            return -1;
        }
        if (zrc == Z_STREAM_END) {
            f->members++;
            inflateReset(&f->z); /* another gzip member may follow */
        }
        if (f->z.avail_out < sizeof f->out_buf) {
            size_t n = sizeof f->out_buf - f->z.avail_out;
            if (fwrite(f->out_buf, 1, n, f->tar) != n) {
                bl_error_set(err, BL_ENOSPC, "cannot write the cached tar (disk full?)");
                return -1;
            }
            crypto_hash_sha256_update(&f->hash, f->out_buf, n);
            f->size += n;
            *buf = f->out_buf;
            return (long long)n;
        }
    }
}

void bl_apply_hex(const unsigned char sha256[32], char *out)
{
    sodium_bin2hex(out, 65, sha256, 32);
}

int bl_apply_archive(const char *archive_gz, const char *tar_path, const char *dest,
                     const bl_unpack_options *opt, bl_tar_digest *digest, bl_error *err)
{
    inflater *f = calloc(1, sizeof *f);
    int rc;

    if (!f)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    crypto_hash_sha256_init(&f->hash);
    if (!(f->in = fopen(archive_gz, "rb"))) {
        rc = bl_error_set(err, BL_EIO, "cannot open %s", archive_gz);
        goto cleanup;
    }
    if (!(f->tar = fopen(tar_path, "wb"))) {
        rc = bl_error_set(err, BL_EIO, "cannot create %s", tar_path);
        goto cleanup;
    }
    if (inflateInit2(&f->z, 16 + MAX_WBITS) != Z_OK) { /* 16: gzip header */
        rc = bl_error_set(err, BL_ENOMEM, "cannot start gzip decoding");
        goto cleanup;
    }
    f->z_ready = 1;
    rc = bl_unpack_stream(next_chunk, f, dest, opt, err);
    if (rc == BL_OK) {
        /* libarchive stops at the tar's end blocks; the cached tar needs the rest too. */
        const void *ignored;
        bl_error drain;
        long long n;
        while ((n = next_chunk(f, &ignored, &drain)) > 0)
            ;
        if (n < 0)
            rc = bl_error_set(err, drain.code, "%s", drain.msg);
    }
    /* Not flushed to disk on purpose: the cached tar only saves a download
     * next time, and its digest is checked before it is patched. */
    if (rc == BL_OK && fflush(f->tar) != 0)
        rc = bl_error_set(err, BL_ENOSPC, "cannot write %s (disk full?)", tar_path);
    if (rc == BL_OK) {
        digest->size = f->size;
        crypto_hash_sha256_final(&f->hash, digest->sha256);
    }

cleanup:
    if (f->z_ready)
        inflateEnd(&f->z);
    if (f->in)
        fclose(f->in);
    if (f->tar && fclose(f->tar) != 0 && rc == BL_OK)
        rc = bl_error_set(err, BL_ENOSPC, "cannot write %s (disk full?)", tar_path);
    free(f);
    return rc;
}

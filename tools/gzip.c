/* SPDX-License-Identifier: Apache-2.0 */
#include "gzip.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zlib.h>

#define CHUNK (64 * 1024)

struct bl_gzip {
    z_stream z;
    gz_header header;
    bl_gzip_write_fn write;
    void *ctx;
    unsigned char out[CHUNK];
};

int bl_gzip_new(int level, bl_gzip_write_fn write, void *ctx, bl_gzip **out, bl_error *err)
{
    bl_gzip *gz = calloc(1, sizeof *gz);
    *out = NULL;
    if (!gz)
        return bl_error_set(err, BL_ENOMEM, "gzip: out of memory");
    /* windowBits 15 + 16: a gzip wrapper instead of zlib's. */
    if (deflateInit2(&gz->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(gz);
        return bl_error_set(err, BL_ENOMEM, "gzip: cannot start the compressor");
    }
    gz->header.time = 0;
    gz->header.os = 255;
    if (deflateSetHeader(&gz->z, &gz->header) != Z_OK) {
        bl_gzip_free(gz);
        return bl_error_set(err, BL_EINVAL, "gzip: cannot set the header");
    }
    gz->write = write;
    gz->ctx = ctx;
    *out = gz;
    return BL_OK;
}

static int pump(bl_gzip *gz, int flush, bl_error *err)
{
    int zrc;
    do {
        size_t have;
        gz->z.next_out = gz->out;
        gz->z.avail_out = CHUNK;
        zrc = deflate(&gz->z, flush);
        if (zrc == Z_STREAM_ERROR)
            return bl_error_set(err, BL_EINVAL, "gzip: compressor failed");
        have = CHUNK - gz->z.avail_out;
        if (have) {
            int rc = gz->write(gz->ctx, gz->out, have, err);
            if (rc != BL_OK)
                return rc;
        }
    } while (gz->z.avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
    return BL_OK;
}

int bl_gzip_write(bl_gzip *gz, const void *buf, size_t len, bl_error *err)
{
    const unsigned char *p = buf;
    while (len > 0) {
        /* avail_in is a uInt: feed huge buffers in slices */
        uInt n = len > CHUNK ? CHUNK : (uInt)len;
        int rc;
        gz->z.next_in = (unsigned char *)(uintptr_t)p;
        gz->z.avail_in = n;
        if ((rc = pump(gz, Z_NO_FLUSH, err)) != BL_OK)
            return rc;
        p += n;
        len -= n;
    }
    return BL_OK;
}

int bl_gzip_finish(bl_gzip *gz, bl_error *err)
{
    gz->z.next_in = NULL;
    gz->z.avail_in = 0;
    return pump(gz, Z_FINISH, err);
}

void bl_gzip_free(bl_gzip *gz)
{
    if (!gz)
        return;
    deflateEnd(&gz->z);
    free(gz);
}

static int write_all(uv_file fd, const unsigned char *buf, size_t len, const char *path, bl_error *err)
{
    while (len > 0) {
        uv_fs_t req;
        uv_buf_t b = uv_buf_init((char *)(uintptr_t)buf, (unsigned)(len > CHUNK ? CHUNK : len));
        int n = uv_fs_write(NULL, &req, fd, &b, 1, -1, NULL);
        uv_fs_req_cleanup(&req);
        if (n <= 0)
            return bl_error_set(err, BL_EIO, "%s: cannot write: %s", path, uv_strerror(n < 0 ? n : UV_EIO));
        buf += n;
        len -= (size_t)n;
    }
    return BL_OK;
}

/* Inflates everything from in to out; members follow each other. */
static int inflate_fd(uv_file in, uv_file out, const char *gz_path, const char *out_path, bl_error *err)
{
    unsigned char *inbuf = malloc(CHUNK), *outbuf = malloc(CHUNK);
    z_stream z;
    int rc = BL_OK, zrc = Z_OK, started = 0, ended = 0;

    memset(&z, 0, sizeof z);
    if (!inbuf || !outbuf || inflateInit2(&z, 15 + 16) != Z_OK) {
        rc = bl_error_set(err, BL_ENOMEM, "gzip: out of memory");
        goto cleanup;
    }
    started = 1;
    for (;;) {
        uv_fs_t req;
        uv_buf_t b = uv_buf_init((char *)inbuf, CHUNK);
        int n = uv_fs_read(NULL, &req, in, &b, 1, -1, NULL);
        uv_fs_req_cleanup(&req);
        if (n < 0) {
            rc = bl_error_set(err, BL_EIO, "%s: cannot read: %s", gz_path, uv_strerror(n));
            goto cleanup;
        }
        if (n == 0)
            break;
        z.next_in = inbuf;
        z.avail_in = (uInt)n;
        while (z.avail_in > 0) {
            if (ended) { /* another member */
                inflateReset(&z);
                ended = 0;
            }
            z.next_out = outbuf;
            z.avail_out = CHUNK;
            zrc = inflate(&z, Z_NO_FLUSH);
            if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
                rc = bl_error_set(err, BL_ECORRUPT, "%s: not valid gzip (%s)", gz_path, z.msg ? z.msg : "error");
                goto cleanup;
            }
            if ((rc = write_all(out, outbuf, CHUNK - z.avail_out, out_path, err)) != BL_OK)
                goto cleanup;
            ended = zrc == Z_STREAM_END;
            if (zrc == Z_BUF_ERROR && z.avail_out != 0)
                break;
        }
    }
    if (!ended)
        rc = bl_error_set(err, BL_ECORRUPT, "%s: gzip data is truncated", gz_path);

cleanup:
    if (started)
        inflateEnd(&z);
    free(inbuf);
    free(outbuf);
    return rc;
}

int bl_gzip_decompress_file(const char *gz_path, const char *out_path, bl_error *err)
{
    uv_fs_t req;
    uv_file in, out;
    int rc;

    in = uv_fs_open(NULL, &req, gz_path, UV_FS_O_RDONLY, 0, NULL);
    uv_fs_req_cleanup(&req);
    if (in < 0)
        return bl_error_sys(err, in, "%s: cannot open", gz_path);
    out = uv_fs_open(NULL, &req, out_path, UV_FS_O_WRONLY | UV_FS_O_CREAT | UV_FS_O_TRUNC, 0644, NULL);
    uv_fs_req_cleanup(&req);
    if (out < 0) {
        uv_fs_close(NULL, &req, in, NULL);
        uv_fs_req_cleanup(&req);
        return bl_error_set(err, BL_EIO, "%s: cannot create: %s", out_path, uv_strerror(out));
    }
    rc = inflate_fd(in, out, gz_path, out_path, err);
    uv_fs_close(NULL, &req, in, NULL);
    uv_fs_req_cleanup(&req);
    uv_fs_close(NULL, &req, out, NULL);
    uv_fs_req_cleanup(&req);
    if (rc != BL_OK) {
        uv_fs_unlink(NULL, &req, out_path, NULL);
        uv_fs_req_cleanup(&req);
    }
    return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zlib.h>

#include "delta/delta.h"
#include "digest.h"
#include "pipe.h"
#include "tarball.h"

#define CHUNK (256 * 1024)
#define PIPE_CHUNK (1024 * 1024) /* the patch hands out 1 MB at a time */
#define PIPE_CHUNKS 4

typedef struct {
    FILE *in, *tar;
    z_stream z;
    int z_ready, finished, members;
    bl_digest_state *hash;
    uint64_t size;
    const bl_unpack_options *opt; /* its max_bytes caps the tar too */
    unsigned char in_buf[CHUNK], out_buf[CHUNK];
} inflater;

/* The tar's size (counted by the caller, which caps it) and SHA-256; the
 * state is ended and *hash cleared. */
static void end_digest(bl_digest_state **hash, uint64_t size, bl_tar_digest *digest)
{
    bl_digest d;
    bl_digest_end(*hash, &d);
    *hash = NULL;
    digest->size = size;
    memcpy(digest->sha256, d.sha256, sizeof digest->sha256);
}

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
            /* A small archive may hold a huge tar: it stops at the limit,
             * the cached tar and the unpacked files alike. */
            if (f->opt && f->opt->max_bytes && n > f->opt->max_bytes - f->size) {
                bl_error_set(err, BL_ELENGTH, "the archive's tar is longer than %llu bytes%s%s%s",
                             (unsigned long long)f->opt->max_bytes, f->opt->max_why ? " (" : "",
                             f->opt->max_why ? f->opt->max_why : "", f->opt->max_why ? ")" : "");
                return -1;
            }
            if (fwrite(f->out_buf, 1, n, f->tar) != n) {
                bl_error_set(err, BL_ENOSPC, "cannot write the cached tar (disk full?)");
                return -1;
            }
            bl_digest_add(f->hash, f->out_buf, n);
            f->size += n;
            *buf = f->out_buf;
            return (long long)n;
        }
    }
}

int bl_apply_archive(const char *archive_gz, const char *tar_path, const char *dest,
                     const bl_unpack_options *opt, bl_tar_digest *digest, bl_error *err)
{
    inflater *f = calloc(1, sizeof *f);
    int rc;

    if (!f)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if ((rc = bl_digest_begin(0, &f->hash, err)) != BL_OK)
        goto cleanup;
    f->opt = opt;
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
    if (rc == BL_OK)
        end_digest(&f->hash, f->size, digest);

cleanup:
    bl_digest_free(f->hash);
    if (f->z_ready)
        inflateEnd(&f->z);
    if (f->in)
        fclose(f->in);
    if (f->tar && fclose(f->tar) != 0 && rc == BL_OK)
        rc = bl_error_set(err, BL_ENOSPC, "cannot write %s (disk full?)", tar_path);
    free(f);
    return rc;
}

/* The patch thread: old and the patch (opened by bl_apply_patch, which read
 * its header) are read with positioned reads, the rebuilt tar goes into the
 * pipe. */
typedef struct {
    const char *old_tar, *patch_path;
    const bl_delta_source *patch;
} patch_job;

static int pipe_sink_write(void *ctx, const void *buf, size_t len, bl_error *err)
{
    return bl_pipe_write(ctx, buf, len, err);
}

static int run_patch(void *ctx, bl_pipe *pipe, bl_error *err)
{
    const patch_job *job = ctx;
    bl_delta_file *old_file = NULL;
    bl_delta_source old;
    bl_delta_sink sink = {pipe, pipe_sink_write};
    int rc;

    if ((rc = bl_delta_file_open(job->old_tar, &old_file, &old, err)) == BL_OK &&
        (rc = bl_delta_patch(&old, job->patch, &sink, NULL, err)) != BL_OK && rc != BL_ECANCELED)
        bl_error_prefix(err, "%s: ", job->patch_path);
    bl_delta_file_close(old_file);
    return rc;
}

/* The reading side: every chunk of the rebuilt tar is cached and hashed
 * before the unpacker sees it. Progress is bytes of the tar against the
 * trusted size, which the patch's header names too, and cancel is polled
 * here, so both work the same with and without the unpacker. The tar is
 * written through libuv, whose errors bl_error_sys reads alike on every OS
 * (the C library's errno on Windows is not what uv_translate_sys_error
 * takes there). */
typedef struct {
    bl_pipe *pipe;
    uv_file tar;
    const char *tar_path;
    bl_digest_state *hash;
    uint64_t size, total;
    bl_progress *progress;
} patch_reader;

/* len is at most a pipe chunk (1 MB): one uv_buf holds it. */
static int write_tar(const patch_reader *r, const char *buf, size_t len, bl_error *err)
{
    while (len > 0) {
        uv_fs_t req;
        uv_buf_t b = uv_buf_init((char *)buf, (unsigned int)len);
        int n = uv_fs_write(NULL, &req, r->tar, &b, 1, -1, NULL);
        uv_fs_req_cleanup(&req);
        if (n < 0)
            return bl_error_sys(err, n, "cannot write %s", r->tar_path);
        buf += n;
        len -= (size_t)n;
    }
    return BL_OK;
}

static long long next_patched(void *ctx, const void **buf, bl_error *err)
{
    patch_reader *r = ctx;
    long long n;

    if (bl_progress_cancelled(r->progress)) {
        bl_error_set(err, BL_ECANCELED, "patching canceled");
        return -1;
    }
    if ((n = bl_pipe_read(r->pipe, buf, err)) > 0) {
        if (write_tar(r, *buf, (size_t)n, err) != BL_OK)
            return -1;
        bl_digest_add(r->hash, *buf, (size_t)n);
        r->size += (uint64_t)n;
        bl_progress_bytes(r->progress, r->size, r->total);
    }
    return n;
}

/* The patch's header names the size of the tar it rebuilds: read once, here,
 * and compared with the trusted size before anything is written. */
static int open_patch(const char *patch, uint64_t tar_size, bl_delta_file **file, bl_delta_source *src,
                      bl_error *err)
{
    uint64_t named;
    int rc;

    if ((rc = bl_delta_file_open(patch, file, src, err)) != BL_OK)
        return rc;
    if ((rc = bl_delta_patch_size(src, &named, err)) != BL_OK)
        bl_error_prefix(err, "%s: ", patch);
    else if (named != tar_size)
        rc = bl_error_set(err, BL_ELENGTH, "the patch rebuilds a tar of %llu bytes; the trusted size is %llu",
                          (unsigned long long)named, (unsigned long long)tar_size);
    if (rc != BL_OK) {
        bl_delta_file_close(*file);
        *file = NULL;
    }
    return rc;
}

int bl_apply_patch(const char *old_tar, const char *patch, uint64_t tar_size, const char *tar_path,
                   const char *dest, const bl_unpack_options *opt, bl_tar_digest *digest, bl_error *err)
{
    bl_delta_file *patch_file = NULL;
    bl_delta_source patch_src;
    patch_job job = {old_tar, patch, &patch_src};
    /* The unpacker reports nothing itself: the reader does, in tar bytes. */
    bl_unpack_options unpack_opt = {opt ? opt->max_bytes : 0, NULL, opt ? opt->max_why : NULL, 0};
    patch_reader r;
    bl_error producer;
    uv_fs_t req;
    int rc, prc, closed;

    memset(&r, 0, sizeof r);
    r.tar = -1;
    r.tar_path = tar_path;
    r.progress = opt ? opt->progress : NULL;
    r.total = tar_size;
    if ((rc = open_patch(patch, tar_size, &patch_file, &patch_src, err)) != BL_OK ||
        (rc = bl_digest_begin(0, &r.hash, err)) != BL_OK)
        goto cleanup;
    r.tar = uv_fs_open(NULL, &req, tar_path, UV_FS_O_WRONLY | UV_FS_O_CREAT | UV_FS_O_TRUNC, 0644, NULL);
    uv_fs_req_cleanup(&req);
    if (r.tar < 0) {
        rc = bl_error_sys(err, r.tar, "cannot create %s", tar_path);
        goto cleanup;
    }
    if ((rc = bl_pipe_start(PIPE_CHUNK, PIPE_CHUNKS, run_patch, &job, &r.pipe, err)) != BL_OK)
        goto cleanup;
    if (dest) {
        rc = bl_unpack_stream(next_patched, &r, dest, &unpack_opt, err);
    } else {
        rc = BL_OK;
    }
    /* The rest of the tar: all of it without an unpacker, and after the
     * unpacker what follows the tar's end blocks, which the cache keeps. */
    while (rc == BL_OK) {
        const void *ignored;
        bl_error why;
        long long n;
        memset(&why, 0, sizeof why);
        if ((n = next_patched(&r, &ignored, &why)) < 0)
            rc = bl_error_set(err, why.code ? why.code : BL_EIO, "%s", why.msg);
        else if (n == 0)
            break;
    }
    /* Stops the patch thread if the reading side failed first; its own
     * failure was already reported through the pipe. */
    prc = bl_pipe_finish(r.pipe, &producer);
    if (rc == BL_OK && prc != BL_OK)
        rc = bl_error_set(err, prc, "%s", producer.msg);
    if (rc == BL_OK)
        end_digest(&r.hash, r.size, digest);

cleanup:
    bl_digest_free(r.hash);
    if (r.tar >= 0) {
        closed = uv_fs_close(NULL, &req, r.tar, NULL);
        uv_fs_req_cleanup(&req);
        if (closed < 0 && rc == BL_OK)
            rc = bl_error_sys(err, closed, "cannot write %s", tar_path);
    }
    bl_delta_file_close(patch_file); /* the patch thread has ended: bl_pipe_finish waited for it */
    return rc;
}

/* The rebuilt tar's bytes: written, hashed, counted against the cap. */
typedef struct {
    patch_reader out; /* its tar, tar_path, hash and size; no pipe */
    uint64_t max_size;
} rebuild_sink;

static int rebuild_write(void *ctx, const void *buf, size_t len, bl_error *err)
{
    rebuild_sink *s = ctx;
    if (len > s->max_size - s->out.size)
        return bl_error_set(err, BL_ELENGTH, "the rebuilt tar is longer than the signed size, %llu bytes",
                            (unsigned long long)s->max_size);
    if (write_tar(&s->out, (const char *)buf, len, err) != BL_OK)
        return err->code;
    bl_digest_add(s->out.hash, buf, len);
    s->out.size += len;
    return BL_OK;
}

int bl_apply_rebuild_tar(const char *version_dir, const char *leave_out, uint64_t max_size, const char *tar_path,
                         bl_tar_digest *digest, bl_error *err)
{
    rebuild_sink s;
    uv_fs_t req;
    int rc, closed;

    memset(&s, 0, sizeof s);
    s.out.tar_path = tar_path;
    s.max_size = max_size;
    if ((rc = bl_digest_begin(0, &s.out.hash, err)) != BL_OK)
        return rc;
    s.out.tar = uv_fs_open(NULL, &req, tar_path, UV_FS_O_WRONLY | UV_FS_O_CREAT | UV_FS_O_TRUNC, 0644, NULL);
    uv_fs_req_cleanup(&req);
    if (s.out.tar < 0) {
        bl_digest_free(s.out.hash);
        return bl_error_sys(err, s.out.tar, "cannot create %s", tar_path);
    }
    rc = bl_tarball_write(version_dir, leave_out, rebuild_write, &s, NULL, err);
    closed = uv_fs_close(NULL, &req, s.out.tar, NULL);
    uv_fs_req_cleanup(&req);
    if (closed < 0 && rc == BL_OK)
        rc = bl_error_sys(err, closed, "cannot write %s", tar_path);
    if (rc == BL_OK)
        end_digest(&s.out.hash, s.out.size, digest);
    bl_digest_free(s.out.hash);
    return rc;
}

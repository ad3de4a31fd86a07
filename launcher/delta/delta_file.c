/* SPDX-License-Identifier: Apache-2.0 */
/* The delta engine's file edge: positioned reads and sequential writes
 * through libuv's synchronous fs calls, which work the same on Windows. */
#include "delta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "platform.h"

struct bl_delta_file {
    uv_file fd;
    const char *path;
};

typedef struct {
    uv_file fd;
    const char *path;
    char tmp[BL_PATH_MAX]; /* where it is written until complete */
} file_sink;

#define IO_MAX (1u << 30) /* one read or write at most; Windows takes 32-bit lengths */

static int read_at(void *ctx, uint64_t offset, void *buf, size_t len, bl_error *err)
{
    const bl_delta_file *f = ctx;

    while (len > 0) {
        uv_fs_t req;
        uv_buf_t b = uv_buf_init(buf, (unsigned)(len < IO_MAX ? len : IO_MAX));
        int r = uv_fs_read(NULL, &req, f->fd, &b, 1, (int64_t)offset, NULL);
        uv_fs_req_cleanup(&req);
        if (r < 0)
            return bl_error_set(err, BL_EIO, "cannot read %s: %s", f->path, uv_strerror(r));
        if (r == 0)
            return bl_error_set(err, BL_EIO, "%s changed while being read (ends at %llu)",
                                f->path, (unsigned long long)offset);
        buf = (uint8_t *)buf + r;
        len -= (size_t)r;
        offset += (uint64_t)r;
    }
    return BL_OK;
}

static int write_all(void *ctx, const void *buf, size_t len, bl_error *err)
{
    const file_sink *s = ctx;

    while (len > 0) {
        uv_fs_t req;
        uv_buf_t b = uv_buf_init((char *)buf, (unsigned)(len < IO_MAX ? len : IO_MAX));
        int r = uv_fs_write(NULL, &req, s->fd, &b, 1, -1, NULL);
        uv_fs_req_cleanup(&req);
        if (r < 0)
            return bl_error_sys(err, r, "cannot write %s", s->path);
        buf = (const uint8_t *)buf + r;
        len -= (size_t)r;
    }
    return BL_OK;
}

int bl_delta_file_open(const char *path, bl_delta_file **file, bl_delta_source *src,
                       bl_error *err)
{
    uv_fs_t req;
    bl_delta_file *f;
    int r;

    *file = NULL;
    if (!(f = malloc(sizeof *f)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    f->path = path;
    /* a fifo in the cached tar's place is refused, never waited on */
    if ((r = bl_fs_open_regular(path, UV_FS_O_RDONLY, 0, &f->fd, err)) != BL_OK) {
        free(f);
        return r;
    }
    r = uv_fs_fstat(NULL, &req, f->fd, NULL);
    src->size = req.statbuf.st_size;
    uv_fs_req_cleanup(&req);
    if (r < 0) {
        bl_delta_file_close(f);
        return bl_error_set(err, BL_EIO, "cannot stat %s: %s", path, uv_strerror(r));
    }
    src->ctx = f;
    src->read_at = read_at;
    *file = f;
    return BL_OK;
}

void bl_delta_file_close(bl_delta_file *file)
{
    uv_fs_t req;

    if (!file)
        return;
    uv_fs_close(NULL, &req, file->fd, NULL);
    uv_fs_req_cleanup(&req);
    free(file);
}

static int memory_read_at(void *ctx, uint64_t offset, void *buf, size_t len, bl_error *err)
{
    memcpy(buf, (const uint8_t *)ctx + offset, len);
    return BL_OK;
}

void bl_delta_memory_source(bl_delta_source *src, const void *data, uint64_t size)
{
    src->ctx = (void *)data;
    src->size = size;
    src->read_at = memory_read_at;
}

/* Reads a whole file into a buffer the caller frees. */
static int load(const char *path, uint8_t **data, uint64_t *size, bl_error *err)
{
    bl_delta_file *f;
    bl_delta_source src;
    int rc;

    *data = NULL;
    if ((rc = bl_delta_file_open(path, &f, &src, err)) != BL_OK)
        return rc;
    *size = src.size;
    if (src.size > SIZE_MAX - 1)
        rc = bl_error_set(err, BL_ETOOBIG, "%s is too big for this build", path);
    else if (!(*data = malloc(src.size ? (size_t)src.size : 1)))
        rc = bl_error_set(err, BL_ENOMEM, "out of memory for %s (%llu bytes)", path,
                          (unsigned long long)src.size);
    else {
        bl_plat_prefer_huge_pages(*data, (size_t)src.size); /* searched at random */
        rc = read_at(f, 0, *data, (size_t)src.size, err);
    }
    bl_delta_file_close(f);
    if (rc != BL_OK) {
        free(*data);
        *data = NULL;
    }
    return rc;
}

/* Output goes to a temporary file beside path, renamed over it only once
 * complete: a failed run leaves no half-written path behind, and an OUT that
 * names an input (old, patch) is not truncated before it has been read. */
static int create(const char *path, file_sink *sink, bl_error *err)
{
    uv_fs_t req;
    int r;

    sink->fd = -1;
    sink->path = path;
    if (snprintf(sink->tmp, sizeof sink->tmp, "%s.XXXXXX", path) >= (int)sizeof sink->tmp)
        return bl_error_set(err, BL_EINVAL, "path too long: %s", path);
    r = uv_fs_mkstemp(NULL, &req, sink->tmp, NULL);
    if (r >= 0)
        snprintf(sink->tmp, sizeof sink->tmp, "%s", req.path);
    uv_fs_req_cleanup(&req);
    if (r < 0)
        return bl_error_set(err, BL_EIO, "cannot create a file beside %s: %s", path,
                            uv_strerror(r));
    sink->fd = r;
    return BL_OK;
}

/* Closes the sink and renames it to its path if rc says it is complete;
 * removes it otherwise. */
static int finish(file_sink *sink, int rc, bl_error *err)
{
    uv_fs_t req;
    int r = uv_fs_close(NULL, &req, sink->fd, NULL);

    uv_fs_req_cleanup(&req);
    if (rc == BL_OK && r < 0)
        rc = bl_error_set(err, BL_EIO, "cannot write %s: %s", sink->path, uv_strerror(r));
    if (rc == BL_OK) {
        /* mkstemp made it 0600; give it the usual mode before it appears. */
        uv_fs_chmod(NULL, &req, sink->tmp, 0644, NULL);
        uv_fs_req_cleanup(&req);
        r = uv_fs_rename(NULL, &req, sink->tmp, sink->path, NULL);
        uv_fs_req_cleanup(&req);
        if (r < 0)
            rc = bl_error_set(err, BL_EIO, "cannot create %s: %s", sink->path, uv_strerror(r));
    }
    if (rc != BL_OK) {
        uv_fs_unlink(NULL, &req, sink->tmp, NULL);
        uv_fs_req_cleanup(&req);
    }
    return rc;
}

int bl_delta_diff_file(const char *old_path, const char *new_path, const char *patch_path,
                       const bl_delta_options *opts, bl_error *err)
{
    uint8_t *old = NULL;
    uint64_t old_size = 0;
    bl_delta_file *new_file = NULL;
    bl_delta_source new_src;
    file_sink out;
    bl_delta_sink sink = {&out, write_all};
    int rc;

    if ((rc = load(old_path, &old, &old_size, err)) != BL_OK ||
        (rc = bl_delta_file_open(new_path, &new_file, &new_src, err)) != BL_OK ||
        (rc = create(patch_path, &out, err)) != BL_OK)
        goto cleanup;
    rc = bl_delta_diff(old, old_size, &new_src, &sink, opts, err);
    rc = finish(&out, rc, err);

cleanup:
    free(old);
    bl_delta_file_close(new_file);
    return rc;
}

int bl_delta_patch_file(const char *old_path, const char *patch_path, const char *out_path,
                        const bl_delta_options *opts, bl_error *err)
{
    bl_delta_file *old_file = NULL, *patch_file = NULL;
    bl_delta_source old, patch;
    file_sink out;
    bl_delta_sink sink = {&out, write_all};
    int rc;

    if ((rc = bl_delta_file_open(old_path, &old_file, &old, err)) != BL_OK ||
        (rc = bl_delta_file_open(patch_path, &patch_file, &patch, err)) != BL_OK)
        goto cleanup;
    if ((rc = create(out_path, &out, err)) != BL_OK)
        goto cleanup;
    rc = bl_delta_patch(&old, &patch, &sink, opts, err);
    if (rc != BL_OK)
        bl_error_prefix(err, "%s: ", patch_path);
    rc = finish(&out, rc, err);

cleanup:
    bl_delta_file_close(old_file);
    bl_delta_file_close(patch_file);
    return rc;
}

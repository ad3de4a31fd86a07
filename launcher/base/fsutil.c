/* SPDX-License-Identifier: Apache-2.0 */
#include "fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

int bl_fs_join(char *out, size_t size, const char *a, const char *b)
{
    size_t la = strlen(a);
    int sep = la > 0 && a[la - 1] != '/' && a[la - 1] != '\\';
    int n = snprintf(out, size, "%s%s%s", a, sep ? "/" : "", b);
    return n >= 0 && (size_t)n < size ? BL_OK : BL_ETOOBIG;
}

int bl_fs_dirname(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    const char *backslash = strrchr(path, '\\');
    int n;
    if (backslash && (!slash || backslash > slash))
        slash = backslash;
    if (!slash)
        n = snprintf(out, size, ".");
    else if (slash == path)
        n = snprintf(out, size, "/");
    else
        n = snprintf(out, size, "%.*s", (int)(slash - path), path);
    return n >= 0 && (size_t)n < size ? BL_OK : BL_ETOOBIG;
}

int bl_fs_free_bytes(const char *path, uint64_t *out, bl_error *err)
{
    uv_fs_t req;
    int rc = uv_fs_statfs(NULL, &req, path, NULL);
    if (rc == 0) {
        const uv_statfs_t *st = req.ptr;
        *out = st->f_bavail * st->f_bsize;
    }
    uv_fs_req_cleanup(&req);
    if (rc != 0)
        return bl_error_set(err, BL_EIO, "cannot read the free space of %s: %s", path, uv_strerror(rc));
    return BL_OK;
}

uint64_t bl_fs_file_size(const char *path)
{
    uv_fs_t req;
    uint64_t size = 0;
    if (uv_fs_stat(NULL, &req, path, NULL) == 0 && (req.statbuf.st_mode & S_IFMT) == S_IFREG)
        size = req.statbuf.st_size;
    uv_fs_req_cleanup(&req);
    return size;
}

static int lstat_path(const char *path, uv_stat_t *st)
{
    uv_fs_t req;
    int rc = uv_fs_lstat(NULL, &req, path, NULL);
    if (rc == 0)
        *st = req.statbuf;
    uv_fs_req_cleanup(&req);
    return rc;
}

int bl_fs_is_dir(const char *path)
{
    uv_stat_t st;
    return lstat_path(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR;
}

int bl_fs_exists(const char *path)
{
    uv_stat_t st;
    return lstat_path(path, &st) == 0;
}

static int refuse(const char *path, unsigned long long mode, bl_error *err)
{
    const char *kind = NULL;
    switch (mode & S_IFMT) {
    case S_IFDIR: kind = "a folder"; break;
    case S_IFCHR: kind = "a device"; break;
#ifdef S_IFIFO
    case S_IFIFO: kind = "a fifo"; break;
#endif
#ifdef S_IFSOCK
    case S_IFSOCK: kind = "a socket"; break;
#endif
#ifdef S_IFBLK
    case S_IFBLK: kind = "a device"; break;
#endif
    }
    if (!kind)
        return bl_error_set(err, BL_EINVAL, "%s is not a regular file", path);
    return bl_error_set(err, BL_EINVAL, "%s is %s, not a regular file", path, kind);
}

int bl_fs_open_regular(const char *path, int flags, int mode, uv_file *fd, bl_error *err)
{
    uv_fs_t req;
    unsigned long long type = 0;
    int rc, opened = uv_fs_open(NULL, &req, path, flags | UV_FS_O_NONBLOCK, mode, NULL);

    uv_fs_req_cleanup(&req);
    *fd = -1;
    if (opened < 0) {
        /* A fifo opened for writing without a reader fails (ENXIO): say
         * what is there, not "no such device or address". */
        if (opened != UV_ENOENT && uv_fs_stat(NULL, &req, path, NULL) == 0)
            type = req.statbuf.st_mode;
        uv_fs_req_cleanup(&req);
        if (type && (type & S_IFMT) != S_IFREG)
            return refuse(path, type, err);
        return bl_error_sys(err, opened, "cannot open %s", path);
    }
    rc = uv_fs_fstat(NULL, &req, opened, NULL);
    if (rc == 0)
        type = req.statbuf.st_mode;
    uv_fs_req_cleanup(&req);
    if (rc == 0 && (type & S_IFMT) == S_IFREG) {
        *fd = opened;
        return BL_OK;
    }
    uv_fs_close(NULL, &req, opened, NULL);
    uv_fs_req_cleanup(&req);
    if (rc != 0)
        return bl_error_sys(err, rc, "cannot look at %s", path);
    return refuse(path, type, err);
}

int bl_fs_read_all(const char *path, size_t max, char **out, size_t *len, bl_error *err)
{
    uv_fs_t req;
    uv_file fd;
    char *buf = NULL;
    size_t used = 0, cap;
    int rc;

    *out = NULL;
    *len = 0;
    if ((rc = bl_fs_open_regular(path, UV_FS_O_RDONLY, 0, &fd, err)) != BL_OK)
        return rc;
    cap = 4096;
    buf = malloc(cap + 1);
    if (!buf) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory reading %s", path);
        goto cleanup;
    }
    for (;;) {
        uv_buf_t chunk;
        ssize_t n;
        if (used == cap) {
            char *bigger;
            if (cap > max) {
                rc = bl_error_set(err, BL_ETOOBIG, "%s is larger than %zu bytes", path, max);
                goto cleanup;
            }
            cap *= 2;
            bigger = realloc(buf, cap + 1);
            if (!bigger) {
                rc = bl_error_set(err, BL_ENOMEM, "out of memory reading %s", path);
                goto cleanup;
            }
            buf = bigger;
        }
        chunk = uv_buf_init(buf + used, (unsigned int)(cap - used));
        n = uv_fs_read(NULL, &req, fd, &chunk, 1, -1, NULL);
        uv_fs_req_cleanup(&req);
        if (n < 0) {
            rc = bl_error_set(err, BL_EIO, "cannot read %s: %s", path, uv_strerror((int)n));
            goto cleanup;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    if (used > max) {
        rc = bl_error_set(err, BL_ETOOBIG, "%s is larger than %zu bytes", path, max);
        goto cleanup;
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    buf = NULL;
    rc = BL_OK;

cleanup:
    free(buf);
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    return rc;
}

int bl_fs_mkdir_p(const char *path, bl_error *err)
{
    char buf[BL_PATH_MAX];
    size_t i, n = strlen(path);
    uv_fs_t req;
    int rc;

    if (n >= sizeof buf)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", path);
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\\' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        rc = uv_fs_mkdir(NULL, &req, buf, 0755, NULL);
        uv_fs_req_cleanup(&req);
        if (rc != 0 && rc != UV_EEXIST && !(rc == UV_EPERM && bl_fs_is_dir(buf)))
            return bl_error_sys(err, rc, "cannot create folder %s", buf);
        buf[i] = path[i];
    }
    if (!bl_fs_is_dir(path))
        return bl_error_set(err, BL_EIO, "%s exists and is not a folder", path);
    return BL_OK;
}

int bl_fs_list_dir(const char *path, bl_fs_entry_fn fn, void *ctx, bl_error *err)
{
    uv_fs_t req;
    uv_dirent_t ent;
    int rc = uv_fs_scandir(NULL, &req, path, 0, NULL);

    if (rc < 0) {
        uv_fs_req_cleanup(&req);
        return bl_error_sys(err, rc, "cannot list %s", path);
    }
    rc = BL_OK;
    while (uv_fs_scandir_next(&req, &ent) != UV_EOF) {
        int is_dir = ent.type == UV_DIRENT_DIR;
        if (ent.type == UV_DIRENT_UNKNOWN) { /* some file systems do not say */
            char full[BL_PATH_MAX];
            is_dir = bl_fs_join(full, sizeof full, path, ent.name) == BL_OK && bl_fs_is_dir(full);
        }
        rc = fn(ctx, ent.name, is_dir);
        if (rc != 0)
            break;
    }
    uv_fs_req_cleanup(&req);
    return rc;
}

typedef struct {
    const char *dir;
    bl_error *err;
} remove_ctx;

static int remove_entry(void *ctx, const char *name, int is_dir)
{
    remove_ctx *rm = ctx;
    char full[BL_PATH_MAX];
    (void)is_dir;
    if (bl_fs_join(full, sizeof full, rm->dir, name) != BL_OK)
        return bl_error_set(rm->err, BL_ETOOBIG, "path too long under %s", rm->dir);
    return bl_fs_remove_tree(full, rm->err);
}

int bl_fs_remove_tree(const char *path, bl_error *err)
{
    uv_stat_t st;
    uv_fs_t req;
    int rc = lstat_path(path, &st);

    if (rc == UV_ENOENT)
        return BL_OK;
    if (rc != 0)
        return bl_error_set(err, BL_EIO, "cannot remove %s: %s", path, uv_strerror(rc));
    if ((st.st_mode & S_IFMT) == S_IFDIR) {
        remove_ctx rm = {path, err};
        rc = bl_fs_list_dir(path, remove_entry, &rm, err);
        if (rc != BL_OK)
            return rc;
        rc = uv_fs_rmdir(NULL, &req, path, NULL);
    } else {
        rc = uv_fs_unlink(NULL, &req, path, NULL);
    }
    uv_fs_req_cleanup(&req);
    if (rc != 0 && rc != UV_ENOENT)
        return bl_error_set(err, BL_EIO, "cannot remove %s: %s", path, uv_strerror(rc));
    return BL_OK;
}

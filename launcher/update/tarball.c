/* SPDX-License-Identifier: Apache-2.0 */
#include "tarball.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "base/utf8.h"
#include "unpack.h"

#define CHUNK (64 * 1024)
#define MAX_DEPTH 64 /* folders nest deeper than any app ships; stops runaway trees */

typedef struct {
    struct archive *a;
    bl_tarball_write_fn write;
    void *ctx;
    bl_error *err;
    int write_failed; /* the callback's error is in err */
    bl_tarball_stats stats;
    char *buf; /* CHUNK bytes for file contents */
    const char *leave_out; /* a top-level name not written, or NULL */
} writer;

typedef struct {
    char **names;
    size_t count, cap;
} name_list;

static la_ssize_t on_write(struct archive *a, void *data, const void *buf, size_t len)
{
    writer *w = data;
    (void)a;
    if (w->write(w->ctx, buf, len, w->err) != BL_OK) {
        w->write_failed = 1;
        return -1;
    }
    return (la_ssize_t)len;
}

static int archive_failed(writer *w, const char *what)
{
    if (w->write_failed)
        return w->err->code ? w->err->code : BL_EIO;
    return bl_error_set(w->err, BL_EIO, "tar: %s: %s", what, archive_error_string(w->a));
}

static int collect(void *ctx, const char *name, int is_dir)
{
    name_list *list = ctx;
    (void)is_dir;
    if (list->count == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 32;
        char **grown = realloc(list->names, cap * sizeof *grown);
        if (!grown)
            return BL_ENOMEM;
        list->names = grown;
        list->cap = cap;
    }
    if (!(list->names[list->count] = strdup(name)))
        return BL_ENOMEM;
    list->count++;
    return BL_OK;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(name_list *list)
{
    size_t i;
    for (i = 0; i < list->count; i++)
        free(list->names[i]);
    free(list->names);
}

/* Copies a regular file's bytes into the archive; exactly size of them. */
static int write_contents(writer *w, const char *path, uint64_t size)
{
    uv_fs_t req;
    uv_file fd = uv_fs_open(NULL, &req, path, UV_FS_O_RDONLY, 0, NULL);
    uint64_t done = 0;
    int rc = BL_OK;

    uv_fs_req_cleanup(&req);
    if (fd < 0)
        return bl_error_set(w->err, BL_EIO, "tar: cannot open %s: %s", path, uv_strerror(fd));
    for (;;) {
        uv_buf_t b = uv_buf_init(w->buf, CHUNK);
        int n = uv_fs_read(NULL, &req, fd, &b, 1, -1, NULL);
        uv_fs_req_cleanup(&req);
        if (n < 0) {
            rc = bl_error_set(w->err, BL_EIO, "tar: cannot read %s: %s", path, uv_strerror(n));
            break;
        }
        if (n == 0)
            break;
        if ((uint64_t)n > size - done) {
            rc = bl_error_set(w->err, BL_EIO, "tar: %s grew while it was archived", path);
            break;
        }
        if (archive_write_data(w->a, w->buf, (size_t)n) != n) {
            rc = archive_failed(w, path);
            break;
        }
        done += (uint64_t)n;
    }
    if (rc == BL_OK && done != size)
        rc = bl_error_set(w->err, BL_EIO, "tar: %s shrank while it was archived", path);
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    return rc;
}

static int read_link(const char *path, char **out, bl_error *err)
{
    uv_fs_t req;
    int rc = uv_fs_readlink(NULL, &req, path, NULL);
    *out = rc == 0 ? strdup(req.ptr) : NULL;
    uv_fs_req_cleanup(&req);
    if (rc != 0)
        return bl_error_set(err, BL_EIO, "tar: cannot read the link %s: %s", path, uv_strerror(rc));
    return *out ? BL_OK : bl_error_set(err, BL_ENOMEM, "tar: out of memory");
}

/* 1 if s is valid UTF-8 throughout. */
static int is_utf8(const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t len = bl_utf8_sequence((const unsigned char *)s + i, n - i, NULL);
        if (len == 0)
            return 0;
        i += len;
    }
    return 1;
}

/* s for a message: bytes that are not UTF-8 text as \xNN. */
static void escape(const char *s, char *out, size_t size)
{
    size_t n = strlen(s), i = 0, used = 0;
    while (i < n && used + 5 < size) {
        size_t len = bl_utf8_sequence((const unsigned char *)s + i, n - i, NULL);
        if (len == 0 || (unsigned char)s[i] < 0x20) {
            used += (size_t)snprintf(out + used, size - used, "\\x%02x", (unsigned char)s[i]);
            i++;
        } else if (used + len < size) {
            memcpy(out + used, s + i, len);
            used += len;
            i += len;
        } else {
            break;
        }
    }
    out[used] = '\0';
}

/* The unpacker's normal modes (unpack.h), so that a folder unpacked from
 * this tar gives the same tar again. */
static mode_t normal_mode(unsigned type, mode_t mode)
{
    if (type == S_IFDIR)
        return 0755;
    if (type == S_IFLNK)
        return 0777;
    return (mode & 0111) ? 0755 : 0644;
}

static int walk(writer *w, const char *dir, const char *prefix, int depth);

/* A name or link target in another encoding than UTF-8 is refused: see
 * tarball.h. */
static int refuse_non_utf8(writer *w, const char *path, const char *what)
{
    char shown[600];
    escape(path, shown, sizeof shown);
    return bl_error_set(w->err, BL_EINVAL, "tar: %s: %s is not valid UTF-8; rename it (releases carry UTF-8 names)",
                        shown, what);
}

/* One entry: its header (normalised), then its contents or its children. */
static int add_entry(writer *w, const char *path, const char *name, int depth)
{
    struct archive_entry *entry = NULL;
    char *target = NULL, rel[BL_PATH_MAX];
    bl_error why;
    uv_fs_t req;
    uv_stat_t st;
    unsigned type;
    int rc;

    rc = uv_fs_lstat(NULL, &req, path, NULL);
    st = req.statbuf;
    uv_fs_req_cleanup(&req);
    if (rc != 0)
        return bl_error_set(w->err, BL_EIO, "tar: cannot stat %s: %s", path, uv_strerror(rc));
    type = (unsigned)(st.st_mode & S_IFMT);
    if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK)
        return bl_error_set(w->err, BL_EINVAL, "tar: %s is not a file, folder or link (devices, fifos and "
                            "sockets cannot be released)", path);
    if (!is_utf8(name))
        return refuse_non_utf8(w, path, "the name");
    if (type == S_IFLNK && (rc = read_link(path, &target, w->err)) != BL_OK)
        return rc;
    if (target && !is_utf8(target)) {
        rc = refuse_non_utf8(w, path, "the link's target");
        goto cleanup;
    }
    if (!(entry = archive_entry_new())) {
        rc = bl_error_set(w->err, BL_ENOMEM, "tar: out of memory");
        goto cleanup;
    }
    /* The bytes, unconverted: the archive is in binary mode (tarball.h).
     * Narrow on Windows too: these names only go into the tar (the files
     * are read through libuv), unlike the unpacker's, which libarchive
     * hands to the OS (bl_plat_wide_path). */
    archive_entry_set_pathname(entry, name);
    archive_entry_set_filetype(entry, type == S_IFREG ? AE_IFREG : type == S_IFDIR ? AE_IFDIR : AE_IFLNK);
    archive_entry_set_perm(entry, normal_mode(type, (mode_t)st.st_mode));
    archive_entry_set_mtime(entry, 0, 0);
    archive_entry_set_uid(entry, 0);
    archive_entry_set_gid(entry, 0);
    archive_entry_set_size(entry, type == S_IFREG ? (la_int64_t)st.st_size : 0);
    if (target)
        archive_entry_set_symlink(entry, target);
    /* What a launcher would refuse to unpack is refused here. */
    if ((rc = bl_unpack_check_entry(entry, rel, sizeof rel, &why)) != BL_OK) {
        rc = bl_error_set(w->err, rc, "tar: %s: launchers refuse to unpack it", why.msg);
        goto cleanup;
    }
    if (archive_write_header(w->a, entry) != ARCHIVE_OK) {
        rc = archive_failed(w, name);
        goto cleanup;
    }
    if (type == S_IFREG) {
        w->stats.files++;
        w->stats.file_bytes += st.st_size;
        rc = write_contents(w, path, st.st_size);
    } else if (type == S_IFDIR) {
        w->stats.folders++;
        rc = walk(w, path, name, depth + 1);
    } else {
        w->stats.links++;
    }

cleanup:
    archive_entry_free(entry);
    free(target);
    return rc;
}

static int walk(writer *w, const char *dir, const char *prefix, int depth)
{
    name_list list = {NULL, 0, 0};
    char path[BL_PATH_MAX], name[BL_PATH_MAX];
    size_t i;
    int rc;

    if (depth > MAX_DEPTH)
        return bl_error_set(w->err, BL_ETOOBIG, "tar: %s is nested deeper than %d folders", dir, MAX_DEPTH);
    rc = bl_fs_list_dir(dir, collect, &list, w->err);
    if (rc == BL_ENOMEM)
        bl_error_set(w->err, BL_ENOMEM, "tar: out of memory");
    if (rc != BL_OK)
        goto cleanup;
    if (list.count)
        qsort(list.names, list.count, sizeof *list.names, by_bytes);
    for (i = 0; i < list.count && rc == BL_OK; i++) {
        if (!prefix[0] && w->leave_out && strcmp(list.names[i], w->leave_out) == 0)
            continue;
        int n = prefix[0] ? snprintf(name, sizeof name, "%s/%s", prefix, list.names[i])
                          : snprintf(name, sizeof name, "%s", list.names[i]);
        if (n < 0 || (size_t)n >= sizeof name || bl_fs_join(path, sizeof path, dir, list.names[i]) != BL_OK) {
            rc = bl_error_set(w->err, BL_ETOOBIG, "tar: path too long under %s", dir);
            break;
        }
        rc = add_entry(w, path, name, depth);
    }

cleanup:
    free_names(&list);
    return rc;
}

int bl_tarball_write(const char *dir, const char *leave_out, bl_tarball_write_fn write, void *ctx,
                     bl_tarball_stats *stats, bl_error *err)
{
    writer w;
    int rc = BL_OK;

    memset(&w, 0, sizeof w);
    w.write = write;
    w.ctx = ctx;
    w.err = err;
    w.leave_out = leave_out;
    if (!bl_fs_is_dir(dir))
        return bl_error_set(err, BL_ENOTFOUND, "tar: %s is not a folder", dir);
    if (!(w.buf = malloc(CHUNK)) || !(w.a = archive_write_new())) {
        rc = bl_error_set(err, BL_ENOMEM, "tar: out of memory");
        goto cleanup;
    }
    /* pax_restricted: ustar headers, pax extensions only where ustar cannot
     * say it (long names, large files, non-ASCII), so old readers cope.
     * hdrcharset=BINARY: names as they are, whatever the locale (tarball.h). */
    if (archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
        archive_write_set_format_option(w.a, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK ||
        archive_write_add_filter_none(w.a) != ARCHIVE_OK ||
        archive_write_open(w.a, &w, NULL, on_write, NULL) != ARCHIVE_OK) {
        rc = archive_failed(&w, "cannot start the archive");
        goto cleanup;
    }
    if ((rc = walk(&w, dir, "", 0)) != BL_OK)
        goto cleanup;
    if (archive_write_close(w.a) != ARCHIVE_OK) {
        rc = archive_failed(&w, "cannot finish the archive");
        goto cleanup;
    }
    if (stats)
        *stats = w.stats;

cleanup:
    if (w.a)
        archive_write_free(w.a);
    free(w.buf);
    return rc;
}

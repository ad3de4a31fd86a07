/* SPDX-License-Identifier: Apache-2.0 */
#include "unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "platform.h"

#define READ_BLOCK (256 * 1024)
#define MAX_DEPTH 256

int bl_unpack_check_name(const char *name, char *out, size_t size, bl_error *err)
{
    const char *p = name;
    size_t used = 0;

    if (name[0] == '/' || name[0] == '\\' || (name[0] && name[1] == ':'))
        return bl_error_set(err, BL_ECORRUPT, "archive entry '%.200s' has an absolute path", name);
    while (*p) {
        size_t n = strcspn(p, "/");
        if (memchr(p, '\\', n))
            return bl_error_set(err, BL_ECORRUPT, "archive entry '%.200s' contains a backslash", name);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return bl_error_set(err, BL_ECORRUPT, "archive entry '%.200s' leaves the folder ('..')", name);
        if (n > 0 && !(n == 1 && p[0] == '.')) { /* skip empty and "." parts */
            if (used + n + 2 > size)
                return bl_error_set(err, BL_ETOOBIG, "archive entry name too long: '%.200s'", name);
            if (used)
                out[used++] = '/';
            memcpy(out + used, p, n);
            used += n;
        }
        p += n;
        if (*p == '/')
            p++;
    }
    out[used] = '\0';
    return BL_OK;
}

int bl_unpack_link_stays_inside(const char *name, const char *target)
{
    int depth = 0;
    const char *p;

    if (!target[0] || target[0] == '/' || target[0] == '\\' || (target[1] == ':'))
        return 0;
    /* The link lives in name's folder: start at that depth. */
    for (p = name; *p; p++)
        depth += *p == '/';
    p = target;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (memchr(p, '\\', n))
            return 0;
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (--depth < 0)
                return 0;
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            depth++;
        }
        p += n;
        if (*p == '/')
            p++;
    }
    return 1;
}

typedef struct {
    bl_unpack_read_fn read;
    void *ctx;
    bl_error err; /* the reader's own failure */
    int failed;
} source;

static la_ssize_t source_read(struct archive *a, void *data, const void **buf)
{
    source *src = data;
    long long n = src->read(src->ctx, buf, &src->err);
    if (n < 0) {
        src->failed = 1;
        archive_set_error(a, EIO, "the update stream failed");
        return -1;
    }
    return (la_ssize_t)n;
}

int bl_unpack_check_entry(struct archive_entry *entry, char *rel, size_t rel_size, bl_error *err)
{
    const char *name = archive_entry_pathname(entry);
    const char *hardlink = archive_entry_hardlink(entry);
    unsigned int type = (unsigned int)archive_entry_filetype(entry);
    int rc;

    if (!name)
        return bl_error_set(err, BL_ECORRUPT, "archive entry without a name");
    if ((rc = bl_unpack_check_name(name, rel, rel_size, err)) != BL_OK)
        return rc;
    /* Hard links come without a file type: their target decides. */
    if (!hardlink && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
        return bl_error_set(err, BL_ECORRUPT, "archive entry '%.200s' is a device, fifo or socket", name);
    if (type == AE_IFLNK) {
        const char *target = archive_entry_symlink(entry);
        if (!target || !bl_unpack_link_stays_inside(rel, target))
            return bl_error_set(err, BL_ECORRUPT, "archive entry '%.200s' links outside the folder (to '%.200s')",
                                name, target ? target : "");
    }
    if (hardlink) {
        char link_rel[BL_PATH_MAX];
        if ((rc = bl_unpack_check_name(hardlink, link_rel, sizeof link_rel, err)) != BL_OK)
            return rc;
    }
    return BL_OK;
}

typedef void (*narrow_setter)(struct archive_entry *, const char *);
typedef void (*wide_setter)(struct archive_entry *, const wchar_t *);

/* Gives libarchive's disk writer a UTF-8 path in the form that reaches the
 * OS unchanged (bl_plat_wide_path): UTF-16 on Windows, where it widens a
 * narrow path by the C locale, byte by byte (a root under a folder named
 * in Chinese put every file into a sibling folder of Latin-1 names); the
 * bytes themselves on POSIX, where a wide path would be narrowed by that
 * locale and lose its non-ASCII characters. libarchive keeps the form set
 * last. path must not point into entry. */
static int set_disk_path(struct archive_entry *entry, const char *path, narrow_setter narrow, wide_setter wide,
                         bl_error *err)
{
    wchar_t *wide_path;
    int rc = bl_plat_wide_path(path, &wide_path, err);
    if (rc != BL_OK)
        return rc;
    if (wide_path)
        wide(entry, wide_path);
    else
        narrow(entry, path);
    free(wide_path);
    return BL_OK;
}

/* Checks one entry and points it into dest; full gets where it goes (UTF-8,
 * for messages: libarchive's own narrow form of a wide path is the C
 * locale's, without the non-ASCII characters). */
static int prepare_entry(struct archive_entry *entry, const char *dest, char *full, size_t full_size,
                         bl_error *err)
{
    char rel[BL_PATH_MAX], link[BL_PATH_MAX + 64];
    const char *hardlink = archive_entry_hardlink(entry);
    unsigned int type = (unsigned int)archive_entry_filetype(entry);
    int rc;

    if ((rc = bl_unpack_check_entry(entry, rel, sizeof rel, err)) != BL_OK)
        return rc;
    if (hardlink) {
        char link_rel[BL_PATH_MAX];
        if ((rc = bl_unpack_check_name(hardlink, link_rel, sizeof link_rel, err)) != BL_OK)
            return rc;
        if ((size_t)snprintf(link, sizeof link, "%s/%s", dest, link_rel) >= sizeof link)
            return bl_error_set(err, BL_ETOOBIG, "path too long: %s/%s", dest, link_rel);
        if ((rc = set_disk_path(entry, link, archive_entry_set_hardlink, archive_entry_copy_hardlink_w, err)) !=
            BL_OK)
            return rc;
    } else if (type == AE_IFLNK) {
        /* relative (bl_unpack_check_entry), so only its characters matter */
        if ((size_t)snprintf(link, sizeof link, "%s", archive_entry_symlink(entry)) >= sizeof link)
            return bl_error_set(err, BL_ETOOBIG, "archive entry '%.200s' links to a name too long", rel);
        if ((rc = set_disk_path(entry, link, archive_entry_set_symlink, archive_entry_copy_symlink_w, err)) !=
            BL_OK)
            return rc;
    }
    if (rel[0] == '\0')
        snprintf(full, full_size, "%s", dest);
    else if ((size_t)snprintf(full, full_size, "%s/%s", dest, rel) >= full_size)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s/%s", dest, rel);
    if ((rc = set_disk_path(entry, full, archive_entry_set_pathname, archive_entry_copy_pathname_w, err)) != BL_OK)
        return rc;
    /* A normal mode whatever the archive says: tufup's make the version
     * folder 0700 (its "./" entry, a temp folder's mode), which locks every
     * other user out of a system-wide install. Folders 0755, files 0755 if
     * the archive lets anyone run them, else 0644; never setuid, setgid or
     * sticky. */
    if (type == AE_IFDIR)
        archive_entry_set_perm(entry, 0755);
    else if (type != AE_IFLNK)
        archive_entry_set_perm(entry, (archive_entry_perm(entry) & 0111) ? 0755 : 0644);
    archive_entry_set_uid(entry, 0);
    archive_entry_set_gid(entry, 0);
    return BL_OK;
}

/* libarchive says "Write failed"; a user needs to hear that the disk is full. */
static int write_error(struct archive *out, const char *what, const char *name, bl_error *err)
{
    const char *why = archive_error_string(out);
    if (archive_errno(out) == ENOSPC)
        return bl_error_set(err, BL_ENOSPC, "cannot %s%s: the disk is full", what, name);
    return bl_error_set(err, BL_EIO, "cannot %s%s: %s", what, name, why ? why : "write failed");
}

static int too_big(const bl_unpack_options *opt, bl_error *err)
{
    return bl_error_set(err, BL_ELENGTH, "the archive unpacks to more than %llu bytes%s%s%s",
                        (unsigned long long)opt->max_bytes, opt->max_why ? " (" : "",
                        opt->max_why ? opt->max_why : "", opt->max_why ? ")" : "");
}

/* The sizes the headers state, added up before any file is written: a file
 * stored sparse, or one that the data would only show too big at its end,
 * is refused at its header. */
static int check_declared(struct archive_entry *entry, uint64_t *declared, const bl_unpack_options *opt,
                          bl_error *err)
{
    la_int64_t size = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
    if (!opt || !opt->max_bytes || size <= 0)
        return BL_OK;
    if ((uint64_t)size > opt->max_bytes - *declared)
        return too_big(opt, err);
    *declared += (uint64_t)size;
    return BL_OK;
}

static int copy_data(struct archive *in, struct archive *out, uint64_t *total, const bl_unpack_options *opt,
                     bl_error *err)
{
    const void *buf;
    size_t size;
    la_int64_t offset;
    int r;

    for (;;) {
        r = archive_read_data_block(in, &buf, &size, &offset);
        if (r == ARCHIVE_EOF)
            return BL_OK;
        if (r != ARCHIVE_OK)
            return bl_error_set(err, BL_ECORRUPT, "archive is damaged: %s", archive_error_string(in));
        *total += size;
        if (opt && opt->max_bytes && *total > opt->max_bytes)
            return too_big(opt, err);
        if (archive_write_data_block(out, buf, size, offset) != ARCHIVE_OK)
            return write_error(out, "write the new version", "", err);
        if (opt && opt->progress)
            bl_progress_bytes(opt->progress, *total, opt->progress_total);
        if (opt && bl_progress_cancelled(opt->progress))
            return bl_error_set(err, BL_ECANCELED, "unpacking canceled");
    }
}

static int extract_all(struct archive *in, const char *dest, const bl_unpack_options *opt, bl_error *err)
{
    /* Names are checked and made absolute under dest by prepare_entry, so
     * libarchive's NOABSOLUTEPATHS would refuse them all; its SYMLINKS check
     * still stops a write through a link the archive made earlier. */
    const int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                      ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_UNLINK;
    struct archive *out = archive_write_disk_new();
    struct archive_entry *entry;
    char full[BL_PATH_MAX + 64];
    uint64_t total = 0, declared = 0;
    int r, rc = BL_OK;

    if (!out)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    archive_write_disk_set_options(out, flags);
    for (;;) {
        r = archive_read_next_header(in, &entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            rc = bl_error_set(err, BL_ECORRUPT, "archive is damaged: %s", archive_error_string(in));
            break;
        }
        if ((rc = prepare_entry(entry, dest, full, sizeof full, err)) != BL_OK ||
            (rc = check_declared(entry, &declared, opt, err)) != BL_OK)
            break;
        if (archive_write_header(out, entry) != ARCHIVE_OK) {
            rc = write_error(out, "create ", full, err);
            break;
        }
        if (archive_entry_size(entry) > 0 && (rc = copy_data(in, out, &total, opt, err)) != BL_OK)
            break;
        if (archive_write_finish_entry(out) != ARCHIVE_OK) {
            rc = write_error(out, "finish ", full, err);
            break;
        }
    }
    /* close applies deferred directory times and permissions */
    if (archive_write_close(out) != ARCHIVE_OK && rc == BL_OK)
        rc = bl_error_set(err, BL_EIO, "cannot finish the new version: %s", archive_error_string(out));
    archive_write_free(out);
    return rc;
}

static int unpack(struct archive *in, const char *dest, const bl_unpack_options *opt, bl_error *err)
{
    char real[BL_PATH_MAX];
    uv_fs_t req;
    int rc;

    if (bl_fs_exists(dest))
        return bl_error_set(err, BL_EINVAL, "%s already exists", dest);
    if ((rc = bl_fs_mkdir_p(dest, err)) != BL_OK)
        return rc;
    /* Without links in the prefix (macOS: /tmp -> /private/tmp), libarchive's
     * symlink check judges only what the archive itself creates. */
    rc = uv_fs_realpath(NULL, &req, dest, NULL);
    if (rc == 0)
        snprintf(real, sizeof real, "%s", (const char *)req.ptr);
    uv_fs_req_cleanup(&req);
    if (rc != 0)
        return bl_error_set(err, BL_EIO, "cannot resolve %s: %s", dest, uv_strerror(rc));
    if ((rc = extract_all(in, real, opt, err)) != BL_OK)
        return rc;
    /* The completion marker goes in after this: the files must be on disk first. */
    return bl_plat_sync_tree(dest, err);
}

static struct archive *new_reader(void)
{
    struct archive *in = archive_read_new();
    if (in) {
        archive_read_support_filter_gzip(in);
        archive_read_support_filter_none(in);
        archive_read_support_format_tar(in); /* ustar, pax (Python's tarfile), gnu */
    }
    return in;
}

int bl_unpack_stream(bl_unpack_read_fn read, void *ctx, const char *dest, const bl_unpack_options *opt,
                     bl_error *err)
{
    struct archive *in = new_reader();
    source src;
    int rc;

    memset(&src, 0, sizeof src);
    src.read = read;
    src.ctx = ctx;
    if (!in)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if (archive_read_open(in, &src, NULL, source_read, NULL) != ARCHIVE_OK)
        rc = bl_error_set(err, BL_ECORRUPT, "not an archive: %s", archive_error_string(in));
    else
        rc = unpack(in, dest, opt, err);
    archive_read_free(in);
    if (rc != BL_OK && src.failed) /* the source's reason, not libarchive's echo of it */
        rc = bl_error_set(err, src.err.code ? src.err.code : BL_EIO, "%s", src.err.msg);
    return rc;
}

int bl_unpack_check_archive(const char *archive_path, bl_error *err)
{
    struct archive *in = new_reader();
    struct archive_entry *entry;
    char rel[BL_PATH_MAX];
    int r, rc = BL_OK;

    if (!in)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if (archive_read_open_filename(in, archive_path, READ_BLOCK) != ARCHIVE_OK) {
        rc = bl_error_set(err, BL_ECORRUPT, "cannot read %s: %s", archive_path, archive_error_string(in));
        goto cleanup;
    }
    while ((r = archive_read_next_header(in, &entry)) != ARCHIVE_EOF) {
        /* ARCHIVE_WARN: a name the C locale cannot convert; its bytes are
         * what the unpacker writes, as here. */
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            rc = bl_error_set(err, BL_ECORRUPT, "archive is damaged: %s", archive_error_string(in));
            break;
        }
        if ((rc = bl_unpack_check_entry(entry, rel, sizeof rel, err)) != BL_OK)
            break;
        if (archive_read_data_skip(in) != ARCHIVE_OK) {
            rc = bl_error_set(err, BL_ECORRUPT, "archive is damaged: %s", archive_error_string(in));
            break;
        }
    }

cleanup:
    archive_read_free(in);
    return rc;
}

int bl_unpack_file(const char *archive_path, const char *dest, const bl_unpack_options *opt, bl_error *err)
{
    struct archive *in = new_reader();
    int rc;
    if (!in)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if (archive_read_open_filename(in, archive_path, READ_BLOCK) != ARCHIVE_OK)
        rc = bl_error_set(err, BL_ECORRUPT, "cannot read %s: %s", archive_path, archive_error_string(in));
    else
        rc = unpack(in, dest, opt, err);
    archive_read_free(in);
    return rc;
}

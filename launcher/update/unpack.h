/* Unpacking an app archive (tar, optionally gzip-compressed) into a new
 * version folder with libarchive. Everything in the archive must stay inside
 * the folder: absolute paths, '..', links that point outside, and device
 * files, fifos and sockets are refused, and the whole unpack fails. Modes
 * are normal ones whatever the archive says: folders 0755, files 0755 when
 * the archive marks them executable, else 0644 (never setuid/setgid);
 * mtimes are kept. */
#ifndef BL_UNPACK_H
#define BL_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "start/progress.h"

/* Pull-style source of archive bytes: sets *buf to the next chunk and returns
 * its length, 0 at the end, or -1 after filling err (that message is what the
 * unpack then reports). Lets a decompressor or a patcher feed its output
 * straight into the unpacker without a temp file. */
typedef long long (*bl_unpack_read_fn)(void *ctx, const void **buf, bl_error *err);

typedef struct {
    uint64_t max_bytes;     /* refuse archives that unpack to more; 0 = no limit */
    bl_progress *progress;  /* optional: reports bytes written */
    const char *max_why;    /* where max_bytes comes from, for the message; optional */
    uint64_t progress_total; /* what progress counts against; 0 = unknown (a cap is no estimate) */
} bl_unpack_options;

/* Unpacks into dest, which must not exist yet (it is created). With
 * opt->max_bytes, an archive whose files add up to more is stopped with
 * BL_ELENGTH: at the header that says so (a sparse or huge file is refused
 * before a byte of it is written), or at the data that passes it. On
 * failure dest may hold a partial tree: the caller removes it. */
int bl_unpack_stream(bl_unpack_read_fn read, void *ctx, const char *dest, const bl_unpack_options *opt,
                     bl_error *err);
int bl_unpack_file(const char *archive_path, const char *dest, const bl_unpack_options *opt, bl_error *err);

/* Pure: the normalised relative path of an archive entry name ("./a/b" ->
 * "a/b"), or an error when it would leave the folder. "" for the root entry. */
int bl_unpack_check_name(const char *name, char *out, size_t size, bl_error *err);

/* Pure: 1 if a symlink at entry path `name` (normalised) pointing to
 * `target` stays inside the folder. */
int bl_unpack_link_stays_inside(const char *name, const char *target);

#endif

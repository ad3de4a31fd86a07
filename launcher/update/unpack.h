/* SPDX-License-Identifier: Apache-2.0 */
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

/* The unpack rules for one archive entry, as every launcher applies them:
 * a name that stays in the folder (bl_unpack_check_name, normalised into
 * rel), a file, folder, symbolic link or hard link (no device, fifo or
 * socket), a symbolic link whose target stays inside the folder, a hard
 * link whose target name does. The one copy of the rules: the unpacker
 * applies it to every entry it unpacks, the publisher's tar writer
 * (tarball.h) to every entry it writes, and bomiot-release verify to every
 * entry of every published archive (bl_unpack_check_archive), so a release
 * the launchers would refuse is never published. BL_ECORRUPT naming the
 * entry; BL_ETOOBIG for a name longer than rel. */
struct archive_entry;
int bl_unpack_check_entry(struct archive_entry *entry, char *rel, size_t rel_size, bl_error *err);

/* Reads every entry of an archive (tar, optionally gzip) without writing
 * anything, and applies bl_unpack_check_entry to each: BL_OK when a
 * launcher would unpack all of it, else the first entry it would refuse,
 * or why the archive could not be read. */
int bl_unpack_check_archive(const char *archive_path, bl_error *err);

#endif

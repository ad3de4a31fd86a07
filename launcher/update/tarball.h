/* SPDX-License-Identifier: Apache-2.0 */
/* A reproducible tar of a folder: the same tree gives the same bytes on any
 * machine, at any time, as any user, in any locale. The publisher writes each
 * release's tar with it (bomiot-release add), and the launcher rebuilds the
 * tar of the version it runs from that version's folder when a patch needs
 * it as its base (update.c): for that to give the published bytes again,
 * every header says only what the unpacker (unpack.h) writes back:
 *  - entries are relative to the folder, in depth-first order with the names
 *    of each folder sorted by byte value, a folder before its contents;
 *  - every header has mtime 0, uid and gid 0 and no user or group names
 *    (the unpacker keeps mtimes, so they cannot count);
 *  - modes are the unpacker's normal ones: folders 0755, files 0755 when
 *    anyone may run them, else 0644, links 0777 (setuid, setgid, sticky and
 *    other bits dropped);
 *  - regular files, folders and symbolic links are written (links as links,
 *    never followed; a file with several names is written once per name);
 *    anything else (devices, fifos, sockets) is refused, and so is every
 *    entry a launcher would refuse to unpack (bl_unpack_check_entry: a link
 *    to an absolute path or out of the folder);
 *  - names and link targets must be valid UTF-8 (a name in another encoding
 *    is refused, naming the file with its bytes escaped): a name is written
 *    as its bytes, in a pax 'path' record when it is not ASCII or too long
 *    for ustar, with hdrcharset=BINARY. libarchive converts names to UTF-8
 *    from the process's locale, and the launcher runs in the C locale (it
 *    never calls setlocale), where that fails; binary names need no
 *    conversion, and since only UTF-8 is written they are UTF-8 to every
 *    reader (libarchive in any locale, Python's tarfile, GNU tar).
 * The format is POSIX pax, which is plain ustar unless a name or size needs
 * more. */
#ifndef BL_TARBALL_H
#define BL_TARBALL_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Where the tar bytes go, in order. */
typedef int (*bl_tarball_write_fn)(void *ctx, const void *buf, size_t len, bl_error *err);

typedef struct {
    uint64_t files, folders, links;
    uint64_t file_bytes; /* sum of the regular files' sizes */
} bl_tarball_stats;

/* Writes the tar of dir's contents to write. leave_out, when not NULL, is a
 * name at the top of dir that is not written (the launcher's completion
 * marker, which is no part of a release). stats may be NULL. A file that
 * changes size while it is read fails the whole archive (BL_EIO); a write
 * that fails stops it with the callback's error. */
int bl_tarball_write(const char *dir, const char *leave_out, bl_tarball_write_fn write, void *ctx,
                     bl_tarball_stats *stats, bl_error *err);

#endif

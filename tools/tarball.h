/* A reproducible tar of a folder, for the publisher: the same tree gives the
 * same bytes on any machine, at any time, as any user. Entries are relative
 * to the folder, in depth-first order with the names of each folder sorted by
 * byte value, a folder before its contents; every header has mtime 0, uid and
 * gid 0 and no user or group names; the permission bits are kept (setuid,
 * setgid and sticky bits dropped). Regular files, folders and symbolic links
 * are written (links as links, never followed); anything else (devices,
 * fifos, sockets) is refused. The format is POSIX pax, which is plain ustar
 * unless a name or size needs more. */
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

/* Writes the tar of dir's contents to write. stats may be NULL. A file that
 * changes size while it is read fails the whole archive (BL_EIO). */
int bl_tarball_write(const char *dir, bl_tarball_write_fn write, void *ctx, bl_tarball_stats *stats,
                     bl_error *err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Disk-full tests' helper, never part of a build: an LD_PRELOAD library whose
 * statfs fails with ENOSYS, as on a file system that cannot tell its free
 * space. The launcher then skips its free-space check (update.c check_disk:
 * "let the writes report a full disk"), so a test can reach a real ENOSPC
 * from a small tmpfs at each stage of an update.
 *   cc -shared -fPIC -o nostatfs.so tests/reliability/nostatfs.c */
#include <errno.h>
#include <sys/statfs.h>

int statfs(const char *path, struct statfs *buf);
int statfs64(const char *path, struct statfs64 *buf);

int statfs(const char *path, struct statfs *buf)
{
    (void)path;
    (void)buf;
    errno = ENOSYS;
    return -1;
}

int statfs64(const char *path, struct statfs64 *buf)
{
    (void)path;
    (void)buf;
    errno = ENOSYS;
    return -1;
}

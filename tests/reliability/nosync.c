/* SPDX-License-Identifier: Apache-2.0 */
/* The power-loss driver's negative control, never part of a build: an
 * LD_PRELOAD library whose fsync, fdatasync and syncfs return success
 * without flushing anything. A launcher run under it has no durability at
 * all, so the driver must report broken versions or state after a cut; if it
 * did not, the simulation would be dropping nothing and prove nothing.
 *   cc -shared -fPIC -o nosync.so tests/reliability/nosync.c
 *   tests/reliability/crash_long.py --power-loss --preload nosync.so */
int fsync(int fd);
int fdatasync(int fd);
int syncfs(int fd);

int fsync(int fd)
{
    (void)fd;
    return 0;
}

int fdatasync(int fd)
{
    (void)fd;
    return 0;
}

int syncfs(int fd)
{
    (void)fd;
    return 0;
}

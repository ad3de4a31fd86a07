/* SPDX-License-Identifier: Apache-2.0 */
/* Small file helpers over libuv's synchronous fs calls, which take UTF-8
 * paths on every OS (libuv converts to UTF-16 on Windows). */
#ifndef BL_FSUTIL_H
#define BL_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "error.h"

#define BL_PATH_MAX 4096

/* Opens path (uv_fs_open's flags and mode) only if it is a regular file (or
 * a link to one), into *fd. A fifo, a device, a socket or a folder is refused
 * at once with BL_EINVAL ("... is a fifo, not a regular file"): the open never
 * waits for a fifo's other end (O_NONBLOCK, where the OS has it), and fstat
 * then tells what it opened. Other failures as bl_error_sys. */
int bl_fs_open_regular(const char *path, int flags, int mode, uv_file *fd, bl_error *err);

/* Reads a whole file of at most max bytes into a NUL-terminated buffer the
 * caller frees. BL_ENOTFOUND if missing, BL_ETOOBIG if larger than max,
 * BL_EINVAL if it is not a regular file (bl_fs_open_regular). */
int bl_fs_read_all(const char *path, size_t max, char **out, size_t *len, bl_error *err);

/* 1 if path exists as a folder / as anything (links not followed). */
int bl_fs_is_dir(const char *path);
int bl_fs_exists(const char *path);

/* Creates path and its missing parents. */
int bl_fs_mkdir_p(const char *path, bl_error *err);

/* Removes a file, a link or a whole folder tree; never follows links out of
 * it. A missing path is not an error. */
int bl_fs_remove_tree(const char *path, bl_error *err);

/* Calls fn for each entry of a folder except . and .. (is_dir: a real folder,
 * not a link to one). A non-zero return from fn stops and is returned. */
typedef int (*bl_fs_entry_fn)(void *ctx, const char *name, int is_dir);
int bl_fs_list_dir(const char *path, bl_fs_entry_fn fn, void *ctx, bl_error *err);

/* Bytes available to this user on the file system holding path. */
int bl_fs_free_bytes(const char *path, uint64_t *out, bl_error *err);

/* The size of the regular file at path; 0 when there is none. */
uint64_t bl_fs_file_size(const char *path);

/* out = a + "/" + b; BL_ETOOBIG if it does not fit. */
int bl_fs_join(char *out, size_t size, const char *a, const char *b);

/* The folder holding path ("." if none), written into out. */
int bl_fs_dirname(const char *path, char *out, size_t size);

#endif

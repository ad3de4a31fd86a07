/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers the repository verbs share (in their module only; release.c
 * is what the tool and the module both hold): scratch space, files, numbers
 * for people. */
#ifndef BL_RELEASE_UTIL_H
#define BL_RELEASE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "release.h"

/* A new empty folder for one run's scratch files, <keys>/work/run-<pid>-XXXXXX
 * (on the publisher's disk, never in the published repository). Folders
 * there of runs whose process is gone (killed, crashed) are removed first. */
int release_util_work_dir(const release_env *env, char *out, size_t size, bl_error *err);
/* Removes a scratch folder and what is left in it, and work/ when no other
 * run's folder is in it, so the keys folder is as it was. */
void release_util_remove_work_dir(const char *path);

/* A new empty folder <tmp>/<prefix>-XXXXXX in the system's temporary folder,
 * for a verb that must not touch the keys folder. */
int release_util_temp_dir(const char *prefix, char *out, size_t size, bl_error *err);

/* The file:// URL of an absolute path, with what a URL cannot hold as it is
 * (spaces, '%', '#', '?', non-ASCII bytes) percent-encoded: "file:///a b"
 * would be cut at the space. */
int release_util_file_url(const char *path, char *out, size_t size, bl_error *err);

int release_util_file_size(const char *path, uint64_t *size, bl_error *err);
/* Moves from to to: a rename, or on another file system a copy to
 * to.partial renamed over to once whole. */
int release_util_move(const char *from, const char *to, bl_error *err);

/* "1.5 MB", "312 KB", "87 bytes" (powers of 1000, as file managers show). */
void release_util_size(uint64_t bytes, char *out, size_t size);

/* "s" unless n is 1: "%llu file%s" reads "1 file", "2 files". */
const char *release_util_plural(uint64_t n);

/* A whole percentage 0..100 ("10", "10%"); 1 on success. Whole numbers
 * only: canonical JSON, which signatures cover, has no fractions. */
int release_util_percent(const char *text, int *out);

#endif

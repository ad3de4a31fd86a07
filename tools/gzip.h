/* SPDX-License-Identifier: Apache-2.0 */
/* gzip streams with zlib, reproducibly: the header carries no file name, an
 * mtime of 0 and the OS byte 255 ("unknown", as Python's gzip writes it), so
 * the same input gives the same bytes on every OS. */
#ifndef BL_GZIP_H
#define BL_GZIP_H

#include <stddef.h>

#include "base/error.h"

/* Where compressed bytes go, in order. */
typedef int (*bl_gzip_write_fn)(void *ctx, const void *buf, size_t len, bl_error *err);

typedef struct bl_gzip bl_gzip;

/* level 1..9 (9: what Python's tarfile "w:gz" uses). */
int bl_gzip_new(int level, bl_gzip_write_fn write, void *ctx, bl_gzip **out, bl_error *err);
int bl_gzip_write(bl_gzip *gz, const void *buf, size_t len, bl_error *err);
/* Flushes the rest and the trailer; write no more after it. */
int bl_gzip_finish(bl_gzip *gz, bl_error *err);
void bl_gzip_free(bl_gzip *gz);

/* Decompresses a gzip file (one or more members) into out_path, which is
 * replaced. BL_ECORRUPT for anything that is not whole, valid gzip. */
int bl_gzip_decompress_file(const char *gz_path, const char *out_path, bl_error *err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Turning a verified full archive, or a patch of the cached tar, into an
 * installed version in one pass: the tar ({app}-{version}.tar) goes to the
 * cache, where the next update patches it, and the same bytes stream into
 * the unpacker; the tar's length and SHA-256 are computed on the way. */
#ifndef BL_APPLY_H
#define BL_APPLY_H

#include <stdint.h>

#include "base/error.h"
#include "unpack.h"

typedef struct {
    uint64_t size;
    unsigned char sha256[32];
} bl_tar_digest;

/* archive_gz: gzip (any number of members) of a tar. Writes tar_path and
 * unpacks into dest (which must not exist). opt->max_bytes, when set, caps
 * the tar (BL_ELENGTH past it) as well as the unpacked files. On failure
 * both may be partial: the caller removes them. */
int bl_apply_archive(const char *archive_gz, const char *tar_path, const char *dest,
                     const bl_unpack_options *opt, bl_tar_digest *digest, bl_error *err);

/* Rebuilds a tar from old_tar and a patch in either format (BSDIFF40 or
 * the zstd one, told apart by its magic) on a second thread (bl_delta_patch,
 * which decodes on more threads of its own) and streams
 * it through a 4 MB pipe into tar_path and, when dest is not NULL, into the
 * unpacker, which writes dest (which must not exist). tar_size is the size
 * the signed metadata gives the tar: a patch whose header names another is
 * refused with BL_ELENGTH before anything is written. Nothing else here
 * trusts the result: the caller compares digest with trusted metadata and
 * removes tar_path and dest on a mismatch, before anything is committed.
 * The unpacker's own checks (no path out of dest, no devices) hold for any
 * bytes. opt->progress gets bytes of the tar against tar_size and is polled
 * for cancel, with or without dest. On failure both may be partial: the
 * caller removes them. */
int bl_apply_patch(const char *old_tar, const char *patch, uint64_t tar_size, const char *tar_path,
                   const char *dest, const bl_unpack_options *opt, bl_tar_digest *digest, bl_error *err);

/* Rebuilds the tar of an installed version from its folder (tarball.h,
 * leaving out the top-level name leave_out) into tar_path, with its length
 * and SHA-256 in digest, for the caller to compare with the signed ones.
 * Stops with BL_ELENGTH as soon as it passes max_size (the signed size: a
 * folder that grew cannot match, and is not copied whole to find out).
 * On failure tar_path may be partial: the caller removes it. */
int bl_apply_rebuild_tar(const char *version_dir, const char *leave_out, uint64_t max_size, const char *tar_path,
                         bl_tar_digest *digest, bl_error *err);

#endif

/* Turning a verified full archive into an installed version. The archive
 * ({app}-{version}.tar.gz) is decompressed once: the tar goes to the cache,
 * where the next update patches it, and the same bytes stream into the
 * unpacker; the tar's length and SHA-256 are computed on the way. */
#ifndef BL_APPLY_H
#define BL_APPLY_H

#include <stdint.h>

#include "error.h"
#include "unpack.h"

typedef struct {
    uint64_t size;
    unsigned char sha256[32];
} bl_tar_digest;

/* archive_gz: gzip (any number of members) of a tar. Writes tar_path and
 * unpacks into dest (which must not exist). On failure both may be partial:
 * the caller removes them. */
int bl_apply_archive(const char *archive_gz, const char *tar_path, const char *dest,
                     const bl_unpack_options *opt, bl_tar_digest *digest, bl_error *err);

/* Lower-case hex of a digest; out must hold 65 bytes. */
void bl_apply_hex(const unsigned char sha256[32], char *out);

#endif

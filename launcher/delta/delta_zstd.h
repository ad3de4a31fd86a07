/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the delta engine's files only: the zstd patch format
 * (docs/patch-format.md, "The zstd format"). Not for other modules; they use
 * delta.h, which dispatches on the magic. */
#ifndef BL_DELTA_ZSTD_H
#define BL_DELTA_ZSTD_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "delta.h"
#include "delta_match.h"

#define BL_ZSTD_HEADER_SIZE 32
#define BL_ZSTD_INDEX_ENTRY 8
/* Bytes of new a chunk rebuilds: the writer's choice, the reader's bounds. */
#define BL_ZSTD_CHUNK_MIN (64 * 1024)
#define BL_ZSTD_CHUNK_MAX (8 * 1024 * 1024)
/* A chunk's control section is at most a quarter of the bytes it rebuilds,
 * plus 64: what bounds the reader's memory. Entries too short for that are
 * written as one entry copying the whole chunk. */
static inline uint64_t bl_zstd_control_max(uint64_t chunk_len)
{
    return chunk_len / 4 + 64;
}

typedef struct {
    uint64_t new_size, old_size;
    uint32_t chunk_size, chunk_count;
} bl_zstd_header;

/* Checks the magic, the chunk size and that the chunk count fits new. */
int bl_zstd_header_parse(const uint8_t buf[BL_ZSTD_HEADER_SIZE], uint64_t patch_size,
                         bl_zstd_header *out, bl_error *err);

/* Encodes the control entries (absolute old positions, covering new in
 * order, as bl_delta_diff's match search leaves them) as a zstd-format patch
 * to sink. new_src is read a chunk at a time from several threads. */
int bl_zstd_write(const uint8_t *old, uint64_t old_size, const bl_delta_source *new_src,
                  const bl_delta_entry *entries, size_t count, const bl_delta_sink *patch,
                  const bl_delta_options *opts, bl_error *err);

/* Applies a zstd-format patch; the contract of bl_delta_patch. */
int bl_zstd_patch(const bl_delta_source *old, const bl_delta_source *patch,
                  const bl_delta_sink *out, const bl_delta_options *opts, bl_error *err);

/* Little-endian integers and LEB128 varints of the format. */
uint32_t bl_zstd_get32(const uint8_t *p);
uint64_t bl_zstd_get64(const uint8_t *p);
void bl_zstd_put32(uint8_t *p, uint32_t v);
void bl_zstd_put64(uint8_t *p, uint64_t v);
/* Writes v at p (room for 10 bytes); returns the bytes written. */
size_t bl_zstd_put_varint(uint8_t *p, uint64_t v);
/* Reads a varint from [*p, end): 0 and *p advanced, or -1 when it runs past
 * end or past 64 bits. */
int bl_zstd_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);

#endif

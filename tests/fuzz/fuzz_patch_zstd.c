/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the zstd-format patch reader (docs/patch-format.md) must never
 * crash, read or write out of bounds, or trust a size from the patch for
 * memory, whatever the patch.
 *
 * Input: a mode byte, then two bytes (little endian) giving the old file's
 * length L, capped by what is there, and the next L bytes are old.
 * Mode bit 0 clear: the rest is the patch as it is (bit 1 set: its first
 * eight bytes replaced by the magic, so mutations get past it). Mode bit 0
 * set: the rest describes a patch the harness frames: the new size (3 bytes,
 * little endian), then for each chunk in turn a control length (2 bytes),
 * a content length (2 bytes) and that many content bytes; the harness
 * compresses each content as one zstd frame and writes the header (chunks
 * of 64 KiB, the true old size and chunk count unless bit 1 is set, when
 * the next 4 + 8 bytes of the input give them raw) and the index with the
 * frames' true lengths, so mutations reach the control entries, the sections
 * and the index bounds instead of dying at zstd's checks. The sink takes at
 * most SINK_CAP bytes. Checked besides the sanitizers: old and the patch are
 * read only inside their sizes, the result never runs past the header's new
 * size, an accepted patch made exactly that many bytes, a refusal says why
 * and is BL_ECORRUPT (or the sink's BL_EIO), never BL_ENOMEM. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "delta/delta.h"

#include "patch_harness.h"

#define CHUNK (64u * 1024)
#define MAX_CHUNKS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put32(uint8_t *p, uint32_t v)
{
    int i;
    for (i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* One frame as the format asks: content size and checksum stated. */
static size_t compress_frame(void *dst, size_t cap, const void *src, size_t len)
{
    static ZSTD_CCtx *cctx;

    if (!cctx && !(cctx = ZSTD_createCCtx()))
        abort();
    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    return ZSTD_compress2(cctx, dst, cap, src, len);
}

/* Mode odd: a framed patch around fuzzed contents; NULL if the input is short. */
static uint8_t *build_patch(const uint8_t *data, size_t size, uint64_t old_size, int raw_header,
                            size_t *patch_len)
{
    uint64_t new_size, chunk_count;
    size_t at = 3, used, cap, i, n_chunks;
    uint8_t *patch;

    if (size < 3)
        return NULL;
    new_size = (uint64_t)data[0] | (uint64_t)data[1] << 8 | (uint64_t)data[2] << 16;
    chunk_count = (new_size + CHUNK - 1) / CHUNK;
    if (raw_header) {
        if (size - at < 12)
            return NULL;
        chunk_count = (uint64_t)data[at] | (uint64_t)data[at + 1] << 8 |
                      (uint64_t)data[at + 2] << 16 | (uint64_t)data[at + 3] << 24;
        memcpy(&old_size, data + at + 4, 8);
        at += 12;
    }
    n_chunks = chunk_count < MAX_CHUNKS ? (size_t)chunk_count : MAX_CHUNKS;
    cap = 32 + 8 * n_chunks + n_chunks * ZSTD_compressBound(65535);
    if (!(patch = malloc(cap)))
        return NULL;
    memcpy(patch, BL_DELTA_ZSTD_MAGIC, 8);
    put64(patch + 8, new_size);
    put64(patch + 16, old_size);
    put32(patch + 24, CHUNK);
    put32(patch + 28, (uint32_t)chunk_count);
    used = 32 + 8 * n_chunks;
    for (i = 0; i < n_chunks; i++) {
        size_t control_len = 0, len = 0, got;
        if (size - at >= 4) {
            control_len = (size_t)data[at] | (size_t)data[at + 1] << 8;
            len = (size_t)data[at + 2] | (size_t)data[at + 3] << 8;
            at += 4;
        }
        if (len > size - at)
            len = size - at;
        got = compress_frame(patch + used, cap - used, data + at, len);
        if (ZSTD_isError(got)) {
            free(patch);
            return NULL;
        }
        put32(patch + 32 + 8 * i, (uint32_t)got);
        put32(patch + 32 + 8 * i + 4, (uint32_t)control_len);
        used += got;
        at += len;
    }
    *patch_len = used;
    return patch;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bounded old_buf, patch_buf;
    bl_delta_source old_src, patch_src;
    bl_delta_sink out;
    counter c = {0, 0};
    bl_error err;
    uint64_t new_size = 0;
    uint8_t *built = NULL;
    size_t built_len = 0;
    int rc, size_rc, mode, format = -1;

    if (!split_input(data, size, &mode, &old_buf, &patch_buf))
        return 0;
    if (mode & 1) {
        if (!(built = build_patch(patch_buf.data, patch_buf.size, old_buf.size, mode & 2, &built_len)))
            return 0;
        patch_buf.data = built;
        patch_buf.size = built_len;
    } else if ((mode & 2) && patch_buf.size >= 8) {
        if (!(built = malloc(patch_buf.size)))
            return 0;
        memcpy(built, patch_buf.data, patch_buf.size);
        memcpy(built, BL_DELTA_ZSTD_MAGIC, 8);
        patch_buf.data = built;
    }
    old_src = bounded_source(&old_buf);
    patch_src = bounded_source(&patch_buf);

    bl_error_clear(&err);
    if (bl_delta_patch_format(&patch_src, &format, &err) != BL_OK || format != BL_DELTA_ZSTD) {
        free(built);
        return 0; /* fuzz_patch covers the BSDIFF40 reader */
    }
    size_rc = bl_delta_patch_size(&patch_src, &new_size, &err);
    c.limit = size_rc == BL_OK ? new_size : 0;
    out.ctx = &c;
    out.write = count_write;

    bl_error_clear(&err);
    rc = bl_delta_patch(&old_src, &patch_src, &out, NULL, &err);
    if (rc == BL_OK && (size_rc != BL_OK || c.written != new_size))
        abort();
    if (rc != BL_OK && err.msg[0] == '\0')
        abort();
    if (rc != BL_OK && rc != BL_ECORRUPT && rc != BL_EIO)
        abort();
    free(built);
    return 0;
}

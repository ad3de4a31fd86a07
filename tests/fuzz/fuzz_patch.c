/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the BSDIFF40 patch reader must never crash, read or write out of
 * bounds, whatever the patch (CVE-2014-9862 was such a hole in bspatch 4.3).
 *
 * Input: a mode byte, then two bytes (little endian) giving the old file's
 * length L, capped by what is there, and the next L bytes are old. Mode even:
 * the rest is the patch as it is. Mode odd: the rest is a 24-byte header
 * tail (the new size as 8 bytes, then three 2-byte lengths) and the control,
 * diff and extra blocks uncompressed; the harness bzip2s them and writes
 * the header with their true lengths, so mutations reach the control entries
 * instead of dying at a bzip2 CRC check. The sink
 * takes at most SINK_CAP bytes, so a patch that claims gigabytes fails fast
 * instead of running for minutes. The reader reads at most one control
 * entry per byte of new, plus one, so its work follows the size the header
 * claims, which callers check against a trusted size; a bzip2 stream can
 * hold gigabytes of entries that write nothing in a few kilobytes, so in
 * mode even a patch claiming more than SINK_CAP is not applied (mode odd
 * still reaches any claimed size, with as many entries as the input holds).
 * Besides the sanitizers' checks, the
 * reader's own contracts are checked: old is read only inside its size, the
 * result never runs past the size the header states, and a patch accepted
 * as valid produced exactly that many bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bzlib.h>

#include "delta/delta.h"

#include "patch_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_u64(uint8_t *p, uint64_t v)
{
    int i;
    for (i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Compresses len bytes to out (room for cap); returns the length, 0 on failure. */
static size_t bz(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    unsigned int out_len = (unsigned int)cap;
    /* blockSize100k 1: any block size decompresses, and this is fast. */
    if (BZ2_bzBuffToBuffCompress((char *)out, &out_len, (char *)in, (unsigned int)len, 1, 0, 0) != BZ_OK)
        return 0;
    return out_len;
}

/* Mode odd: builds a well-formed container around fuzzed block contents.
 * Returns a malloc'd patch and its length, or NULL if the input is short. */
static uint8_t *build_patch(const uint8_t *data, size_t size, size_t *patch_len)
{
    size_t lens[3], at = 14, i, cap, used = 32;
    uint8_t *patch;

    if (size < 14)
        return NULL;
    for (i = 0; i < 3; i++) {
        lens[i] = (size_t)data[8 + 2 * i] | (size_t)data[9 + 2 * i] << 8;
        if (lens[i] > size - at)
            lens[i] = size - at;
        at += lens[i];
    }
    cap = 32 + 3 * (size + size / 50 + 700);
    if (!(patch = malloc(cap)))
        return NULL;
    memcpy(patch, "BSDIFF40", 8);
    memcpy(patch + 24, data, 8); /* the new size, raw: sign and magnitude fuzzed too */
    at = 14;
    for (i = 0; i < 3; i++) {
        size_t n = bz(data + at, lens[i], patch + used, cap - used);
        if (n == 0) {
            free(patch);
            return NULL;
        }
        if (i < 2)
            put_u64(patch + 8 + 8 * i, n);
        used += n;
        at += lens[i];
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
    int rc, size_rc, mode, structured;

    if (!split_input(data, size, &mode, &old_buf, &patch_buf))
        return 0;
    structured = mode & 1;
    if (structured) {
        if (!(built = build_patch(patch_buf.data, patch_buf.size, &built_len)))
            return 0;
        patch_buf.data = built;
        patch_buf.size = built_len;
    }
    old_src = bounded_source(&old_buf);
    patch_src = bounded_source(&patch_buf);

    bl_error_clear(&err);
    size_rc = bl_delta_patch_size(&patch_src, &new_size, &err);
    c.limit = size_rc == BL_OK ? new_size : 0;
    if (!structured && size_rc == BL_OK && new_size > SINK_CAP)
        return 0; /* what no caller would apply: see above */
    out.ctx = &c;
    out.write = count_write;

    bl_error_clear(&err);
    rc = bl_delta_patch(&old_src, &patch_src, &out, NULL, &err);
    if (rc == BL_OK && (size_rc != BL_OK || c.written != new_size))
        abort(); /* accepted, yet not exactly the size the header states */
    if (rc != BL_OK && err.msg[0] == '\0')
        abort(); /* refused without a message a user could act on */
    if (rc != BL_OK && rc != BL_ECORRUPT && rc != BL_EIO && rc != BL_ETOOBIG)
        abort(); /* e.g. BL_ENOMEM: a size from the patch was trusted for memory */
    free(built);
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* What the delta engine's unit tests share: a growing buffer as a sink, a
 * source that refuses and remembers any read outside its bytes, and
 * generated inputs (random, and code- or text-like from a small vocabulary,
 * so matches exist at many lengths), and applying a patch through sources
 * that check every read, making one in DELTA_FIXTURE_FORMAT and round
 * trips. A test defines DELTA_FIXTURE_SEED before including it to choose
 * its own sequence of inputs, and DELTA_FIXTURE_FORMAT (BSDIFF40 unless
 * defined) for the format make_patch writes. */
#ifndef BL_TEST_DELTA_FIXTURE_H
#define BL_TEST_DELTA_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "delta/delta.h"

#ifndef DELTA_FIXTURE_SEED
#define DELTA_FIXTURE_SEED 0x9e3779b97f4a7c15ull
#endif
#ifndef DELTA_FIXTURE_FORMAT
#define DELTA_FIXTURE_FORMAT BL_DELTA_BSDIFF40
#endif

/* ---- buffers, sources and sinks ---- */

typedef struct {
    uint8_t *data;
    size_t len, cap;
    size_t limit; /* 0: none; else writing past it fails (the test's guard) */
} buffer;

static int buffer_write(void *ctx, const void *data, size_t len, bl_error *err)
{
    buffer *b = ctx;

    if (b->limit && len > b->limit - b->len)
        return bl_error_set(err, BL_EIO, "sink overflow: %zu bytes past %zu", len, b->len);
    if (len > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < len)
            cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data)
            return bl_error_set(err, BL_ENOMEM, "test out of memory");
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return BL_OK;
}

static void buffer_free(buffer *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* A source that refuses (and remembers) any read outside its bytes. */
typedef struct {
    const uint8_t *data;
    uint64_t size;
    volatile int out_of_bounds;
} checked;

static int checked_read_at(void *ctx, uint64_t offset, void *buf, size_t len, bl_error *err)
{
    checked *c = ctx;

    if (offset > c->size || len > c->size - offset) {
        c->out_of_bounds = 1;
        return bl_error_set(err, BL_EINVAL, "read of %zu bytes at %llu outside %llu", len,
                            (unsigned long long)offset, (unsigned long long)c->size);
    }
    memcpy(buf, c->data + offset, len);
    return BL_OK;
}

static bl_delta_source checked_source(checked *c, const uint8_t *data, uint64_t size)
{
    bl_delta_source src;

    c->data = data;
    c->size = size;
    c->out_of_bounds = 0;
    src.ctx = c;
    src.size = size;
    src.read_at = checked_read_at;
    return src;
}

static uint64_t rng_state = DELTA_FIXTURE_SEED;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint8_t *random_bytes(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (uint8_t)rng();
    return p;
}

/* Text-like and code-like bytes: words from a small vocabulary, so matches
 * exist at many lengths, as in a binary or a tar. */
static uint8_t *structured_bytes(size_t n)
{
    static const char *const words[] = {"mov ", "call ", "ret\n", "push rbp\n", "\x00\x00\x00",
                                        "\xff\xfe", "lea rax,[rip+", "0x4010", "jmp ", "nop\n"};
    uint8_t *p = malloc(n ? n : 1);
    size_t i = 0;

    while (i < n) {
        const char *w = words[rng() % 10];
        size_t len = strlen(w) ? strlen(w) : 1;
        if (rng() % 7 == 0) {
            p[i++] = (uint8_t)rng();
            continue;
        }
        if (len > n - i)
            len = n - i;
        memcpy(p + i, w, len);
        i += len;
    }
    return p;
}

/* Applies patch to old through bounds-checking sources; out gets at most
 * out_limit bytes (0: no limit). */
static int apply_patch(const uint8_t *old, size_t old_len, const uint8_t *patch,
                       size_t patch_len, buffer *out, size_t out_limit, bl_error *err)
{
    checked old_check, patch_check;
    bl_delta_source old_src = checked_source(&old_check, old, old_len);
    bl_delta_source patch_src = checked_source(&patch_check, patch, patch_len);
    bl_delta_sink sink = {out, buffer_write};
    int rc;

    bl_error_clear(err);
    memset(out, 0, sizeof *out);
    out->limit = out_limit;
    rc = bl_delta_patch(&old_src, &patch_src, &sink, NULL, err);
    CHECK(!old_check.out_of_bounds);
    CHECK(!patch_check.out_of_bounds);
    return rc;
}

/* ---- running the engine ---- */

static int make_patch(const uint8_t *old, size_t old_len, const uint8_t *nw, size_t new_len,
                      buffer *patch)
{
    bl_delta_source new_src;
    bl_delta_sink sink = {patch, buffer_write};
    bl_delta_options opts;
    bl_error err;
    int rc;

    memset(&opts, 0, sizeof opts);
    opts.format = DELTA_FIXTURE_FORMAT;
    bl_error_clear(&err);
    memset(patch, 0, sizeof *patch);
    bl_delta_memory_source(&new_src, nw, new_len);
    rc = bl_delta_diff(old, old_len, &new_src, &sink, &opts, &err);
    if (rc != BL_OK)
        fprintf(stderr, "  diff failed: %s\n", err.msg);
    return rc;
}

/* make_patch, then the patch's magic, format and size as stated, then
 * applying it rebuilds new byte for byte. */
static void round_trip(const uint8_t *old, size_t old_len, const uint8_t *nw, size_t new_len)
{
    const char *magic = DELTA_FIXTURE_FORMAT == BL_DELTA_ZSTD ? BL_DELTA_ZSTD_MAGIC : BL_DELTA_MAGIC;
    buffer patch, out;
    bl_delta_source patch_src;
    bl_error err;
    uint64_t size = 12345;
    int format = -1;

    CHECK_INT(make_patch(old, old_len, nw, new_len, &patch), BL_OK);
    CHECK(patch.len >= BL_DELTA_HEADER_SIZE && memcmp(patch.data, magic, 8) == 0);
    bl_delta_memory_source(&patch_src, patch.data, patch.len);
    CHECK_INT(bl_delta_patch_format(&patch_src, &format, &err), BL_OK);
    CHECK_INT(format, DELTA_FIXTURE_FORMAT);
    CHECK_INT(bl_delta_patch_size(&patch_src, &size, &err), BL_OK);
    CHECK_INT(size, new_len);
    CHECK_INT(apply_patch(old, old_len, patch.data, patch.len, &out, new_len, &err), BL_OK);
    if (err.code)
        fprintf(stderr, "  patch failed: %s\n", err.msg);
    CHECK_INT(out.len, new_len);
    CHECK(out.len == new_len && (new_len == 0 || memcmp(out.data, nw, new_len) == 0));
    buffer_free(&patch);
    buffer_free(&out);
}

#endif

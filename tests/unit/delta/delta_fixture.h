/* SPDX-License-Identifier: Apache-2.0 */
/* What the delta engine's unit tests share: a growing buffer as a sink, a
 * source that refuses and remembers any read outside its bytes, and
 * generated inputs (random, and code- or text-like from a small vocabulary,
 * so matches exist at many lengths), and applying a patch through sources
 * that check every read. A test defines DELTA_FIXTURE_SEED
 * before including it to choose its own sequence of inputs. */
#ifndef BL_TEST_DELTA_FIXTURE_H
#define BL_TEST_DELTA_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "delta/delta.h"

#ifndef DELTA_FIXTURE_SEED
#define DELTA_FIXTURE_SEED 0x9e3779b97f4a7c15ull
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

#endif

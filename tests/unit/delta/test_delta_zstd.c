/* SPDX-License-Identifier: Apache-2.0 */
/* The zstd patch format (docs/patch-format.md): round trips through
 * bl_delta_diff and bl_delta_diff_both, and every class of malformed patch
 * refused with BL_ECORRUPT before any byte is read or written out of bounds.
 * Hostile patches are built here by hand (header, index, frames from libzstd),
 * independently of the engine's own writer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "check.h"
#include "delta/delta.h"

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

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

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

/* Code-like bytes: words from a small vocabulary, so matches exist at many
 * lengths. */
static uint8_t *structured_bytes(size_t n)
{
    static const char *const words[] = {"mov ", "call ", "ret\n", "push rbp\n", "\x01\x02\x03",
                                        "\xff\xfe", "lea rax,[rip+", "0x4010", "jmp ", "nop\n"};
    uint8_t *p = malloc(n ? n : 1);
    size_t i = 0;

    while (i < n) {
        const char *w = words[rng() % 10];
        size_t len = strlen(w);
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

/* New from old: edits every few KiB, an insertion and a deletion. */
static uint8_t *edited(const uint8_t *old, size_t old_len, size_t *new_len)
{
    size_t cut = old_len / 3, ins = 5000, del = old_len / 10, n, i;
    uint8_t *nw;

    n = old_len + ins - (del < old_len - cut ? del : 0);
    nw = malloc(n ? n : 1);
    memcpy(nw, old, cut);
    for (i = 0; i < ins; i++)
        nw[cut + i] = (uint8_t)rng();
    if (del < old_len - cut)
        memcpy(nw + cut + ins, old + cut + del, old_len - cut - del);
    else
        memcpy(nw + cut + ins, old + cut, old_len - cut);
    for (i = 0; i < n; i += 3001)
        nw[i] = (uint8_t)(nw[i] + 1);
    *new_len = n;
    return nw;
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
    opts.format = BL_DELTA_ZSTD;
    bl_error_clear(&err);
    memset(patch, 0, sizeof *patch);
    bl_delta_memory_source(&new_src, nw, new_len);
    rc = bl_delta_diff(old, old_len, &new_src, &sink, &opts, &err);
    if (rc != BL_OK)
        fprintf(stderr, "  diff failed: %s\n", err.msg);
    return rc;
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

static void round_trip(const uint8_t *old, size_t old_len, const uint8_t *nw, size_t new_len)
{
    buffer patch, out;
    bl_delta_source patch_src;
    bl_error err;
    uint64_t size = 12345;
    int format = -1;

    CHECK_INT(make_patch(old, old_len, nw, new_len, &patch), BL_OK);
    CHECK(patch.len >= 32 && memcmp(patch.data, BL_DELTA_ZSTD_MAGIC, 8) == 0);
    bl_delta_memory_source(&patch_src, patch.data, patch.len);
    CHECK_INT(bl_delta_patch_format(&patch_src, &format, &err), BL_OK);
    CHECK_INT(format, BL_DELTA_ZSTD);
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

/* ---- round trips ---- */

static void test_round_trips_small_and_empty(void)
{
    uint8_t *nw = structured_bytes(100000);

    round_trip((const uint8_t *)"", 0, (const uint8_t *)"", 0);
    round_trip((const uint8_t *)"", 0, nw, 100000);
    round_trip(nw, 100000, (const uint8_t *)"", 0);
    round_trip((const uint8_t *)"a", 1, (const uint8_t *)"b", 1);
    round_trip(nw, 100000, nw, 100000);
    free(nw);
}

static void test_round_trips_edits_across_chunks(void)
{
    size_t sizes[] = {2 * 1024 * 1024 - 1, 2 * 1024 * 1024, 2 * 1024 * 1024 + 1,
                      7 * 1024 * 1024 + 333};
    size_t i, new_len;

    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        uint8_t *old = structured_bytes(sizes[i]);
        uint8_t *nw = edited(old, sizes[i], &new_len);
        round_trip(old, sizes[i], nw, new_len);
        free(old);
        free(nw);
    }
}

static void test_round_trips_random_data(void)
{
    uint8_t *old = random_bytes(3 * 1024 * 1024), *nw = random_bytes(3 * 1024 * 1024 + 77);

    round_trip(old, 3 * 1024 * 1024, nw, 3 * 1024 * 1024 + 77);
    free(old);
    free(nw);
}

/* One search, two encodings: the BSDIFF40 one is bl_delta_diff's byte for
 * byte, and both apply. */
static void test_diff_both_writes_both_formats(void)
{
    size_t n = 3 * 1024 * 1024, new_len;
    uint8_t *old = structured_bytes(n), *nw = edited(old, n, &new_len);
    buffer bsdiff = {0}, zstd = {0}, alone = {0}, out;
    bl_delta_sink bsdiff_sink = {&bsdiff, buffer_write}, zstd_sink = {&zstd, buffer_write};
    bl_delta_sink alone_sink = {&alone, buffer_write};
    bl_delta_source new_src;
    bl_error err;

    bl_delta_memory_source(&new_src, nw, new_len);
    CHECK_INT(bl_delta_diff_both(old, n, &new_src, &bsdiff_sink, &zstd_sink, NULL, &err), BL_OK);
    CHECK_INT(bl_delta_diff(old, n, &new_src, &alone_sink, NULL, &err), BL_OK);
    CHECK(bsdiff.len == alone.len && memcmp(bsdiff.data, alone.data, alone.len) == 0);
    CHECK(memcmp(zstd.data, BL_DELTA_ZSTD_MAGIC, 8) == 0);
    CHECK_INT(apply_patch(old, n, bsdiff.data, bsdiff.len, &out, new_len, &err), BL_OK);
    CHECK(out.len == new_len && memcmp(out.data, nw, new_len) == 0);
    buffer_free(&out);
    CHECK_INT(apply_patch(old, n, zstd.data, zstd.len, &out, new_len, &err), BL_OK);
    CHECK(out.len == new_len && memcmp(out.data, nw, new_len) == 0);
    buffer_free(&out);
    buffer_free(&bsdiff);
    buffer_free(&zstd);
    buffer_free(&alone);
    free(old);
    free(nw);
}

int main(void)
{
    RUN(test_round_trips_small_and_empty);
    RUN(test_round_trips_edits_across_chunks);
    RUN(test_round_trips_random_data);
    RUN(test_diff_both_writes_both_formats);
    return CHECK_DONE();
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Anchors: where new repeats old at length, found without the suffix array.
 * Old is cut into blocks at fixed offsets and each block's polynomial hash
 * goes into a table; a hash of the same length rolls over new a byte at a
 * time, and a position whose hash is in the table (and whose bytes really
 * are the block's) starts an anchor, extended both ways while new and old
 * agree. Any run of new equal to old over 2 * block - 1 bytes holds a whole
 * block of old and is found; the walk then jumps past it. This is the rsync
 * idea (Tridgell and Mackerras, 1996) turned to finding matches for a
 * patch; HDiffPatch removes such blocks before its own search too. */
#include "delta_anchor.h"

#include <stdlib.h>
#include <string.h>

#define WINDOW (1 << 20) /* new is read this much at a time */
#define HASH_BASE UINT64_C(1099511628211) /* odd: the hash is a polynomial in it, mod 2^64 */
#define AHEAD 8 /* blocks hashed ahead of the one going into the table */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* 8 bytes: the hash's low half, and which block (old under 512 GiB at
 * 128-byte blocks); what the slot and the check bits do not tell apart,
 * the bytes do. */
typedef struct {
    uint32_t check;
    uint32_t block_plus1; /* 0: empty */
} slot;

/* Old's blocks by hash (open addressing, the first of equal blocks kept) and a
 * filter of a few bits a block that turns most misses away from the table
 * before a cache miss there. */
typedef struct {
    const uint8_t *old;
    int64_t block;
    slot *slots;
    uint64_t slot_mask;
    unsigned slot_shift;
    uint64_t *filter;
    unsigned filter_shift;
} block_table;

static unsigned log2_at_least(uint64_t n)
{
    unsigned log2 = 6;
    while (log2 < 62 && (UINT64_C(1) << log2) < n)
        log2++;
    return log2;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 31;
    return h * UINT64_C(0x9E3779B97F4A7C15);
}

/* sum of p[i] * HASH_BASE^(len - 1 - i), four bytes a step so that the
 * multiplications do not wait on each other (the same value as one a step). */
static uint64_t block_hash(const uint8_t *p, int64_t len)
{
    const uint64_t b1 = HASH_BASE, b2 = b1 * b1, b3 = b2 * b1, b4 = b2 * b2;
    uint64_t h = 0;
    int64_t i = 0;
    for (; i + 4 <= len; i += 4)
        h = h * b4 + (p[i] * b3 + p[i + 1] * b2 + p[i + 2] * b1 + p[i + 3]);
    for (; i < len; i++)
        h = h * HASH_BASE + p[i];
    return h;
}

static int table_build(block_table *t, const uint8_t *old, int64_t old_size, int64_t block,
                       bl_error *err)
{
    int64_t blocks = old_size / block, b;
    uint64_t ahead[AHEAD];
    unsigned slot_log2 = log2_at_least((uint64_t)blocks + (uint64_t)blocks / 2);
    unsigned filter_log2 = log2_at_least((uint64_t)blocks * 16);

    memset(t, 0, sizeof *t);
    t->old = old;
    t->block = block;
    if ((uint64_t)blocks >= UINT32_MAX || (uint64_t)blocks * 2 > SIZE_MAX / sizeof *t->slots)
        return bl_error_set(err, BL_ETOOBIG, "old file too big for this build");
    t->slots = calloc((size_t)1 << slot_log2, sizeof *t->slots);
    t->filter = calloc((size_t)1 << (filter_log2 - 6), sizeof *t->filter);
    if (!t->slots || !t->filter)
        return bl_error_set(err, BL_ENOMEM, "out of memory for the table of old's blocks");
    t->slot_mask = (UINT64_C(1) << slot_log2) - 1;
    t->slot_shift = 64 - slot_log2;
    t->filter_shift = 64 - filter_log2;
    for (b = 0; b < blocks && b < AHEAD; b++)
        ahead[b] = block_hash(old + b * block, block);
    for (b = 0; b < blocks; b++) {
        uint64_t h = ahead[b % AHEAD], m = mix(h), i;
        if (b + AHEAD < blocks) { /* a slot is a cache miss: ask for it AHEAD blocks early */
            ahead[b % AHEAD] = block_hash(old + (b + AHEAD) * block, block);
            PREFETCH(&t->slots[mix(ahead[b % AHEAD]) >> t->slot_shift]);
        }
        for (i = m >> t->slot_shift; t->slots[i].block_plus1; i = (i + 1) & t->slot_mask)
            if (t->slots[i].check == (uint32_t)h &&
                memcmp(old + (int64_t)(t->slots[i].block_plus1 - 1) * block, old + b * block,
                       (size_t)block) == 0)
                break; /* the same bytes: the first block stands for both */
        if (!t->slots[i].block_plus1) {
            t->slots[i].check = (uint32_t)h;
            t->slots[i].block_plus1 = (uint32_t)(b + 1);
        }
        m = h * UINT64_C(0xD6E8FEB86659FD93) >> t->filter_shift;
        t->filter[m >> 6] |= UINT64_C(1) << (m & 63);
    }
    return BL_OK;
}

/* Where old holds p's block bytes as one of its blocks (by hash, then
 * byte for byte), or -1. */
static int64_t table_find(const block_table *t, uint64_t h, const uint8_t *p)
{
    uint64_t f = h * UINT64_C(0xD6E8FEB86659FD93) >> t->filter_shift, i;

    if (!(t->filter[f >> 6] >> (f & 63) & 1))
        return -1;
    for (i = mix(h) >> t->slot_shift; t->slots[i].block_plus1; i = (i + 1) & t->slot_mask) {
        int64_t at = (int64_t)(t->slots[i].block_plus1 - 1) * t->block;
        if (t->slots[i].check == (uint32_t)h && memcmp(t->old + at, p, (size_t)t->block) == 0)
            return at;
    }
    return -1;
}

static void table_free(block_table *t)
{
    free(t->slots);
    free(t->filter);
}

/* A window over new: bytes [start, start + len). */
typedef struct {
    const bl_delta_source *src;
    uint8_t *buf;
    int64_t start, len;
} window;

static int window_at(window *w, int64_t pos, bl_error *err)
{
    int64_t size = (int64_t)w->src->size;
    int64_t len = size - pos < WINDOW ? size - pos : WINDOW;
    int rc = w->src->read_at(w->src->ctx, (uint64_t)pos, w->buf, (size_t)len, err);
    if (rc != BL_OK)
        return rc;
    w->start = pos;
    w->len = len;
    return BL_OK;
}

static int push_anchor(bl_delta_anchors *out, int64_t new_pos, int64_t old_pos, int64_t len,
                       bl_error *err)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 256;
        bl_delta_anchor *v = realloc(out->v, cap * sizeof *v);
        if (!v)
            return bl_error_set(err, BL_ENOMEM, "out of memory for anchors");
        out->v = v;
        out->cap = cap;
    }
    out->v[out->n].new_pos = new_pos;
    out->v[out->n].old_pos = old_pos;
    out->v[out->n].len = len;
    out->n++;
    return BL_OK;
}

/* How far new from *end and old from old_end go on agreeing; moves the
 * window along when the run reaches its end. */
static int extend_forward(window *w, const uint8_t *old, int64_t old_size, int64_t *end,
                          int64_t old_end, bl_error *err)
{
    int64_t new_size = (int64_t)w->src->size;

    for (;;) {
        int64_t in_window = w->start + w->len - *end;
        int64_t n = in_window < old_size - old_end ? in_window : old_size - old_end, i = 0;
        const uint8_t *p = w->buf + (*end - w->start);
        int rc;

        while (i + 8 <= n && memcmp(p + i, old + old_end + i, 8) == 0)
            i += 8;
        while (i < n && p[i] == old[old_end + i])
            i++;
        *end += i;
        old_end += i;
        if (i < n || *end >= new_size || old_end >= old_size)
            return BL_OK;
        if ((rc = window_at(w, *end, err)) != BL_OK)
            return rc;
    }
}

int bl_delta_anchors_find(const uint8_t *old, int64_t old_size, const bl_delta_source *new_src,
                          int64_t block, bl_delta_anchors *out, bl_error *err)
{
    int64_t new_size = (int64_t)new_src->size, pos = 0, prev_end = 0, i;
    uint64_t h = 0, base_pow = 1;
    block_table table;
    window w = {new_src, NULL, 0, 0};
    int rc, have_hash = 0;

    memset(&table, 0, sizeof table);
    if (block < 1 || old_size < block || new_size < block)
        return BL_OK;
    if ((rc = table_build(&table, old, old_size, block, err)) != BL_OK)
        goto cleanup;
    if (!(w.buf = malloc(WINDOW))) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (i = 0; i < block; i++)
        base_pow *= HASH_BASE;
    while (pos + block <= new_size) {
        const uint8_t *p;
        int64_t at;

        if (pos + block > w.start + w.len) {
            if ((rc = window_at(&w, pos, err)) != BL_OK)
                goto cleanup;
            have_hash = 0;
        }
        p = w.buf + (pos - w.start);
        h = have_hash ? h * HASH_BASE + p[block - 1] - p[-1] * base_pow : block_hash(p, block);
        have_hash = 1;
        if ((at = table_find(&table, h, p)) >= 0) {
            int64_t back = 0, limit = pos - prev_end, end = pos + block;
            if (limit > pos - w.start)
                limit = pos - w.start;
            if (limit > at)
                limit = at;
            while (back < limit && old[at - back - 1] == p[-back - 1])
                back++;
            if ((rc = extend_forward(&w, old, old_size, &end, at + block, err)) != BL_OK ||
                (rc = push_anchor(out, pos - back, at - back, end - (pos - back), err)) != BL_OK)
                goto cleanup;
            pos = prev_end = end;
            have_hash = 0;
            continue;
        }
        pos++;
    }
    rc = BL_OK;

cleanup:
    table_free(&table);
    free(w.buf);
    return rc;
}

typedef struct {
    int64_t pos, len;
} span;

static int by_pos(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int bl_delta_anchors_rest(const bl_delta_anchors *anchors, int64_t old_size,
                          bl_delta_piece **pieces, size_t *n_pieces, int64_t *text_size,
                          bl_error *err)
{
    span *covered = malloc((anchors->n ? anchors->n : 1) * sizeof *covered);
    bl_delta_piece *v = malloc((anchors->n + 1) * sizeof *v);
    int64_t at = 0, text = 0;
    size_t i, n = 0;

    *pieces = NULL;
    *n_pieces = 0;
    *text_size = 0;
    if (!covered || !v) {
        free(covered);
        free(v);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    for (i = 0; i < anchors->n; i++) {
        covered[i].pos = anchors->v[i].old_pos;
        covered[i].len = anchors->v[i].len;
    }
    qsort(covered, anchors->n, sizeof *covered, by_pos);
    for (i = 0; i <= anchors->n; i++) {
        int64_t start = i < anchors->n ? covered[i].pos : old_size;
        if (start > at) {
            v[n].old_pos = at;
            v[n].text_pos = text;
            v[n].len = start - at;
            text += v[n].len;
            n++;
        }
        if (i < anchors->n && covered[i].pos + covered[i].len > at)
            at = covered[i].pos + covered[i].len;
    }
    free(covered);
    *pieces = v;
    *n_pieces = n;
    *text_size = text;
    return BL_OK;
}

void bl_delta_anchors_free(bl_delta_anchors *anchors)
{
    free(anchors->v);
    memset(anchors, 0, sizeof *anchors);
}

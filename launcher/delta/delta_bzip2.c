/* SPDX-License-Identifier: Apache-2.0 */
/* One bzip2 stream into a growing buffer. With block choice, the input is
 * taken a segment at a time and each segment is cut where that codes it
 * smaller, the way 7-Zip's bzip2 encoder does with -mpass: code the whole
 * segment, then its two halves; if the halves are smaller, try each half's
 * halves, and so on down to MIN_BLOCK. libbz2 ends a block where it is told
 * to flush, so the blocks chosen on a trial stream are written to the real
 * one by flushing at the same places: every block is coded by libbz2 itself.
 *
 * Measured on biome's extra block (4.8 MB of new code that matched nothing,
 * bench/RESULTS.md): 2653617 bytes in 900 kB blocks, 2575421 in 100 kB
 * blocks, 2464647 with the blocks chosen, for about five times the work of
 * coding it once (four of them on the trial stream). */
#include "delta_bzip2.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A segment is what bzip2 -9 would code as one block: up to 900 kB after
 * its first pass, which writes a run of 4 to 255 equal bytes as 5 (a tar's
 * zeros can make that 45 MB of input). Kept a little under bzip2's own
 * limit (899981), so that libbz2 never cuts a block where it was not told. */
#define SEGMENT_RLE (899 * 1000)
/* Smaller blocks did not pay for their tables: 900 kB halved six times
 * (down to 14 kB), and never below MIN_BLOCK bytes of input. */
#define MAX_DEPTH 6
#define MAX_BLOCKS (1 << MAX_DEPTH)
#define MIN_BLOCK (10 * 1000)

int bl_delta_bzip2_open(bl_delta_bzip2 *c, int level, int choose_blocks, bl_error *err)
{
    memset(c, 0, sizeof *c);
    if (BZ2_bzCompressInit(&c->bz, level, 0, 0) != BZ_OK)
        return bl_error_set(err, BL_ENOMEM, "out of memory for a bzip2 compressor");
    c->opened = 1;
    if (!choose_blocks)
        return BL_OK;
    if (BZ2_bzCompressInit(&c->trial, 9, 0, 0) != BZ_OK)
        return bl_error_set(err, BL_ENOMEM, "out of memory for a bzip2 compressor");
    c->trial_opened = 1;
    return BL_OK;
}

void bl_delta_bzip2_close(bl_delta_bzip2 *c)
{
    if (c->opened)
        BZ2_bzCompressEnd(&c->bz);
    if (c->trial_opened)
        BZ2_bzCompressEnd(&c->trial);
    free(c->out);
    free(c->pending);
    memset(c, 0, sizeof *c);
}

/* Feeds len bytes to the real stream with action: BZ_RUN, BZ_FLUSH (the
 * block ends after them) or BZ_FINISH (the stream ends). */
static int code(bl_delta_bzip2 *c, const uint8_t *buf, size_t len, int action, bl_error *err)
{
    c->bz.next_in = (char *)buf;
    c->bz.avail_in = (unsigned)len;
    for (;;) {
        int r;
        if (c->cap - c->len < 64 * 1024) {
            size_t cap = c->cap ? c->cap * 2 : 256 * 1024;
            uint8_t *out = realloc(c->out, cap);
            if (!out)
                return bl_error_set(err, BL_ENOMEM, "out of memory for the patch");
            c->out = out;
            c->cap = cap;
        }
        c->bz.next_out = (char *)c->out + c->len;
        c->bz.avail_out = (unsigned)(c->cap - c->len > UINT_MAX ? UINT_MAX : c->cap - c->len);
        r = BZ2_bzCompress(&c->bz, action);
        c->len = (size_t)((uint8_t *)c->bz.next_out - c->out);
        if (r == BZ_STREAM_END || (r == BZ_RUN_OK && c->bz.avail_in == 0))
            return BL_OK;
        if (r != BZ_RUN_OK && r != BZ_FLUSH_OK && r != BZ_FINISH_OK)
            return bl_error_set(err, BL_ENOMEM, "bzip2 compression failed (%d)", r);
    }
}

/* The bytes buf[0, len) take coded as one block (to a byte: the trial
 * stream's output is counted, not kept). */
static int trial_size(bl_delta_bzip2 *c, const uint8_t *buf, size_t len, uint64_t *size,
                      bl_error *err)
{
    uint8_t sink[16 * 1024];
    uint64_t before = c->trial_out;
    int r;

    c->trial.next_in = (char *)buf;
    c->trial.avail_in = (unsigned)len;
    do {
        c->trial.next_out = (char *)sink;
        c->trial.avail_out = sizeof sink;
        r = BZ2_bzCompress(&c->trial, BZ_FLUSH);
        c->trial_out += sizeof sink - c->trial.avail_out;
    } while (r == BZ_FLUSH_OK);
    if (r != BZ_RUN_OK)
        return bl_error_set(err, BL_ENOMEM, "bzip2 compression failed (%d)", r);
    *size = c->trial_out - before;
    return BL_OK;
}

/* Appends to ends[] where the blocks of data[from, from + len) end, which
 * coded as one block takes `whole` bytes: there if its halves are no
 * smaller, else where each half's blocks end. */
static int choose(bl_delta_bzip2 *c, const uint8_t *data, size_t from, size_t len, uint64_t whole,
                  int depth, size_t *ends, size_t *count, bl_error *err)
{
    size_t half = len / 2;
    uint64_t left, right;
    int rc;

    if (depth < MAX_DEPTH && half >= MIN_BLOCK) {
        if ((rc = trial_size(c, data + from, half, &left, err)) != BL_OK ||
            (rc = trial_size(c, data + from + half, len - half, &right, err)) != BL_OK)
            return rc;
        if (left + right < whole) {
            if ((rc = choose(c, data, from, half, left, depth + 1, ends, count, err)) != BL_OK)
                return rc;
            return choose(c, data, from + half, len - half, right, depth + 1, ends, count, err);
        }
    }
    ends[(*count)++] = from + len;
    return BL_OK;
}

static int code_segment(bl_delta_bzip2 *c, const uint8_t *data, size_t len, bl_error *err)
{
    size_t ends[MAX_BLOCKS], count = 0, i, start = 0;
    uint64_t whole;
    int rc;

    if ((rc = trial_size(c, data, len, &whole, err)) != BL_OK ||
        (rc = choose(c, data, 0, len, whole, 0, ends, &count, err)) != BL_OK)
        return rc;
    for (i = 0; i < count; i++) {
        if ((rc = code(c, data + start, ends[i] - start, BZ_FLUSH, err)) != BL_OK)
            return rc;
        start = ends[i];
    }
    return BL_OK;
}

/* What a run of n equal bytes becomes in bzip2's first pass: itself up to
 * 3 bytes, 4 bytes and a count from 4 to 255. */
static size_t run_bytes(size_t n)
{
    return n < 4 ? n : 5;
}

/* How many of buf's len bytes still fit in the segment, counted as bzip2's
 * first pass counts them; the run in progress is counted as it would end. */
static size_t segment_room(bl_delta_bzip2 *c, const uint8_t *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (c->run_len > 0 && buf[i] == c->run_byte && c->run_len < 255) {
            if (c->rle_len + run_bytes(c->run_len + 1) > SEGMENT_RLE)
                break;
            c->run_len++;
        } else {
            if (c->rle_len + run_bytes(c->run_len) + 1 > SEGMENT_RLE)
                break;
            c->rle_len += run_bytes(c->run_len);
            c->run_byte = buf[i];
            c->run_len = 1;
        }
    }
    return i;
}

static int pend(bl_delta_bzip2 *c, const uint8_t *buf, size_t len, bl_error *err)
{
    if (c->pending_cap - c->pending_len < len) {
        size_t cap = c->pending_cap ? c->pending_cap : 1024 * 1024;
        uint8_t *p;
        while (cap - c->pending_len < len)
            cap *= 2;
        if (!(p = realloc(c->pending, cap)))
            return bl_error_set(err, BL_ENOMEM, "out of memory for a bzip2 compressor");
        c->pending = p;
        c->pending_cap = cap;
    }
    memcpy(c->pending + c->pending_len, buf, len);
    c->pending_len += len;
    return BL_OK;
}

static int end_segment(bl_delta_bzip2 *c, bl_error *err)
{
    int rc = c->pending_len ? code_segment(c, c->pending, c->pending_len, err) : BL_OK;
    c->pending_len = 0;
    c->rle_len = 0;
    c->run_len = 0;
    return rc;
}

int bl_delta_bzip2_put(bl_delta_bzip2 *c, const uint8_t *buf, size_t len, bl_error *err)
{
    if (!c->trial_opened) /* no block choice */
        return code(c, buf, len, BZ_RUN, err);
    while (len > 0) {
        size_t n = segment_room(c, buf, len);
        int rc = pend(c, buf, n, err);
        if (rc == BL_OK && n < len)
            rc = end_segment(c, err);
        if (rc != BL_OK)
            return rc;
        buf += n;
        len -= n;
    }
    return BL_OK;
}

int bl_delta_bzip2_finish(bl_delta_bzip2 *c, bl_error *err)
{
    int rc = c->trial_opened ? end_segment(c, err) : BL_OK;
    return rc == BL_OK ? code(c, NULL, 0, BZ_FINISH, err) : rc;
}

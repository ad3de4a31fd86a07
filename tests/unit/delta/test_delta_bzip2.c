/* SPDX-License-Identifier: Apache-2.0 */
/* The patch's bzip2 streams: whatever blocks are chosen, one ordinary bzip2
 * stream that decodes to exactly the input; choosing blocks makes input
 * whose statistics change smaller and never makes any input bigger than
 * coding it in 900 kB blocks, beyond a byte a block. */
#include <bzlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "delta/delta_bzip2.h"

static uint32_t rng_state = 12345;

/* xorshift32: an LCG's low bits repeat too soon to look random to bzip2. */
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Pieces of `piece` bytes, each of random bytes from a set of 16 of its
 * own: in one block, bzip2's move-to-front codes see all the sets mixed;
 * in a block for each piece, only its own 16 values. */
static uint8_t *changing_data(size_t len, size_t piece)
{
    uint8_t *data = malloc(len), set[16];
    size_t i;

    for (i = 0; data && i < len; i++) {
        if (i % piece == 0) {
            size_t k;
            for (k = 0; k < sizeof set; k++)
                set[k] = (uint8_t)rng();
        }
        data[i] = set[rng() % sizeof set];
    }
    return data;
}

/* Codes data[0, len) in pieces of `step` bytes; returns the stream, its
 * length in *out_len. */
static uint8_t *code_all(const uint8_t *data, size_t len, size_t step, int level, int choose,
                         size_t *out_len)
{
    bl_delta_bzip2 c;
    bl_error err;
    uint8_t *out = NULL;
    size_t at = 0;
    int rc = bl_delta_bzip2_open(&c, level, choose, &err);

    while (rc == BL_OK && at < len) {
        size_t n = len - at < step ? len - at : step;
        rc = bl_delta_bzip2_put(&c, data + at, n, &err);
        at += n;
    }
    if (rc == BL_OK)
        rc = bl_delta_bzip2_finish(&c, &err);
    CHECK_INT(rc, BL_OK);
    if (rc == BL_OK && (out = malloc(c.len ? c.len : 1))) {
        memcpy(out, c.out, c.len);
        *out_len = c.len;
    }
    bl_delta_bzip2_close(&c);
    return out;
}

/* The same data coded in 900 kB blocks and with its blocks chosen. */
typedef struct {
    uint8_t *plain, *chosen;
    size_t plain_len, chosen_len;
} both_ways;

static int code_both_ways(const uint8_t *data, size_t len, size_t step, both_ways *out)
{
    out->plain = code_all(data, len, step, 9, 0, &out->plain_len);
    out->chosen = code_all(data, len, step, 9, 1, &out->chosen_len);
    CHECK(out->plain && out->chosen);
    return out->plain && out->chosen;
}

static void free_both_ways(both_ways *b)
{
    free(b->plain);
    free(b->chosen);
}

static int decodes_to(const uint8_t *stream, size_t stream_len, const uint8_t *data, size_t len)
{
    unsigned out_len = (unsigned)len + 1;
    char *out = malloc(out_len);
    int same;

    if (!out)
        return 0;
    same = BZ2_bzBuffToBuffDecompress(out, &out_len, (char *)stream, (unsigned)stream_len, 0,
                                      0) == BZ_OK &&
           out_len == len && memcmp(out, data, len) == 0;
    free(out);
    return same;
}

/* Where the stream's blocks start: the 48-bit block magic at any bit. */
static int count_blocks(const uint8_t *stream, size_t len)
{
    const uint64_t magic = 0x314159265359ull, mask = (1ull << 48) - 1;
    uint64_t window = 0;
    size_t bit;
    int count = 0;

    for (bit = 0; bit < len * 8; bit++) {
        window = (window << 1 | (stream[bit / 8] >> (7 - bit % 8) & 1)) & mask;
        if (bit >= 47 && window == magic)
            count++;
    }
    return count;
}

static void test_chosen_blocks_decode_to_the_input(void)
{
    size_t len = 1600 * 1000;
    uint8_t *data = changing_data(len, 40 * 1000);
    both_ways b;

    /* Odd pieces cross the segments anywhere. */
    if (code_both_ways(data, len, 77777, &b)) {
        CHECK(decodes_to(b.plain, b.plain_len, data, len));
        CHECK(decodes_to(b.chosen, b.chosen_len, data, len));
        /* 1.6 MB that bzip2's run-length pass cannot shorten: two 900 kB
         * blocks; chosen, a block or a few for each 40 kB piece. */
        CHECK(count_blocks(b.plain, b.plain_len) <= 2);
        CHECK(count_blocks(b.chosen, b.chosen_len) > 3);
        CHECK(b.chosen_len < b.plain_len);
        fprintf(stderr, "  changing statistics: %zu bytes in 900 kB blocks, %zu chosen (%d blocks)\n",
                b.plain_len, b.chosen_len, count_blocks(b.chosen, b.chosen_len));
    }
    free(data);
    free_both_ways(&b);
}

static void test_choosing_never_costs_more_than_a_byte_a_block(void)
{
    size_t len = 600 * 1000, i;
    uint8_t *data = malloc(len);
    both_ways b;

    /* One statistic throughout: splitting it only adds tables. */
    for (i = 0; data && i < len; i++)
        data[i] = (uint8_t)("ABCDEFGH"[rng() % 8]);
    if (code_both_ways(data, len, len, &b)) {
        CHECK(decodes_to(b.chosen, b.chosen_len, data, len));
        CHECK_INT(count_blocks(b.chosen, b.chosen_len), 1);
        CHECK(b.chosen_len <= b.plain_len + 1);
    }
    free(data);
    free_both_ways(&b);
}

/* 5 MB of runs of 300 equal bytes is 170 kB after bzip2's run-length pass:
 * one block for bzip2 -9, so one segment to choose in, not six. */
static void test_runs_count_as_bzip2_counts_them(void)
{
    size_t len = 5000 * 1000, i;
    uint8_t *data = malloc(len);
    both_ways b;

    for (i = 0; data && i < len; i++)
        data[i] = (uint8_t)(i / 300 * 7);
    if (code_both_ways(data, len, 65536, &b)) {
        CHECK(decodes_to(b.chosen, b.chosen_len, data, len));
        CHECK_INT(count_blocks(b.plain, b.plain_len), 1);
        CHECK(b.chosen_len <= b.plain_len + (size_t)count_blocks(b.chosen, b.chosen_len));
    }
    free(data);
    free_both_ways(&b);
}

static void test_empty_and_tiny_inputs(void)
{
    static const uint8_t one = 'x';
    size_t len = 0;
    uint8_t *s = code_all(&one, 0, 1, 9, 1, &len);

    CHECK(s && decodes_to(s, len, &one, 0));
    CHECK_INT(s ? count_blocks(s, len) : -1, 0);
    free(s);
    s = code_all(&one, 1, 1, 9, 1, &len);
    CHECK(s && decodes_to(s, len, &one, 1));
    free(s);
    s = code_all(&one, 1, 1, 1, 0, &len);
    CHECK(s && decodes_to(s, len, &one, 1));
    free(s);
}

/* A level-1 stream cuts its blocks at 100 kB: what the diff block uses. */
static void test_level_one_cuts_small_blocks(void)
{
    size_t len = 450 * 1000, out_len = 0;
    uint8_t *data = changing_data(len, 5000);
    uint8_t *s = code_all(data, len, 65536, 1, 0, &out_len);

    CHECK(s && decodes_to(s, out_len, data, len));
    CHECK(s && count_blocks(s, out_len) >= 4);
    free(data);
    free(s);
}

int main(void)
{
    RUN(test_chosen_blocks_decode_to_the_input);
    RUN(test_choosing_never_costs_more_than_a_byte_a_block);
    RUN(test_runs_count_as_bzip2_counts_them);
    RUN(test_empty_and_tiny_inputs);
    RUN(test_level_one_cuts_small_blocks);
    return CHECK_DONE();
}

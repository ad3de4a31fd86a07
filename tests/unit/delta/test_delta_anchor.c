/* SPDX-License-Identifier: Apache-2.0 */
/* Anchors: the block-hash pass that finds new's long runs equal to old
 * before any suffix sorting, and the pieces of old it leaves to the search. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "delta/delta.h"
#include "delta/delta_anchor.h"

static void fill_random(uint8_t *p, size_t len, uint32_t seed)
{
    size_t i;
    for (i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

/* Every anchor really is equal bytes, anchors do not overlap in new and come
 * in new's order. */
static void check_anchors_hold(const bl_delta_anchors *a, const uint8_t *old, int64_t old_size,
                               const uint8_t *nw, int64_t new_size)
{
    size_t i;
    int64_t end = 0;

    for (i = 0; i < a->n; i++) {
        const bl_delta_anchor *x = &a->v[i];
        CHECK(x->len > 0);
        CHECK(x->new_pos >= end);
        CHECK(x->new_pos + x->len <= new_size);
        CHECK(x->old_pos >= 0 && x->old_pos + x->len <= old_size);
        if (x->new_pos + x->len <= new_size && x->old_pos + x->len <= old_size)
            CHECK(memcmp(nw + x->new_pos, old + x->old_pos, (size_t)x->len) == 0);
        end = x->new_pos + x->len;
    }
}

static int64_t covered(const bl_delta_anchors *a)
{
    int64_t sum = 0;
    size_t i;
    for (i = 0; i < a->n; i++)
        sum += a->v[i].len;
    return sum;
}

/* Identical inputs: one anchor covers all of new, and the search is left
 * nothing of old. The inputs span several of the pass's 1 MiB windows. */
static void test_identical_input_is_one_anchor_leaving_nothing(void)
{
    enum { N = 3 * 1024 * 1024 + 77 };
    uint8_t *old = malloc(N);
    bl_delta_source src;
    bl_delta_anchors a = {0};
    bl_delta_piece *pieces = NULL;
    size_t n_pieces = 99;
    int64_t text = -1;
    bl_error err;

    fill_random(old, N, 1);
    bl_delta_memory_source(&src, old, N);
    CHECK_INT(bl_delta_anchors_find(old, N, &src, 128, &a, &err), BL_OK);
    CHECK_INT(a.n, 1);
    if (a.n == 1) {
        CHECK_INT(a.v[0].new_pos, 0);
        CHECK_INT(a.v[0].old_pos, 0);
        CHECK_INT(a.v[0].len, N);
    }
    CHECK_INT(bl_delta_anchors_rest(&a, N, &pieces, &n_pieces, &text, &err), BL_OK);
    CHECK_INT(n_pieces, 0);
    CHECK_INT(text, 0);
    free(pieces);
    bl_delta_anchors_free(&a);
    free(old);
}

/* Unrelated inputs: no anchor, and the search gets all of old, as one piece. */
static void test_unrelated_input_has_no_anchor_and_leaves_all(void)
{
    enum { N = 200000 };
    uint8_t *old = malloc(N), *nw = malloc(N);
    bl_delta_source src;
    bl_delta_anchors a = {0};
    bl_delta_piece *pieces = NULL;
    size_t n_pieces = 0;
    int64_t text = 0;
    bl_error err;

    fill_random(old, N, 2);
    fill_random(nw, N, 3);
    bl_delta_memory_source(&src, nw, N);
    CHECK_INT(bl_delta_anchors_find(old, N, &src, 64, &a, &err), BL_OK);
    CHECK_INT(a.n, 0);
    CHECK_INT(bl_delta_anchors_rest(&a, N, &pieces, &n_pieces, &text, &err), BL_OK);
    CHECK_INT(n_pieces, 1);
    CHECK_INT(text, N);
    if (n_pieces == 1) {
        CHECK_INT(pieces[0].old_pos, 0);
        CHECK_INT(pieces[0].text_pos, 0);
        CHECK_INT(pieces[0].len, N);
    }
    free(pieces);
    bl_delta_anchors_free(&a);
    free(old);
    free(nw);
}

/* Inputs shorter than a block, and an empty new, have no anchors. */
static void test_inputs_shorter_than_a_block_have_no_anchor(void)
{
    uint8_t old[100], nw[100];
    bl_delta_source src;
    bl_delta_anchors a = {0};
    bl_error err;

    fill_random(old, sizeof old, 4);
    memcpy(nw, old, sizeof nw);
    bl_delta_memory_source(&src, nw, sizeof nw);
    CHECK_INT(bl_delta_anchors_find(old, sizeof old, &src, 128, &a, &err), BL_OK);
    CHECK_INT(a.n, 0);
    bl_delta_memory_source(&src, nw, 0);
    CHECK_INT(bl_delta_anchors_find(old, sizeof old, &src, 16, &a, &err), BL_OK);
    CHECK_INT(a.n, 0);
    bl_delta_anchors_free(&a);
}

/* New is old's blocks moved around (not at block boundaries), with a few
 * bytes changed here and there: each moved run is found, at its place in
 * old, extended up to the changed bytes; the pieces left are exactly the
 * parts of old no anchor covers. */
static void test_moved_blocks_are_found_where_they_are(void)
{
    enum { RUN = 5000, RUNS = 40, N = RUN * RUNS };
    uint8_t *old = malloc(N), *nw = malloc(N);
    bl_delta_source src;
    bl_delta_anchors a = {0};
    bl_delta_piece *pieces = NULL;
    size_t n_pieces = 0, i;
    int64_t text = 0, sum = 0;
    bl_error err;

    fill_random(old, N, 5);
    for (i = 0; i < RUNS; i++) /* run i of new is run (i * 7) % RUNS of old */
        memcpy(nw + i * RUN, old + ((i * 7) % RUNS) * RUN, RUN);
    for (i = 0; i < RUNS; i++) /* one changed byte in the middle of each run */
        nw[i * RUN + RUN / 2] ^= 0x5A;
    bl_delta_memory_source(&src, nw, N);
    CHECK_INT(bl_delta_anchors_find(old, N, &src, 128, &a, &err), BL_OK);
    check_anchors_hold(&a, old, N, nw, N);
    CHECK_INT(a.n, 2 * RUNS);
    for (i = 0; i < a.n && i < 2 * RUNS; i++) {
        size_t run = i / 2;
        int64_t want_old = (int64_t)((run * 7) % RUNS) * RUN + (i % 2 ? RUN / 2 + 1 : 0);
        int64_t want_new = (int64_t)run * RUN + (i % 2 ? RUN / 2 + 1 : 0);
        /* the backward extension reaches the run's start, unless the
         * anchor before it went on a few bytes into it by chance */
        CHECK(a.v[i].new_pos >= want_new && a.v[i].new_pos <= want_new + 8);
        CHECK_INT(a.v[i].old_pos - a.v[i].new_pos, want_old - want_new);
    }
    CHECK(covered(&a) >= N - 2 * RUNS);
    CHECK_INT(bl_delta_anchors_rest(&a, N, &pieces, &n_pieces, &text, &err), BL_OK);
    for (i = 0; i < n_pieces; i++) {
        size_t k;
        CHECK_INT(pieces[i].text_pos, sum);
        sum += pieces[i].len;
        for (k = 0; k < a.n; k++) /* no piece overlaps an anchor's old bytes */
            CHECK(pieces[i].old_pos + pieces[i].len <= a.v[k].old_pos ||
                  a.v[k].old_pos + a.v[k].len <= pieces[i].old_pos);
    }
    CHECK_INT(text, sum);
    CHECK(text <= 2 * RUNS);
    free(pieces);
    bl_delta_anchors_free(&a);
    free(old);
    free(nw);
}

/* Blocks whose hashes are equal though their bytes are not: the Thue-Morse
 * word of 2048 letters and its complement have the same polynomial hash
 * modulo 2^64 for any odd base (the difference is a product of eleven
 * factors b^(2^i) - 1, each even). The table finds the hash, the bytes tell
 * them apart: no anchor. The word itself is found. */
static void test_equal_hashes_of_different_blocks_are_no_anchor(void)
{
    enum { B = 2048 };
    static uint8_t word[B], complement[B];
    bl_delta_source src;
    bl_delta_anchors a = {0};
    bl_error err;
    int i;

    for (i = 0; i < B; i++) {
        word[i] = __builtin_popcount((unsigned)i) % 2 ? 'b' : 'a';
        complement[i] = word[i] == 'a' ? 'b' : 'a';
    }
    bl_delta_memory_source(&src, complement, B);
    CHECK_INT(bl_delta_anchors_find(word, B, &src, B, &a, &err), BL_OK);
    CHECK_INT(a.n, 0);
    bl_delta_memory_source(&src, word, B);
    CHECK_INT(bl_delta_anchors_find(word, B, &src, B, &a, &err), BL_OK);
    CHECK_INT(a.n, 1);
    bl_delta_anchors_free(&a);
}

/* Old made of the same block over and over (zeros, padding): any of them
 * stands for all, and new's long run of it is one anchor. */
static void test_repeated_blocks_of_old_make_one_anchor(void)
{
    enum { N = 64 * 1024 };
    uint8_t *old = calloc(N, 1), *nw = calloc(N / 2, 1);
    bl_delta_source src;
    bl_delta_anchors a = {0};
    bl_error err;

    bl_delta_memory_source(&src, nw, N / 2);
    CHECK_INT(bl_delta_anchors_find(old, N, &src, 64, &a, &err), BL_OK);
    CHECK_INT(a.n, 1);
    check_anchors_hold(&a, old, N, nw, N / 2);
    CHECK_INT(covered(&a), N / 2);
    bl_delta_anchors_free(&a);
    free(old);
    free(nw);
}

int main(void)
{
    RUN(test_identical_input_is_one_anchor_leaving_nothing);
    RUN(test_unrelated_input_has_no_anchor_and_leaves_all);
    RUN(test_inputs_shorter_than_a_block_have_no_anchor);
    RUN(test_moved_blocks_are_found_where_they_are);
    RUN(test_equal_hashes_of_different_blocks_are_no_anchor);
    RUN(test_repeated_blocks_of_old_make_one_anchor);
    return CHECK_DONE();
}

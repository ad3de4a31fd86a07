/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the delta engine's files only: one bzip2 stream written into a
 * growing buffer, with a choice of where its blocks end.
 *
 * bzip2 codes each block (at most 900 kB after its first run-length pass)
 * with Huffman tables of its own. Where the statistics of the input change
 * within a block, as they do in a patch's extra block (unrelated snippets of
 * new code one after another), smaller blocks with tables of their own code
 * it in fewer bytes. The stream stays one ordinary bzip2 stream: bunzip2,
 * bspatch 4.3 and our reader read it as any other. */
#ifndef BL_DELTA_BZIP2_H
#define BL_DELTA_BZIP2_H

#include <bzlib.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct {
    bz_stream bz;
    int opened;
    uint8_t *out;
    size_t len, cap;
    /* With block choice (trial_opened): a second stream that codes trial
     * blocks only to count their bytes, and the input not yet coded. */
    bz_stream trial;
    int trial_opened;
    uint8_t *pending;
    size_t pending_len, pending_cap;
    size_t rle_len, run_len; /* the pending input as bzip2's first pass counts it */
    uint8_t run_byte;
    uint64_t trial_out;
} bl_delta_bzip2;

/* level: bzip2's 1 to 9 (blocks of 100 to 900 kB). choose_blocks: take the
 * input in the blocks bzip2 -9 would make, then split each in halves, and
 * the halves in halves, as long as that makes it smaller (about five times
 * the work of coding it once, and up to one block of input held). */
int bl_delta_bzip2_open(bl_delta_bzip2 *c, int level, int choose_blocks, bl_error *err);
int bl_delta_bzip2_put(bl_delta_bzip2 *c, const uint8_t *buf, size_t len, bl_error *err);
/* Ends the stream: c->out[0, c->len) is the whole of it. */
int bl_delta_bzip2_finish(bl_delta_bzip2 *c, bl_error *err);
void bl_delta_bzip2_close(bl_delta_bzip2 *c);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the delta engine's files only: the long runs new and old have in
 * common, found cheaply by hashing fixed blocks of old before any suffix
 * sorting, and what of old they leave for the full search. */
#ifndef BL_DELTA_ANCHOR_H
#define BL_DELTA_ANCHOR_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "delta.h"

/* new[new_pos, new_pos + len) equals old[old_pos, old_pos + len). */
typedef struct {
    int64_t new_pos;
    int64_t old_pos;
    int64_t len;
} bl_delta_anchor;

/* In new's order, not overlapping in new. */
typedef struct {
    bl_delta_anchor *v;
    size_t n, cap;
} bl_delta_anchors;

/* A stretch of old, and where it sits in the text the suffix array indexes. */
typedef struct {
    int64_t old_pos;
    int64_t text_pos;
    int64_t len;
} bl_delta_piece;

/* Appends to out the runs of new (read through new_src a window at a time)
 * that equal old somewhere and hold one of old's blocks of block bytes
 * (those starting at multiples of block), each extended both ways as far
 * as the bytes agree. Memory: a table of old's blocks (about 16 bytes a
 * block) and a window of new. Errors: BL_ENOMEM or new_src's own. */
int bl_delta_anchors_find(const uint8_t *old, int64_t old_size, const bl_delta_source *new_src,
                          int64_t block, bl_delta_anchors *out, bl_error *err);

/* The stretches of old that no anchor covers, in old's order, laid end to
 * end from text position 0; *text_size is their total. The caller frees
 * *pieces. Errors: BL_ENOMEM. */
int bl_delta_anchors_rest(const bl_delta_anchors *anchors, int64_t old_size,
                          bl_delta_piece **pieces, size_t *n_pieces, int64_t *text_size,
                          bl_error *err);

void bl_delta_anchors_free(bl_delta_anchors *anchors);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the delta engine's files only: the suffix array of old and the
 * match search over new that turns it into control entries. */
#ifndef BL_DELTA_MATCH_H
#define BL_DELTA_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "delta_anchor.h"

/* Suffix array of a text (4 bytes an entry under 2 GiB, 8 beyond) and where
 * each two-byte prefix starts in it; for a big text, each three-byte prefix
 * too. The text is old, or the pieces of old that no anchor covers laid end
 * to end (then only those are searched; the anchors stand for the rest).
 * A suffix shorter than the prefix counts as if padded with zero bytes,
 * which keeps the prefixes in suffix order. */
typedef struct {
    const uint8_t *old;
    int64_t old_size;
    const uint8_t *text;   /* old itself when pieces is NULL */
    int64_t text_size;
    uint8_t *own_text;     /* the pieces' copy, freed with the index */
    bl_delta_piece *pieces; /* owned; NULL: the text is old */
    size_t n_pieces;
    int32_t *sa32;
    int64_t *sa64;
    int64_t *bucket;   /* 65537 entries */
    uint32_t *bucket3; /* 2^24 + 1 entries, or NULL */
    /* A bit for the hash of each 8-byte string of old (one to two bits a
     * position), or NULL: where new's next 8 bytes hash to a clear bit, they
     * are nowhere in old, and the search need not run (delta_match.c). */
    uint64_t *strings8;
    unsigned strings8_log2; /* the bits number 2^strings8_log2 */
} bl_delta_index;

/* One control entry with an absolute old position: add `add` bytes of diff
 * to old[old_pos..], then copy `copy` bytes of new as they are. */
typedef struct {
    int64_t old_pos;
    int64_t add;
    int64_t copy;
} bl_delta_entry;

typedef struct {
    bl_delta_entry *v;
    size_t n, cap;
} bl_delta_entries;

/* 3 where the three-byte table pays for itself (a big old under 2 GiB), else 2. */
int bl_delta_index_prefix_bytes(int64_t old_size);
/* 1 where the filter of 8-byte strings pays for itself (old of 64 MiB or more). */
int bl_delta_index_filters_strings(int64_t old_size);
/* prefix_bytes: 2, or 3 for the three-byte table as well (ignored past 2 GiB);
 * filter_strings: 1 to build the filter of old's 8-byte strings. */
int bl_delta_index_build(bl_delta_index *index, const uint8_t *old, int64_t old_size,
                         int prefix_bytes, int filter_strings, bl_error *err);
/* The same over only the pieces of old given (bl_delta_anchors_rest), which
 * the index takes over (freed with it, also on failure); a search answers
 * with old's positions. */
int bl_delta_index_build_pieces(bl_delta_index *index, const uint8_t *old, int64_t old_size,
                                bl_delta_piece *pieces, size_t n_pieces, int64_t text_size,
                                int prefix_bytes, int filter_strings, bl_error *err);
/* The longest match of q[0..len) in old: its length, and where in *pos. */
int64_t bl_delta_index_search(const bl_delta_index *index, const uint8_t *q, int64_t len,
                              int64_t *pos);
/* 0 when old surely does not hold q's first 8 bytes; 1 when it may (and
 * always when len < 8). */
int bl_delta_index_may_hold8(const bl_delta_index *index, const uint8_t *q, int64_t len);
void bl_delta_index_free(bl_delta_index *index);

/* Appends to out the entries that cover new_data[0, new_len) exactly: a
 * slice of new, matched on its own. new_begin is the slice's place in new;
 * anchors (may be NULL) are taken as matches where they lie, as they must
 * be when the index holds only the pieces they leave. */
int bl_delta_match_range(const bl_delta_index *index, const bl_delta_anchors *anchors,
                         int64_t new_begin, const uint8_t *new_data, int64_t new_len,
                         bl_delta_entries *out, bl_error *err);

/* 1 when a slice of new reads as text (no control bytes but tab, newline and
 * carriage return among its non-zero bytes, give or take 1 in 128): there an
 * extra byte costs a quarter of what it costs in code, so a match must save
 * more to pay for its entry (delta_match.c). */
int bl_delta_match_is_text(const uint8_t *data, int64_t len);

#endif

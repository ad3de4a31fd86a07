/* Shared by the delta engine's files only: the suffix array of old and the
 * match search over new that turns it into control entries. */
#ifndef BL_DELTA_MATCH_H
#define BL_DELTA_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Suffix array of old (4 bytes an entry under 2 GiB, 8 beyond) and where each
 * two-byte prefix starts in it. */
typedef struct {
    const uint8_t *old;
    int64_t old_size;
    int32_t *sa32;
    int64_t *sa64;
    int64_t *bucket; /* 65537 entries */
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

int bl_delta_index_build(bl_delta_index *index, const uint8_t *old, int64_t old_size,
                         bl_error *err);
void bl_delta_index_free(bl_delta_index *index);

/* Appends to out the entries that cover new_data[0, new_len) exactly: a
 * slice of new, matched on its own. */
int bl_delta_match_range(const bl_delta_index *index, const uint8_t *new_data, int64_t new_len,
                         bl_delta_entries *out, bl_error *err);

#endif

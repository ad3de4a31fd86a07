/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the delta engine's files only: the BSDIFF40 header and its
 * integers. Not for other modules; they use delta.h. */
#ifndef BL_DELTA_FORMAT_H
#define BL_DELTA_FORMAT_H

#include <stdint.h>

#include "base/error.h"

typedef struct {
    int64_t control_len; /* compressed length of the control block */
    int64_t diff_len;    /* compressed length of the diff block */
    int64_t extra_len;   /* what is left of the patch: the extra block */
    int64_t new_size;
} bl_delta_header;

/* bsdiff's sign-magnitude little-endian 64-bit integers. Decoding refuses
 * nothing: a negative zero reads as 0, and callers check signs. */
int64_t bl_delta_get_int(const uint8_t buf[8]);
void bl_delta_put_int(uint8_t buf[8], int64_t value);

/* Checks the magic and that the three blocks fit the patch's size. */
int bl_delta_header_parse(const uint8_t buf[32], uint64_t patch_size, bl_delta_header *out,
                          bl_error *err);
void bl_delta_header_write(uint8_t buf[32], int64_t control_len, int64_t diff_len,
                           int64_t new_size);

#endif

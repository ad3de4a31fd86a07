/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 as Python's strict decoder reads it: the canonical JSON that
 * securesystemslib signs and the log's escaping must agree on what is text. */
#ifndef BL_UTF8_H
#define BL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left; 1 for ASCII),
 * or 0 for an invalid one: a stray continuation byte, an overlong form, a
 * surrogate, a code point above U+10FFFF, or one cut short. Fills *cp (may be
 * NULL) with the code point. */
size_t bl_utf8_sequence(const unsigned char *s, size_t n, uint32_t *cp);

#endif

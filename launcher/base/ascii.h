/* SPDX-License-Identifier: Apache-2.0 */
/* ASCII letter case, whatever the C library's locale: HTTP header names,
 * host names, locale and language tags are ASCII and compared so. */
#ifndef BL_ASCII_H
#define BL_ASCII_H

#include <stddef.h>

static inline char bl_ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 if the n bytes at a and at b are the same, ASCII letter case aside. */
static inline int bl_ascii_equal_nocase(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (bl_ascii_lower(a[i]) != bl_ascii_lower(b[i]))
            return 0;
    }
    return 1;
}

#endif

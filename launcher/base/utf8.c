/* SPDX-License-Identifier: Apache-2.0 */
#include "utf8.h"

size_t bl_utf8_sequence(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t need, i;
    uint32_t c;

    if (s[0] < 0x80)
        need = 1, c = s[0];
    else if (s[0] >= 0xc2 && s[0] <= 0xdf)
        need = 2, c = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        need = 3, c = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        need = 4, c = s[0] & 0x07u;
    else
        return 0;
    if (n < need)
        return 0;
    for (i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3fu);
    }
    if ((need == 3 && c < 0x800) || (need == 4 && c < 0x10000) || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    if (cp)
        *cp = c;
    return need;
}

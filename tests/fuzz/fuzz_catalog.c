/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the splash's catalogs (launcher/start/i18n.c). The input's first
 * line is a msgid, the rest a .mo file as a damaged disk or build could leave
 * it: a translation found must lie inside the file, end there with its NUL
 * and be UTF-8. The same line is a locale name (bl_i18n_language must answer
 * a language there are words for) and a format (the formatter stays inside
 * its buffer and keeps it terminated). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "start/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char line[256], out[64];
    const uint8_t *split = memchr(data, '\n', size);
    size_t len = split ? (size_t)(split - data) : size, rest, i, n, step;
    const unsigned char *mo;
    const char *args[3] = {"3.6 MB", NULL, "正在"}, *found;

    if (len >= sizeof line)
        return 0;
    memcpy(line, data, len);
    line[len] = '\0';
    rest = split ? size - len - 1 : 0;
    mo = split ? split + 1 : data + size;

    found = bl_i18n_mo_lookup(mo, rest, line);
    if (found) {
        if ((const unsigned char *)found < mo || (const unsigned char *)found >= mo + rest)
            __builtin_trap();
        n = strnlen(found, (size_t)(mo + rest - (const unsigned char *)found));
        if ((const unsigned char *)found + n >= mo + rest || n == 0)
            __builtin_trap();
        for (i = 0; i < n; i += step) {
            if ((step = bl_utf8_sequence((const unsigned char *)found + i, n - i, NULL)) == 0)
                __builtin_trap();
        }
    }
    if (!bl_i18n_known(bl_i18n_language(line)))
        __builtin_trap();
    memset(out, 'x', sizeof out);
    bl_i18n_format(out, sizeof out, line, args, 3);
    if (!memchr(out, '\0', sizeof out))
        __builtin_trap();
    return 0;
}

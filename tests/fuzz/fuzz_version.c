/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: PEP 440 parsing of version strings from signed metadata, target
 * names and state.json. Checks the ordering is consistent (antisymmetric,
 * equal to itself) and that a formatted version parses back equal. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "start/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char a[128], b[128], formatted[256];
    const uint8_t *split = memchr(data, '\n', size);
    size_t la = split ? (size_t)(split - data) : size;
    size_t lb = split ? size - la - 1 : 0;
    bl_version va, vb;

    if (la >= sizeof a || lb >= sizeof b)
        return 0;
    memcpy(a, data, la);
    a[la] = '\0';
    memcpy(b, split ? split + 1 : data, lb);
    b[lb] = '\0';
    if (bl_version_compare_text(a, b) != -bl_version_compare_text(b, a) || bl_version_compare_text(a, a) != 0)
        __builtin_trap();
    if (bl_version_parse(a, &va, NULL) == BL_OK) {
        if (bl_version_format(&va, formatted, sizeof formatted) != BL_OK ||
            bl_version_parse(formatted, &vb, NULL) != BL_OK || bl_version_compare(&va, &vb) != 0)
            __builtin_trap();
    }
    return 0;
}

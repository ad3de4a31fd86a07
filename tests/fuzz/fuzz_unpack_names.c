/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the unpacker's path checks. Whatever an archive names, an
 * accepted entry name must stay inside the version folder: no absolute path,
 * no '..' component, no backslash; and a symlink judged to stay inside must
 * not climb above the folder when resolved lexically. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "update/unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int climbs_out(const char *name, const char *target)
{
    int depth = 0;
    const char *p;
    for (p = name; *p; p++)
        depth += *p == '/';
    for (p = target; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            depth--;
        else if (n && !(n == 1 && p[0] == '.'))
            depth++;
        if (depth < 0)
            return 1;
        p += n;
        if (*p)
            p++;
    }
    return target[0] == '/';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[512], target[512], out[512];
    const uint8_t *split = memchr(data, 0, size);
    size_t ln = split ? (size_t)(split - data) : size;
    size_t lt = split ? size - ln - 1 : 0;

    if (ln >= sizeof name || lt >= sizeof target)
        return 0;
    memcpy(name, data, ln);
    name[ln] = '\0';
    memcpy(target, split ? split + 1 : data, lt);
    target[lt] = '\0';
    if (bl_unpack_check_name(name, out, sizeof out, NULL) == BL_OK) {
        const char *p = out;
        if (out[0] == '/' || strchr(out, '\\'))
            __builtin_trap();
        while (*p) {
            size_t n = strcspn(p, "/");
            if ((n == 2 && p[0] == '.' && p[1] == '.') || n == 0)
                __builtin_trap();
            p += n;
            if (*p)
                p++;
        }
        if (bl_unpack_link_stays_inside(out, target) && (climbs_out(out, target) || strchr(target, '\\')))
            __builtin_trap();
    }
    return 0;
}

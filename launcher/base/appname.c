/* SPDX-License-Identifier: Apache-2.0 */
#include "appname.h"

#include <string.h>

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int bl_app_name_check(const char *name, bl_error *err)
{
    size_t i, len;

    if (!name || !name[0])
        return bl_error_set(err, BL_EINVAL, "an app name is needed: " BL_APP_NAME_RULE);
    len = strlen(name);
    if (len >= BL_APP_NAME_MAX)
        return bl_error_set(err, BL_EINVAL, "the app name '%.40s...' is %zu bytes long: an app name is " BL_APP_NAME_RULE,
                            name, len);
    if (!is_alnum(name[0]))
        return bl_error_set(err, BL_EINVAL, "the app name '%s' starts with '%c': an app name is " BL_APP_NAME_RULE,
                            name, name[0] >= 0x20 && name[0] < 0x7f ? name[0] : '?');
    for (i = 1; i < len; i++) {
        char c = name[i];
        if (is_alnum(c) || c == '_' || c == '-')
            continue;
        if (c >= 0x20 && c < 0x7f)
            return bl_error_set(err, BL_EINVAL, "the app name '%s' holds '%c', which is not allowed: an app name is "
                                BL_APP_NAME_RULE, name, c);
        return bl_error_set(err, BL_EINVAL,
                            "the app name holds byte 0x%02x at %zu (not ASCII, or a control character): an app name is "
                            BL_APP_NAME_RULE, (unsigned)(unsigned char)c, i);
    }
    return BL_OK;
}

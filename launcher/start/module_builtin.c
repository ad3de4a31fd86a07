/* SPDX-License-Identifier: Apache-2.0 */
/* Modules built into the launcher (module.h): the build links every library
 * statically (Windows), so there is no load time to save; "loading" one
 * calls its entry directly. */
#include <string.h>

#include "log.h"
#include "module.h"

const void *bl_module_entry_update(const bl_module_host *host, bl_error *err);
const void *bl_module_entry_splash(const bl_module_host *host, bl_error *err);

int bl_module_load(const char *dir, const char *name, const void **ops, bl_error *err)
{
    char abi[BL_MODULE_ABI_MAX];
    bl_module_host host = {abi, bl_log_text};
    (void)dir;
    bl_module_abi(abi);
    if (strcmp(name, "update") == 0)
        *ops = bl_module_entry_update(&host, err);
    else if (strcmp(name, "splash") == 0)
        *ops = bl_module_entry_splash(&host, err);
    else
        return bl_error_set(err, BL_EINVAL, "no module named %s", name);
    return *ops ? BL_OK : err->code ? err->code : BL_EUNSUPPORTED;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Loading a module from a shared object beside the launcher (module.h). */
#include <stdio.h>
#include <string.h>

#include "base/dl.h"
#include "base/fsutil.h"
#include "log.h"
#include "module.h"

int bl_module_load(const char *dir, const char *name, const void **ops, bl_error *err)
{
    char file[128], path[BL_PATH_MAX], entry_name[64], abi[BL_MODULE_ABI_MAX];
    bl_module_host host = {abi, bl_log_text};
    bl_module_entry entry;
    void *symbol;
    int rc;

    *ops = NULL;
    bl_module_file_name(name, file, sizeof file);
    snprintf(entry_name, sizeof entry_name, "bl_module_entry_%s", name);
    if ((rc = bl_dl_symbol(dir, file, entry_name, "a launcher module", &symbol, path, sizeof path,
                           err)) != BL_OK)
        return rc;
    memcpy(&entry, &symbol, sizeof entry); /* POSIX: a symbol's address converts to a function pointer */
    bl_module_abi(abi);
    /* Kept loaded for the life of the process (module.h says why). */
    if (!(*ops = entry(&host, err)))
        return err->code ? err->code : BL_EUNSUPPORTED;
    return BL_OK;
}

/* Loading a module from a shared object beside the launcher (module.h). */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "fsutil.h"
#include "log.h"
#include "module.h"

int bl_module_load(const char *dir, const char *name, const void **ops, bl_error *err)
{
    char exe[BL_FS_PATH_MAX], here[BL_FS_PATH_MAX], file[128], path[BL_FS_PATH_MAX], entry_name[64], abi[BL_MODULE_ABI_MAX];
    bl_module_host host = {abi, bl_log_text};
    bl_module_entry entry;
    void *symbol;
    uv_lib_t lib;
    size_t len = sizeof exe;
    int rc;

    *ops = NULL;
    if (!dir) {
        if ((rc = uv_exepath(exe, &len)) != 0)
            return bl_error_set(err, BL_EIO, "cannot find the launcher's own path (%s)", uv_strerror(rc));
        if ((rc = bl_fs_dirname(exe, here, sizeof here)) != BL_OK)
            return bl_error_set(err, rc, "cannot find the launcher's folder in %s", exe);
        dir = here;
    }
    bl_module_file_name(name, file, sizeof file);
    if ((rc = bl_fs_join(path, sizeof path, dir, file)) != BL_OK)
        return bl_error_set(err, rc, "the path of the %s module is too long", name);
    if (uv_dlopen(path, &lib) != 0) {
        rc = bl_error_set(err, BL_EUNSUPPORTED, "cannot load %s (%s)", path, uv_dlerror(&lib));
        uv_dlclose(&lib); /* frees the message; nothing was loaded */
        return rc;
    }
    snprintf(entry_name, sizeof entry_name, "bl_module_entry_%s", name);
    if (uv_dlsym(&lib, entry_name, &symbol) != 0 || !symbol) {
        rc = bl_error_set(err, BL_EUNSUPPORTED, "%s is not a launcher module (%s)", path, uv_dlerror(&lib));
        uv_dlclose(&lib);
        return rc;
    }
    memcpy(&entry, &symbol, sizeof entry); /* POSIX: a symbol's address converts to a function pointer */
    bl_module_abi(abi);
    /* Kept loaded for the life of the process (module.h says why). */
    if (!(*ops = entry(&host, err)))
        return err->code ? err->code : BL_EUNSUPPORTED;
    return BL_OK;
}

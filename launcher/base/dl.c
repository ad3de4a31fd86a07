/* SPDX-License-Identifier: Apache-2.0 */
/* A symbol from a shared object beside the running program (dl.h). */
#include "dl.h"

#include <uv.h>

#include "fsutil.h"

int bl_dl_symbol(const char *dir, const char *file, const char *symbol, const char *what,
                 void **address, char *path, size_t path_size, bl_error *err)
{
    char exe[BL_PATH_MAX], here[BL_PATH_MAX];
    size_t len = sizeof exe;
    uv_lib_t lib;
    int rc;

    *address = NULL;
    if (!dir) {
        if ((rc = uv_exepath(exe, &len)) != 0)
            return bl_error_set(err, BL_EIO, "cannot find this program's own path (%s)",
                                uv_strerror(rc));
        if ((rc = bl_fs_dirname(exe, here, sizeof here)) != BL_OK)
            return bl_error_set(err, rc, "cannot find the folder of %s", exe);
        dir = here;
    }
    if ((rc = bl_fs_join(path, path_size, dir, file)) != BL_OK)
        return bl_error_set(err, rc, "the path of %s in %s is too long", file, dir);
    if (uv_dlopen(path, &lib) != 0) {
        rc = bl_error_set(err, BL_EUNSUPPORTED, "cannot load %s (%s)", path, uv_dlerror(&lib));
        uv_dlclose(&lib); /* frees the message; nothing was loaded */
        return rc;
    }
    if (uv_dlsym(&lib, symbol, address) != 0 || !*address) {
        rc = bl_error_set(err, BL_EUNSUPPORTED, "%s is not %s (%s)", path, what, uv_dlerror(&lib));
        uv_dlclose(&lib);
        *address = NULL;
        return rc;
    }
    return BL_OK;
}

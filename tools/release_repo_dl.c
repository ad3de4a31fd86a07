/* The repository verbs from their module beside bomiot-release (release.h). */
#include <string.h>
#include <uv.h>

#include "release.h"

/* RELEASE_REPO_MODULE, from the build: the module's file name. */

int release_repo_verbs(const release_verb *const **verbs, size_t *count, bl_error *err)
{
    char path[4096], abi[RELEASE_ABI_MAX];
    size_t len = sizeof path, dir;
    release_repo_entry_fn entry;
    void *symbol;
    uv_lib_t lib;
    int r;

    if ((r = uv_exepath(path, &len)) != 0)
        return bl_error_set(err, BL_EIO, "cannot find bomiot-release's own path (%s)", uv_strerror(r));
    for (dir = len; dir > 0 && path[dir - 1] != '/'; dir--)
        ;
    if (dir + sizeof RELEASE_REPO_MODULE > sizeof path)
        return bl_error_set(err, BL_EINVAL, "the folder of bomiot-release is too long: %s", path);
    memcpy(path + dir, RELEASE_REPO_MODULE, sizeof RELEASE_REPO_MODULE);
    if (uv_dlopen(path, &lib) != 0) {
        r = bl_error_set(err, BL_ENOTFOUND, "cannot load %s, which holds this command (%s)", path,
                         uv_dlerror(&lib));
        uv_dlclose(&lib); /* frees the message; nothing was loaded */
        return r;
    }
    if (uv_dlsym(&lib, RELEASE_REPO_ENTRY, &symbol) != 0 || !symbol) {
        r = bl_error_set(err, BL_EUNSUPPORTED, "%s is not bomiot-release's module (%s)", path,
                         uv_dlerror(&lib));
        uv_dlclose(&lib);
        return r;
    }
    memcpy(&entry, &symbol, sizeof entry); /* POSIX: a symbol's address converts to a function pointer */
    release_abi(abi, sizeof abi);
    if (!(*verbs = entry(abi, count))) {
        uv_dlclose(&lib);
        return bl_error_set(err, BL_EUNSUPPORTED, "%s belongs to another bomiot-release build (this one is %s)",
                            path, abi);
    }
    return BL_OK; /* kept loaded: the verbs run from it */
}

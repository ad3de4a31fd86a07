/* SPDX-License-Identifier: Apache-2.0 */
/* The repository verbs from their module (release.h): beside bomiot-release
 * (the build tree, a copied pair), or where cmake --install puts it,
 * RELEASE_REPO_INSTALL_DIR relative to bomiot-release's folder
 * (bin/../lib/bomiot-release). */
#include <string.h>
#include <uv.h>

#include "base/dl.h"
#include "base/fsutil.h"
#include "release.h"

/* RELEASE_REPO_MODULE and RELEASE_REPO_INSTALL_DIR, from the build. */

/* The module's symbol from beside the program, else from the installed
 * folder. A file that is there but does not load, or is not the module, is
 * what err says; when neither place has the file, err names both. */
static int find_entry(void **symbol, char *path, size_t path_size, bl_error *err)
{
    char exe[BL_PATH_MAX], here[BL_PATH_MAX], installed[BL_PATH_MAX], file[BL_PATH_MAX];
    size_t len = sizeof exe;
    int r;

    if ((r = uv_exepath(exe, &len)) != 0)
        return bl_error_sys(err, r, "cannot find this program's own path");
    if (bl_fs_dirname(exe, here, sizeof here) != BL_OK || bl_fs_join(file, sizeof file, here, RELEASE_REPO_MODULE) ||
        bl_fs_join(installed, sizeof installed, here, RELEASE_REPO_INSTALL_DIR) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", exe);
    if (bl_fs_exists(file))
        return bl_dl_symbol(here, RELEASE_REPO_MODULE, RELEASE_REPO_ENTRY, "bomiot-release's module", symbol, path,
                            path_size, err);
    if (bl_fs_join(file, sizeof file, installed, RELEASE_REPO_MODULE) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", installed);
    if (bl_fs_exists(file))
        return bl_dl_symbol(installed, RELEASE_REPO_MODULE, RELEASE_REPO_ENTRY, "bomiot-release's module", symbol,
                            path, path_size, err);
    return bl_error_set(err, BL_ENOTFOUND, "%s is neither beside bomiot-release (in %s) nor in %s", RELEASE_REPO_MODULE,
                        here, installed);
}

int release_repo_verbs(const release_verb *const **verbs, size_t *count, bl_error *err)
{
    char path[BL_PATH_MAX], abi[RELEASE_ABI_MAX];
    release_repo_entry_fn entry;
    void *symbol;
    int rc;

    if ((rc = find_entry(&symbol, path, sizeof path, err)) != BL_OK)
        return rc;
    memcpy(&entry, &symbol, sizeof entry); /* POSIX: a symbol's address converts to a function pointer */
    release_abi(abi, sizeof abi);
    /* A module of another build stays loaded, unused: the command fails. */
    if (!(*verbs = entry(abi, count)))
        return bl_error_set(err, BL_EUNSUPPORTED, "%s belongs to another bomiot-release build (this one is %s)",
                            path, abi);
    return BL_OK; /* kept loaded: the verbs run from it */
}

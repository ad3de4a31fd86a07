/* The repository verbs from their module beside bomiot-release (release.h). */
#include <string.h>

#include "base/dl.h"
#include "base/fsutil.h"
#include "release.h"

/* RELEASE_REPO_MODULE, from the build: the module's file name. */

int release_repo_verbs(const release_verb *const **verbs, size_t *count, bl_error *err)
{
    char path[BL_PATH_MAX], abi[RELEASE_ABI_MAX];
    release_repo_entry_fn entry;
    void *symbol;
    int rc;

    if ((rc = bl_dl_symbol(NULL, RELEASE_REPO_MODULE, RELEASE_REPO_ENTRY, "bomiot-release's module",
                           &symbol, path, sizeof path, err)) != BL_OK)
        return rc;
    memcpy(&entry, &symbol, sizeof entry); /* POSIX: a symbol's address converts to a function pointer */
    release_abi(abi, sizeof abi);
    /* A module of another build stays loaded, unused: the command fails. */
    if (!(*verbs = entry(abi, count)))
        return bl_error_set(err, BL_EUNSUPPORTED, "%s belongs to another bomiot-release build (this one is %s)",
                            path, abi);
    return BL_OK; /* kept loaded: the verbs run from it */
}

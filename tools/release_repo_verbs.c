/* SPDX-License-Identifier: Apache-2.0 */
/* The repository verbs' table (release.h), and the entry bomiot-release
 * reaches it through when they are a module. */
#include <string.h>

#include "release.h"

/* The build makes the entry the module's one visible symbol. */
#ifndef RELEASE_EXPORT
#define RELEASE_EXPORT
#endif

const release_verb *const release_repo_table[] = {
    &release_verb_init,   &release_verb_add,  &release_verb_rollout,
    &release_verb_keys,   &release_verb_sign, &release_verb_refresh_expiry,
    &release_verb_verify, &release_verb_ls,
};

const size_t release_repo_table_size = sizeof release_repo_table / sizeof release_repo_table[0];

RELEASE_EXPORT const release_verb *const *release_repo_entry(const char *abi, size_t *count)
{
    char mine[RELEASE_ABI_MAX];

    release_abi(mine, sizeof mine);
    if (!abi || strcmp(abi, mine) != 0)
        return NULL;
    *count = release_repo_table_size;
    return release_repo_table;
}

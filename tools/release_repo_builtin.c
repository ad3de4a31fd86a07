/* SPDX-License-Identifier: Apache-2.0 */
/* The repository verbs built into bomiot-release (release.h): the build links
 * its libraries statically, so loading them later would save nothing. */
#include "release.h"

int release_repo_verbs(const release_verb *const **verbs, size_t *count, bl_error *err)
{
    (void)err;
    *verbs = release_repo_table;
    *count = release_repo_table_size;
    return BL_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: state.json may be corrupted by anything (a disk error, a user, an
 * attacker with local access); parsing must never crash, and whatever it
 * accepts must serialise and parse back to the same state. Every version it
 * accepts must be a safe folder name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "start/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bl_state state, again;
    char *text = NULL;
    int i;

    if (bl_state_parse((const char *)data, size, &state, NULL) != BL_OK)
        return 0;
    if (!bl_version_is_safe_name(state.current) || (state.previous[0] && !bl_version_is_safe_name(state.previous)))
        __builtin_trap();
    for (i = 0; i < state.blocked_count; i++) {
        if (!bl_version_is_safe_name(state.blocked[i]))
            __builtin_trap();
    }
    if (bl_state_serialize(&state, &text, NULL) != BL_OK)
        return 0;
    if (bl_state_parse(text, strlen(text), &again, NULL) != BL_OK || memcmp(&state, &again, sizeof state) != 0)
        __builtin_trap();
    free(text);
    return 0;
}

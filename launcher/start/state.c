/* SPDX-License-Identifier: Apache-2.0 */
#include "state.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "platform.h"

void bl_state_init(bl_state *state)
{
    memset(state, 0, sizeof *state);
}

static int read_version(const cJSON *root, const char *key, int required, char *out, bl_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!item || cJSON_IsNull(item)) {
        if (required)
            return bl_error_set(err, BL_ECORRUPT, "'%s' is missing", key);
        out[0] = '\0';
        return BL_OK;
    }
    if (!cJSON_IsString(item) || !bl_version_is_safe_name(item->valuestring))
        return bl_error_set(err, BL_ECORRUPT, "'%s' must be a version string like \"1.2.0\"", key);
    strcpy(out, item->valuestring); /* safe name: shorter than BL_VERSION_MAX_TEXT */
    return BL_OK;
}

static int read_count(const cJSON *root, const char *key, int max, int *out, bl_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    double d;
    if (!item) {
        *out = 0;
        return BL_OK;
    }
    d = cJSON_IsNumber(item) ? item->valuedouble : -1;
    if (d != floor(d) || d < 0 || d > max)
        return bl_error_set(err, BL_ECORRUPT, "'%s' must be an integer from 0 to %d", key, max);
    *out = (int)d;
    return BL_OK;
}

int bl_state_parse(const char *text, size_t len, bl_state *out, bl_error *err)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *item, *entry;
    bl_state state;
    int format = 0, rc;

    bl_state_init(&state);
    if (!root || !cJSON_IsObject(root)) {
        rc = bl_error_set(err, BL_ECORRUPT, "not a JSON object");
        goto cleanup;
    }
    if ((rc = read_count(root, "format", 1000, &format, err)) != BL_OK)
        goto cleanup;
    if (format > BL_STATE_FORMAT) {
        rc = bl_error_set(err, BL_ECORRUPT, "format %d is newer than this launcher understands (%d)",
                          format, BL_STATE_FORMAT);
        goto cleanup;
    }
    if ((rc = read_version(root, "current", 1, state.current, err)) != BL_OK ||
        (rc = read_version(root, "previous", 0, state.previous, err)) != BL_OK ||
        (rc = read_version(root, "pending", 0, state.pending, err)) != BL_OK ||
        (rc = read_count(root, "attempts", 1000000, &state.attempts, err)) != BL_OK)
        goto cleanup;
    item = cJSON_GetObjectItemCaseSensitive(root, "trial");
    if (item && !cJSON_IsBool(item)) {
        rc = bl_error_set(err, BL_ECORRUPT, "'trial' must be true or false");
        goto cleanup;
    }
    state.trial = cJSON_IsTrue(item);
    item = cJSON_GetObjectItemCaseSensitive(root, "install_id");
    if (item) {
        size_t n = cJSON_IsString(item) ? strlen(item->valuestring) : 0;
        if (n == 0 || n >= sizeof state.install_id || strspn(item->valuestring, "0123456789abcdef") != n) {
            rc = bl_error_set(err, BL_ECORRUPT, "'install_id' must be lower-case hex digits");
            goto cleanup;
        }
        memcpy(state.install_id, item->valuestring, n + 1);
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "blocked");
    if (item && !cJSON_IsArray(item)) {
        rc = bl_error_set(err, BL_ECORRUPT, "'blocked' must be a list of versions");
        goto cleanup;
    }
    cJSON_ArrayForEach(entry, item) {
        if (!cJSON_IsString(entry) || !bl_version_is_safe_name(entry->valuestring)) {
            rc = bl_error_set(err, BL_ECORRUPT, "'blocked' must be a list of version strings");
            goto cleanup;
        }
        bl_state_block(&state, entry->valuestring);
    }
    *out = state;
    rc = BL_OK;

cleanup:
    cJSON_Delete(root);
    return rc;
}

int bl_state_serialize(const bl_state *state, char **out, bl_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *blocked = NULL;
    char *text = NULL;
    int i, ok;

    ok = root && cJSON_AddNumberToObject(root, "format", BL_STATE_FORMAT) &&
         cJSON_AddStringToObject(root, "current", state->current) &&
         (state->previous[0] ? cJSON_AddStringToObject(root, "previous", state->previous) != NULL
                             : cJSON_AddNullToObject(root, "previous") != NULL) &&
         cJSON_AddBoolToObject(root, "trial", state->trial) &&
         cJSON_AddNumberToObject(root, "attempts", state->attempts) &&
         (blocked = cJSON_AddArrayToObject(root, "blocked")) != NULL &&
         (!state->install_id[0] || cJSON_AddStringToObject(root, "install_id", state->install_id)) &&
         (!state->pending[0] || cJSON_AddStringToObject(root, "pending", state->pending));
    for (i = 0; ok && i < state->blocked_count; i++) {
        cJSON *v = cJSON_CreateString(state->blocked[i]);
        ok = v && cJSON_AddItemToArray(blocked, v);
    }
    if (ok)
        text = cJSON_Print(root); /* indented: people read this file */
    cJSON_Delete(root);
    if (!text)
        return bl_error_set(err, BL_ENOMEM, "out of memory writing state");
    *out = text;
    return BL_OK;
}

int bl_state_load(const char *path, bl_state *out, bl_error *err)
{
    char *text = NULL;
    size_t len;
    int rc = bl_fs_read_all(path, BL_STATE_FILE_MAX, &text, &len, err);
    if (rc == BL_ETOOBIG)
        rc = BL_ECORRUPT;
    if (rc == BL_OK && (rc = bl_state_parse(text, len, out, err)) != BL_OK)
        bl_error_prefix(err, "%s: ", path);
    free(text);
    return rc;
}

int bl_state_save(const char *path, const bl_state *state, bl_error *err)
{
    char *text = NULL;
    int rc = bl_state_serialize(state, &text, err);
    if (rc == BL_OK)
        rc = bl_plat_write_file_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

int bl_state_is_blocked(const bl_state *state, const char *version)
{
    int i;
    for (i = 0; i < state->blocked_count; i++) {
        if (bl_version_compare_text(state->blocked[i], version) == 0)
            return 1;
    }
    return 0;
}

void bl_state_block(bl_state *state, const char *version)
{
    if (!bl_version_is_safe_name(version) || bl_state_is_blocked(state, version))
        return;
    if (state->blocked_count == BL_STATE_MAX_BLOCKED) {
        memmove(state->blocked[0], state->blocked[1], sizeof state->blocked[0] * (BL_STATE_MAX_BLOCKED - 1));
        state->blocked_count--;
    }
    strcpy(state->blocked[state->blocked_count++], version);
}

int bl_state_unblock(bl_state *state, const char *version)
{
    int i, kept = 0, found = 0;
    for (i = 0; i < state->blocked_count; i++) {
        if (bl_version_compare_text(state->blocked[i], version) == 0)
            found = 1;
        else if (kept++ != i)
            memcpy(state->blocked[kept - 1], state->blocked[i], sizeof state->blocked[i]);
    }
    state->blocked_count = kept;
    return found;
}

int bl_state_unblock_file(const char *path, const char *version, int *was_blocked, bl_error *err)
{
    bl_state state;
    int rc = bl_state_load(path, &state, err);
    *was_blocked = 0;
    if (rc == BL_ENOTFOUND)
        return BL_OK;
    if (rc != BL_OK || !(*was_blocked = bl_state_unblock(&state, version)))
        return rc;
    return bl_state_save(path, &state, err);
}

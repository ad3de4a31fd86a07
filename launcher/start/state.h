/* SPDX-License-Identifier: Apache-2.0 */
/* state.json: which version runs, which ran before, whether the current one is
 * still on trial, and which versions must never be offered again. Parsing and
 * serialising are pure; load and save are the I/O edges (save is atomic). */
#ifndef BL_STATE_H
#define BL_STATE_H

#include <stddef.h>

#include "base/error.h"
#include "version.h"

#define BL_STATE_FORMAT 1
#define BL_STATE_MAX_BLOCKED 64
#define BL_STATE_FILE_MAX (64 * 1024)

typedef struct {
    char current[BL_VERSION_MAX_TEXT];  /* "" when unknown */
    char previous[BL_VERSION_MAX_TEXT]; /* "" when none */
    int trial;                          /* current not yet confirmed healthy */
    int attempts;                       /* unconfirmed starts of current */
    char blocked[BL_STATE_MAX_BLOCKED][BL_VERSION_MAX_TEXT];
    int blocked_count;
    char install_id[65];                /* random, persistent: the staged-rollout bucket */
    char pending[BL_VERSION_MAX_TEXT];  /* staged in the background; switched to at the next start */
} bl_state;

void bl_state_init(bl_state *state);

/* Strict: every version must be a safe folder name, counts in range; an
 * unknown key is ignored (a newer launcher may have written it). */
int bl_state_parse(const char *text, size_t len, bl_state *out, bl_error *err);

/* A NUL-terminated JSON text the caller frees. */
int bl_state_serialize(const bl_state *state, char **out, bl_error *err);

/* BL_ENOTFOUND when the file does not exist, BL_ECORRUPT when it does not parse. */
int bl_state_load(const char *path, bl_state *out, bl_error *err);
int bl_state_save(const char *path, const bl_state *state, bl_error *err);

int bl_state_is_blocked(const bl_state *state, const char *version);
/* Adds version to the blocked list (once); the oldest entry gives way when full. */
void bl_state_block(bl_state *state, const char *version);
/* Takes version off the blocked list. Returns 1 if it was there. */
int bl_state_unblock(bl_state *state, const char *version);
/* The same on state.json at path, for a caller holding the installation's
 * lock: *was_blocked says whether anything changed (no file: nothing). A
 * corrupt file is left as it is (BL_ECORRUPT). */
int bl_state_unblock_file(const char *path, const char *version, int *was_blocked, bl_error *err);

#endif

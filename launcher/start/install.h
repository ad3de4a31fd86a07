/* SPDX-License-Identifier: Apache-2.0 */
/* Installed versions under the layout (layout.h): a version folder is
 * complete only when it holds BL_INSTALL_MARKER, written last; anything else
 * in versions/ is the debris of an interrupted install. Which version a
 * launch starts is a pure pick over the state and the complete versions. */
#ifndef BL_INSTALL_H
#define BL_INSTALL_H

#include <stddef.h>

#include "base/error.h"
#include "layout.h"
#include "state.h"

#define BL_INSTALL_MARKER ".bomiot-complete"
#define BL_INSTALL_MAX_VERSIONS 256

typedef struct {
    char names[BL_INSTALL_MAX_VERSIONS][BL_VERSION_MAX_TEXT]; /* sorted, newest last */
    int count;
} bl_version_list;

/* Makes an unpacked versions/<version>.partial count: writes the marker into
 * it, renames it to versions/<version> and flushes the folder entry, so a
 * crash at any point leaves either debris or a complete version. */
int bl_install_commit(const bl_layout *layout, const char *version, bl_error *err);

/* 1 if versions/<version> is complete (holds the marker). */
int bl_install_is_complete(const bl_layout *layout, const char *version);

/* Writes the marker into a fully written version folder, durably. */
int bl_install_mark_complete(const char *version_dir, const char *version, bl_error *err);

/* Complete versions, oldest first by PEP 440. */
int bl_install_list_complete(const bl_layout *layout, bl_version_list *out, bl_error *err);

/* Removes every cached tar of app (cache/tars/<app>-<version>.tar) whose
 * version is not one of keep[0..n): a tar no patch will start from is an
 * app-sized file for nothing. Only the lock holder may call it. report is
 * called once per removal with a sentence for the log. */
void bl_install_prune_tars(const bl_layout *layout, const char *app, const char (*keep)[BL_VERSION_MAX_TEXT], int n,
                           void (*report)(void *ctx, const char *msg), void *ctx);

/* Removes the temporary files an interrupted launcher leaves behind: atomic
 * writes' state.json.tmp.<pid>, cache/last-check.tmp.<pid>,
 * cache/activity.json.tmp.<pid> and cache/metadata/<role>.json.tmp.<pid>, the
 * patcher's cache/tars/<tar>.tmp.XXXXXX and the unpacker's <tar>.tmp. Their
 * names change from run to run, so nothing else ever removes them. Only the
 * lock holder may call it (another launcher's writes look the same); partial
 * downloads in cache/downloads are kept, a resumed download needs them. */
void bl_install_remove_debris(const bl_layout *layout, void (*report)(void *ctx, const char *msg), void *ctx);

/* 1 if list holds exactly this version name. */
int bl_install_list_contains(const bl_version_list *list, const char *version);

/* Removes every folder in versions/ that is not a complete version (unmarked,
 * *.partial, names that are not versions). Only the lock holder may call it:
 * another launcher's unpack in progress looks exactly like debris. report is
 * called once per removal with a sentence for the log. */
int bl_install_remove_incomplete(const bl_layout *layout, void (*report)(void *ctx, const char *msg),
                                 void *ctx, bl_error *err);

/* Pure: which version to start, given the state (state_ok = 0 when it was
 * missing or corrupt) and the complete versions. Prefers state->current; else
 * the newest complete version that is not blocked; else, as a last resort so
 * the user is never left with nothing, the newest complete one even if blocked.
 * Fills why with a sentence when it did not take state->current. BL_ENOTFOUND
 * if nothing is installed. */
int bl_install_pick(const bl_state *state, int state_ok, const bl_version_list *complete,
                    char *picked, char *why, size_t why_size);

#endif

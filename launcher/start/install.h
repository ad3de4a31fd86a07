/* The side-by-side install layout under one root:
 *   <root>/bomiot-launcher[.exe]   the stable entry point
 *   <root>/launcher.json           optional config
 *   <root>/versions/<version>/     one folder per version, never modified after install
 *   <root>/state.json              see state.h
 *   <root>/cache/                  update.log, the lock, metadata, downloads, staging
 * A version folder is complete only when it holds BL_INSTALL_MARKER, written
 * last; anything else in versions/ is the debris of an interrupted install. */
#ifndef BL_INSTALL_H
#define BL_INSTALL_H

#include <stddef.h>

#include "config.h"
#include "base/error.h"
#include "state.h"

#define BL_INSTALL_MARKER ".bomiot-complete"
#define BL_INSTALL_PARTIAL_SUFFIX ".partial"
#define BL_PATH_MAX 4096
#define BL_INSTALL_MAX_VERSIONS 256

/* The paths point into text, packed one after another, so a launch touches
 * one page of it rather than one per path (each page touched at start is a
 * page fault: ~10 us on a virtual machine). It points into itself: pass it
 * by pointer, never copy it. */
typedef struct {
    const char *root, *versions_dir, *cache_dir, *state_path, *config_path, *log_path, *lock_path;
    size_t used;
    char text[7 * BL_PATH_MAX];
} bl_layout;

typedef struct {
    char names[BL_INSTALL_MAX_VERSIONS][BL_VERSION_MAX_TEXT]; /* sorted, newest last */
    int count;
} bl_version_list;

/* Fills every path from the root folder (the launcher executable's folder). */
int bl_install_layout(const char *root, bl_layout *out, bl_error *err);

/* versions/<version> path, after checking version is a safe folder name. */
int bl_install_version_dir(const bl_layout *layout, const char *version, char *out, size_t size,
                           bl_error *err);

/* versions/<version>.partial: where a version is unpacked before it counts. */
int bl_install_partial_dir(const bl_layout *layout, const char *version, char *out, size_t size,
                           bl_error *err);

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

/* 1 if list holds exactly this version name. */
/* Removes the temporary files an interrupted launcher leaves behind: atomic
 * writes' state.json.tmp.<pid> and cache/metadata/<role>.json.tmp.<pid>, the
 * patcher's cache/tars/<tar>.tmp.XXXXXX and the unpacker's <tar>.tmp. Their
 * names change from run to run, so nothing else ever removes them. Only the
 * lock holder may call it (another launcher's writes look the same); partial
 * downloads in cache/downloads are kept, a resumed download needs them. */
int bl_install_remove_debris(const bl_layout *layout, void (*report)(void *ctx, const char *msg), void *ctx);

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

/* versions/<version>/<app_executable>[.exe] */
int bl_install_app_path(const bl_layout *layout, const bl_config *cfg, const char *version,
                        char *out, size_t size, bl_error *err);

#endif

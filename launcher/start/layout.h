/* SPDX-License-Identifier: Apache-2.0 */
/* One home for the install layout, as git's path.h is for a repository's
 * files: every path under the root comes from here, so no caller joins
 * "cache" or "state.json" by hand.
 *   <root>/bomiot-launcher[.exe]        the stable entry point
 *   <root>/bomiot-launcher.new[.exe]    a release's launcher, staged to replace it
 *   <root>/bomiot-launcher.old[.exe]    the launcher it replaced, until the new one runs
 *   <root>/launcher.json                optional config, the publisher's (config.h)
 *   <root>/launcher.user.json           optional config, the user's: wins over it
 *   <root>/state.json                   see state.h
 *   <root>/versions/<version>/          one folder per version, never modified after install
 *   <root>/versions/<version>.partial/  a version being unpacked (install.h)
 *   <root>/resources/root.json          the trusted root the installer shipped
 *   <root>/cache/update.log             the log (log.h), rotated to .1 .. .3
 *   <root>/cache/launcher.lock          held by the launcher that does maintenance
 *   <root>/cache/metadata/              verified TUF metadata; its root.json, once
 *                                       there, is newer than the shipped one
 *   <root>/cache/downloads/             downloads, kept when partial to resume them
 *   <root>/cache/tars/<app>-<v>.tar     the current version's tar, a patch's base
 *   <root>/cache/app-healthy            the app's health file (supervise.h)
 *   <root>/cache/update-ready           written when an update is staged (background.h)
 *   <root>/cache/update-failures        updates at launch that failed in a row (main.c)
 *   <root>/cache/last-check             when the server was last asked (checks.h)
 *   <root>/cache/activity.json          what the lock holder is doing now, for --status (activity.h) */
#ifndef BL_LAYOUT_H
#define BL_LAYOUT_H

#include <stddef.h>

#include "base/error.h"
#include "base/fsutil.h"

#define BL_LAYOUT_PATHS 21
#define BL_LAYOUT_LAUNCHER "bomiot-launcher"
#define BL_LAYOUT_PARTIAL_SUFFIX ".partial"

/* The paths point into text, packed one after another, so a launch touches
 * one page of it rather than one per path (each page touched at start is a
 * page fault: ~10 us on a virtual machine). It points into itself: pass it
 * by pointer, never copy it. */
typedef struct {
    const char *root, *versions_dir, *cache_dir, *state_path, *config_path, *user_config_path, *log_path;
    const char *lock_path;
    const char *metadata_dir, *downloads_dir, *tars_dir;
    const char *shipped_root, *cached_root; /* resources/root.json, cache/metadata/root.json */
    const char *health_file, *ready_file, *failures_path, *checks_path;
    const char *activity_path;
    const char *reports_dir; /* reports/: users' trial reports on a machine-wide install (trial_report.h) */
    const char *staged_launcher, *old_launcher; /* selfupdate.h */
    size_t used;
    char text[BL_LAYOUT_PATHS * BL_PATH_MAX];
} bl_layout;

/* Fills every path from the root folder (the launcher executable's folder).
 * BL_ETOOBIG when the root is too long for them. */
int bl_layout_init(const char *root, bl_layout *out, bl_error *err);

/* versions/<version>, after checking version is a safe folder name. */
int bl_layout_version_dir(const bl_layout *layout, const char *version, char *out, size_t size, bl_error *err);

/* versions/<version>.partial: where a version is unpacked before it counts. */
int bl_layout_partial_dir(const bl_layout *layout, const char *version, char *out, size_t size, bl_error *err);

/* versions/<version>/<executable>, with the platform's ".exe" added where
 * the name lacks it (so "bomiot" in a shared launcher.json means bomiot.exe
 * on Windows). */
int bl_layout_app_path(const bl_layout *layout, const char *executable, const char *version, char *out,
                       size_t size, bl_error *err);

/* A path launcher.json names (ca_file, watch_dir; splash_image goes through
 * bl_splash_resolve_path, to the same effect): itself when absolute ("/x",
 * "\\x", "C:..."), else under the install root, never the working folder,
 * which is the user's (a menu, a terminal anywhere). BL_ETOOBIG if it does
 * not fit. */
int bl_layout_resolve(const bl_layout *layout, const char *path, char *out, size_t size, bl_error *err);

/* cache/tars/<app>-<version>.tar: the tar a version was installed from,
 * kept as the base of the next patch. */
int bl_layout_tar_path(const bl_layout *layout, const char *app, const char *version, char *out, size_t size,
                       bl_error *err);

#endif

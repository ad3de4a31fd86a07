/* SPDX-License-Identifier: Apache-2.0 */
#include "layout.h"

#include <stdio.h>
#include <string.h>

#include "platform.h"
#include "version.h"

/* Appends dir/name (or dir alone) to the layout's text; *out points to it. */
static int add_path(bl_layout *l, const char **out, const char *dir, const char *name, bl_error *err)
{
    char *dst = l->text + l->used; /* BL_LAYOUT_PATHS paths of under BL_PATH_MAX bytes each always fit */

    if (name ? bl_fs_join(dst, BL_PATH_MAX, dir, name) != BL_OK
             : snprintf(dst, BL_PATH_MAX, "%s", dir) >= BL_PATH_MAX)
        return bl_error_set(err, BL_ETOOBIG, "install folder path too long: %s", dir);
    *out = dst;
    l->used += strlen(dst) + 1;
    return BL_OK;
}

int bl_layout_init(const char *root, bl_layout *out, bl_error *err)
{
    int rc;

    /* Not zeroed whole: tens of kB of page faults for nothing. Every path
     * reads "" until it is filled, so a failure leaves none dangling. */
    out->used = 0;
    out->root = out->versions_dir = out->cache_dir = out->state_path = out->config_path = out->user_config_path = "";
    out->log_path = out->lock_path = out->metadata_dir = out->downloads_dir = out->tars_dir = "";
    out->shipped_root = out->cached_root = out->health_file = out->ready_file = out->failures_path = "";
    out->checks_path = out->activity_path = out->reports_dir = "";
    out->staged_launcher = out->old_launcher = "";
    if ((rc = add_path(out, &out->root, root, NULL, err)) != BL_OK ||
        (rc = add_path(out, &out->versions_dir, root, "versions", err)) != BL_OK ||
        (rc = add_path(out, &out->cache_dir, root, "cache", err)) != BL_OK ||
        (rc = add_path(out, &out->state_path, root, "state.json", err)) != BL_OK ||
        (rc = add_path(out, &out->config_path, root, "launcher.json", err)) != BL_OK ||
        (rc = add_path(out, &out->user_config_path, root, "launcher.user.json", err)) != BL_OK ||
        (rc = add_path(out, &out->shipped_root, root, "resources/root.json", err)) != BL_OK ||
        (rc = add_path(out, &out->reports_dir, root, "reports", err)) != BL_OK ||
        (rc = add_path(out, &out->staged_launcher, root, BL_LAYOUT_LAUNCHER ".new" BL_EXE_SUFFIX, err)) != BL_OK ||
        (rc = add_path(out, &out->old_launcher, root, BL_LAYOUT_LAUNCHER ".old" BL_EXE_SUFFIX, err)) != BL_OK ||
        (rc = add_path(out, &out->log_path, out->cache_dir, "update.log", err)) != BL_OK ||
        (rc = add_path(out, &out->lock_path, out->cache_dir, "launcher.lock", err)) != BL_OK ||
        (rc = add_path(out, &out->metadata_dir, out->cache_dir, "metadata", err)) != BL_OK ||
        (rc = add_path(out, &out->cached_root, out->metadata_dir, "root.json", err)) != BL_OK ||
        (rc = add_path(out, &out->downloads_dir, out->cache_dir, "downloads", err)) != BL_OK ||
        (rc = add_path(out, &out->tars_dir, out->cache_dir, "tars", err)) != BL_OK ||
        (rc = add_path(out, &out->health_file, out->cache_dir, "app-healthy", err)) != BL_OK ||
        (rc = add_path(out, &out->ready_file, out->cache_dir, "update-ready", err)) != BL_OK ||
        (rc = add_path(out, &out->failures_path, out->cache_dir, "update-failures", err)) != BL_OK ||
        (rc = add_path(out, &out->checks_path, out->cache_dir, "last-check", err)) != BL_OK ||
        (rc = add_path(out, &out->activity_path, out->cache_dir, "activity.json", err)) != BL_OK)
        return rc;
    return BL_OK;
}

int bl_layout_version_dir(const bl_layout *layout, const char *version, char *out, size_t size, bl_error *err)
{
    if (!bl_version_is_safe_name(version))
        return bl_error_set(err, BL_EINVAL, "'%.64s' is not a valid version folder name", version);
    if (bl_fs_join(out, size, layout->versions_dir, version) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long for version %s", version);
    return BL_OK;
}

int bl_layout_partial_dir(const bl_layout *layout, const char *version, char *out, size_t size, bl_error *err)
{
    char dir[BL_PATH_MAX];
    int rc = bl_layout_version_dir(layout, version, dir, sizeof dir, err);
    if (rc != BL_OK)
        return rc;
    if ((size_t)snprintf(out, size, "%s" BL_LAYOUT_PARTIAL_SUFFIX, dir) >= size)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", dir);
    return BL_OK;
}

int bl_layout_app_path(const bl_layout *layout, const char *executable, const char *version, char *out,
                       size_t size, bl_error *err)
{
    char dir[BL_PATH_MAX], exe[300];
    size_t n = strlen(executable), sn = strlen(BL_EXE_SUFFIX);
    int rc = bl_layout_version_dir(layout, version, dir, sizeof dir, err);
    if (rc != BL_OK)
        return rc;
    if (sn > 0 && (n < sn || strcmp(executable + n - sn, BL_EXE_SUFFIX) != 0))
        snprintf(exe, sizeof exe, "%s%s", executable, BL_EXE_SUFFIX);
    else
        snprintf(exe, sizeof exe, "%s", executable);
    if (bl_fs_join(out, size, dir, exe) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s/%s", dir, exe);
    return BL_OK;
}

int bl_layout_tar_path(const bl_layout *layout, const char *app, const char *version, char *out, size_t size,
                       bl_error *err)
{
    char name[2 * BL_VERSION_MAX_TEXT + 80];
    if ((size_t)snprintf(name, sizeof name, "%s-%s.tar", app, version) >= sizeof name ||
        bl_fs_join(out, size, layout->tars_dir, name) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long for the tar of %.64s %.64s", app, version);
    return BL_OK;
}

int bl_layout_resolve(const bl_layout *layout, const char *path, char *out, size_t size, bl_error *err)
{
    const int absolute = path[0] == '/' || path[0] == '\\' ||
                         (((path[0] | 0x20) >= 'a' && (path[0] | 0x20) <= 'z') && path[1] == ':');
    int n = absolute ? snprintf(out, size, "%s", path) : bl_fs_join(out, size, layout->root, path);
    if (absolute ? n < 0 || (size_t)n >= size : n != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %.200s", path);
    return BL_OK;
}

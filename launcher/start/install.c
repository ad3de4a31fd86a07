/* SPDX-License-Identifier: Apache-2.0 */
#include "install.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "platform.h"

int bl_install_commit(const bl_layout *layout, const char *version, bl_error *err)
{
    char partial[BL_PATH_MAX], final[BL_PATH_MAX];
    int rc;

    if ((rc = bl_layout_partial_dir(layout, version, partial, sizeof partial, err)) != BL_OK ||
        (rc = bl_layout_version_dir(layout, version, final, sizeof final, err)) != BL_OK)
        return rc;
    if (bl_fs_exists(final))
        return bl_error_set(err, BL_EINVAL, "version %s is already installed", version);
    if ((rc = bl_install_mark_complete(partial, version, err)) != BL_OK)
        return rc;
    /* A folder rename: atomic within versions/, and durable once the folder is flushed. */
    return bl_plat_replace_file(partial, final, err);
}

int bl_install_is_complete(const bl_layout *layout, const char *version)
{
    char dir[BL_PATH_MAX], marker[BL_PATH_MAX];
    return bl_layout_version_dir(layout, version, dir, sizeof dir, NULL) == BL_OK &&
           bl_fs_join(marker, sizeof marker, dir, BL_INSTALL_MARKER) == BL_OK && bl_fs_is_dir(dir) &&
           bl_fs_exists(marker);
}

int bl_install_mark_complete(const char *version_dir, const char *version, bl_error *err)
{
    char marker[BL_PATH_MAX], text[128];
    int n;
    if (bl_fs_join(marker, sizeof marker, version_dir, BL_INSTALL_MARKER) != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", version_dir);
    n = snprintf(text, sizeof text, "{\"version\": \"%s\"}\n", version);
    /* Atomic and durable: the marker must never exist before the files it vouches for
     * (they are flushed by the unpacker before this call). */
    return bl_plat_write_file_atomic(marker, text, (size_t)n, err);
}

typedef struct {
    const bl_layout *layout;
    bl_version_list *list;
} list_ctx;

static int collect_complete(void *ctx, const char *name, int is_dir)
{
    list_ctx *lc = ctx;
    if (!is_dir || !bl_install_is_complete(lc->layout, name))
        return 0;
    if (lc->list->count < BL_INSTALL_MAX_VERSIONS)
        strcpy(lc->list->names[lc->list->count++], name);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return bl_version_compare_text(a, b);
}

int bl_install_list_complete(const bl_layout *layout, bl_version_list *out, bl_error *err)
{
    list_ctx lc = {layout, out};
    int rc;
    out->count = 0;
    rc = bl_fs_list_dir(layout->versions_dir, collect_complete, &lc, err);
    if (rc == BL_ENOTFOUND)
        rc = BL_OK; /* no versions/ yet: nothing installed */
    if (rc != BL_OK)
        return rc;
    qsort(out->names, (size_t)out->count, sizeof out->names[0], compare_names);
    return BL_OK;
}

typedef struct {
    const bl_layout *layout;
    void (*report)(void *ctx, const char *msg);
    void *report_ctx;
    bl_error *err;
    int failures;
} cleanup_ctx;

static int remove_if_incomplete(void *ctx, const char *name, int is_dir)
{
    cleanup_ctx *cc = ctx;
    char path[BL_PATH_MAX], msg[BL_PATH_MAX + 512];
    bl_error err;

    if (is_dir && bl_install_is_complete(cc->layout, name))
        return 0;
    if (bl_fs_join(path, sizeof path, cc->layout->versions_dir, name) != BL_OK)
        return 0;
    if (bl_fs_remove_tree(path, &err) != BL_OK) {
        snprintf(msg, sizeof msg, "could not remove incomplete install %s: %s", path, err.msg);
        cc->failures++;
    } else {
        snprintf(msg, sizeof msg, "removed incomplete install %s (%s)", path,
                 !is_dir ? "not a folder" : !bl_version_is_safe_name(name) ? "not a version folder"
                                                                          : "no completion marker");
    }
    if (cc->report)
        cc->report(cc->report_ctx, msg);
    return 0;
}

int bl_install_remove_incomplete(const bl_layout *layout, void (*report)(void *ctx, const char *msg),
                                 void *ctx, bl_error *err)
{
    cleanup_ctx cc = {layout, report, ctx, err, 0};
    int rc = bl_fs_list_dir(layout->versions_dir, remove_if_incomplete, &cc, err);
    if (rc == BL_ENOTFOUND)
        return BL_OK;
    if (rc == BL_OK && cc.failures > 0)
        return bl_error_set(err, BL_EIO, "%d incomplete install(s) could not be removed", cc.failures);
    return rc;
}

int bl_install_list_contains(const bl_version_list *list, const char *version)
{
    int i;
    for (i = 0; i < list->count; i++) {
        if (strcmp(list->names[i], version) == 0)
            return 1;
    }
    return 0;
}

int bl_install_pick(const bl_state *state, int state_ok, const bl_version_list *complete,
                    char *picked, char *why, size_t why_size)
{
    int i;
    why[0] = '\0';
    if (state_ok && state->current[0] && bl_install_list_contains(complete, state->current)) {
        strcpy(picked, state->current);
        return BL_OK;
    }
    if (complete->count == 0) {
        snprintf(why, why_size, "no complete version is installed");
        return BL_ENOTFOUND;
    }
    for (i = complete->count - 1; i >= 0; i--) {
        if (!bl_state_is_blocked(state, complete->names[i]))
            break;
    }
    if (i < 0)
        i = complete->count - 1; /* every version blocked: start something rather than nothing */
    strcpy(picked, complete->names[i]);
    if (!state_ok)
        snprintf(why, why_size, "state.json was missing or unreadable; chose the newest complete version %s",
                 picked);
    else
        snprintf(why, why_size, "current version %s is not installed completely; chose %s",
                 state->current[0] ? state->current : "(none)", picked);
    return BL_OK;
}

typedef struct {
    const char *dir;
    const char *prefix; /* only names starting with it; NULL: any name */
    void (*report)(void *ctx, const char *msg);
    void *report_ctx;
} debris_ctx;

static int remove_if_temporary(void *ctx, const char *name, int is_dir)
{
    debris_ctx *dc = ctx;
    char path[BL_PATH_MAX], msg[BL_PATH_MAX + 64];
    size_t len = strlen(name);
    int temporary = strstr(name, ".tmp.") != NULL || (len > 4 && strcmp(name + len - 4, ".tmp") == 0);

    if (is_dir || !temporary || (dc->prefix && strncmp(name, dc->prefix, strlen(dc->prefix)) != 0) ||
        bl_fs_join(path, sizeof path, dc->dir, name) != BL_OK)
        return 0;
    if (remove(path) == 0) {
        snprintf(msg, sizeof msg, "removed %s, left by an interrupted run", path);
        if (dc->report)
            dc->report(dc->report_ctx, msg);
    }
    return 0;
}

void bl_install_remove_debris(const bl_layout *layout, void (*report)(void *ctx, const char *msg), void *ctx)
{
    debris_ctx dirs[5] = {{layout->root, "state.json.", report, ctx},
                          {layout->cache_dir, "last-check.", report, ctx},
                          {layout->cache_dir, "activity.json.", report, ctx},
                          {layout->metadata_dir, NULL, report, ctx},
                          {layout->tars_dir, NULL, report, ctx}};
    bl_error ignored;
    int i;

    for (i = 0; i < 5; i++)
        bl_fs_list_dir(dirs[i].dir, remove_if_temporary, &dirs[i], &ignored); /* a missing folder holds no debris */
}

typedef struct {
    const bl_layout *layout;
    const char *app;
    const char (*keep)[BL_VERSION_MAX_TEXT];
    int n;
    void (*report)(void *ctx, const char *msg);
    void *report_ctx;
} tar_prune;

static int remove_if_not_kept(void *ctx, const char *name, int is_dir)
{
    tar_prune *tp = ctx;
    char path[BL_PATH_MAX], msg[BL_PATH_MAX + 64];
    size_t len = strlen(name), app_len = strlen(tp->app), version_len;
    const char *version;
    bl_error err;
    int i;

    if (is_dir || len <= app_len + 5 || strncmp(name, tp->app, app_len) != 0 || name[app_len] != '-' ||
        strcmp(name + len - 4, ".tar") != 0)
        return 0; /* not a cached tar of this app (debris has its own cleanup) */
    version = name + app_len + 1; /* <app>-<version>.tar */
    version_len = len - app_len - 1 - 4;
    for (i = 0; i < tp->n; i++) {
        if (strlen(tp->keep[i]) == version_len && strncmp(version, tp->keep[i], version_len) == 0)
            return 0;
    }
    if (bl_fs_join(path, sizeof path, tp->layout->tars_dir, name) == BL_OK && bl_fs_remove_tree(path, &err) == BL_OK &&
        tp->report) {
        snprintf(msg, sizeof msg, "removed %s, a cached tar no update will start from", path);
        tp->report(tp->report_ctx, msg);
    }
    return 0;
}

void bl_install_prune_tars(const bl_layout *layout, const char *app, const char (*keep)[BL_VERSION_MAX_TEXT], int n,
                           void (*report)(void *ctx, const char *msg), void *ctx)
{
    tar_prune tp = {layout, app, keep, n, report, ctx};
    bl_error ignored;
    bl_fs_list_dir(layout->tars_dir, remove_if_not_kept, &tp, &ignored); /* no folder: no tars */
}

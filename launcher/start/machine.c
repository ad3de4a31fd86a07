/* SPDX-License-Identifier: Apache-2.0 */
/* Installs a user may not write (issue 26, docs/deploy.md "Machine-wide
 * installs"): install.sh --system's /opt/<id>, owned by root, which every
 * user of the machine starts.
 *   - A user's launcher there runs read-only, decided once from whether it
 *     may write the root (launch_open_log): it never tries to (no lock, no
 *     state.json, no cache/, no versions/ change, no updater), logs to the
 *     user's own folder, and starts the current version.
 *   - The machine's updater, `bomiot-launcher --update-only` run by the
 *     owner (a systemd timer as root), takes the lock and updates as a
 *     per-user launcher does, starting nothing; each user's next start
 *     runs the new version.
 *   - Nobody removes a version an app runs from: every launcher holds its
 *     version's marker file shared while the app runs (opened read-only,
 *     which any user may), and the pruner removes a version only once it
 *     has locked that marker exclusively.
 *   - A version on trial is judged by the users who run it: each reports
 *     its verdict into reports/, and the updater reads the reports first
 *     and rolls back or confirms for everyone (machine_report.c). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "base/fsutil.h"
#include "check_event.h"
#include "checks.h"
#include "install.h"
#include "launch.h"
#include "log.h"
#include "trial.h"

#define EXIT_UPDATE_FAILED 1

static void log_info(void *ctx, const char *message)
{
    bl_log(BL_LOG_INFO, (const char *)ctx, "%s", message);
}

/* The root's own folder name (/opt/<id>: the id install.sh gave it) names
 * the user's log folder, so two apps on one machine keep apart. */
static const char *root_name(const char *root)
{
    const char *name = root, *p;
    for (p = root; *p; p++)
        if ((*p == '/' || *p == '\\') && p[1])
            name = p + 1;
    return name;
}

static int open_user_log(launch_context *l, bl_error *err)
{
    char dir[BL_PATH_MAX], name[256];
    size_t n = strcspn(root_name(l->layout.root), "/\\");
    int rc;
    if (n == 0 || n >= sizeof name)
        return bl_error_set(err, BL_EINVAL, "the install root %s has no folder name to log under", l->layout.root);
    memcpy(name, root_name(l->layout.root), n);
    name[n] = '\0';
    if ((rc = bl_plat_user_state_dir(name, dir, sizeof dir, err)) != BL_OK)
        return rc;
    if (bl_fs_join(l->user_log_path, sizeof l->user_log_path, dir, "update.log") != BL_OK)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", dir);
    l->layout.log_path = l->user_log_path; /* --print-config shows it */
    if ((rc = bl_fs_mkdir_p(dir, err)) != BL_OK)
        return rc;
    /* The app confirms a trial run the user reports (machine_report.c) by a
     * file it may create: the user's, not the root's cache/. */
    if (bl_fs_join(l->user_health_path, sizeof l->user_health_path, dir, "app-healthy") == BL_OK)
        l->layout.health_file = l->user_health_path;
    return bl_log_open(l->layout.log_path, BL_LOG_DEFAULT_MAX_BYTES, BL_LOG_DEFAULT_KEEP, err);
}

void launch_open_log(launch_context *l)
{
    bl_error err;
    l->read_only = !bl_plat_dir_writable(l->layout.root);
    if (!l->read_only) {
        /* A full disk must not stop the app: without a log file, lines go to stderr. */
        if (bl_fs_mkdir_p(l->layout.cache_dir, &err) != BL_OK ||
            bl_log_open(l->layout.log_path, BL_LOG_DEFAULT_MAX_BYTES, BL_LOG_DEFAULT_KEEP, &err) != BL_OK)
            bl_log(BL_LOG_WARN, "log", "%s; logging to stderr only", err.msg);
        return;
    }
    if (open_user_log(l, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "log", "%s; logging to stderr only", err.msg);
    bl_log(BL_LOG_INFO, "launch", "read-only: this user may not write %s (a machine-wide install); starting the "
           "installed version without maintenance or updates, which the machine's updater does "
           "(bomiot-launcher --update-only)", l->layout.root);
}

static int marker_path(const launch_context *l, const char *version, char *out, size_t size, bl_error *err)
{
    char dir[BL_PATH_MAX];
    int rc;
    if ((rc = bl_layout_version_dir(&l->layout, version, dir, sizeof dir, err)) != BL_OK)
        return rc;
    return bl_fs_join(out, size, dir, BL_INSTALL_MARKER) == BL_OK ? BL_OK
                                                                   : bl_error_set(err, BL_ETOOBIG, "path too long: %s", dir);
}

/* The marker is unlinked by the pruner while it holds the lock exclusively
 * (remove_version): a lock taken on a marker still there is one no pruner
 * got first. */
static int try_hold(launch_context *l, bl_error *err)
{
    char marker[BL_PATH_MAX];
    int rc;
    if ((rc = marker_path(l, l->state.current, marker, sizeof marker, err)) != BL_OK ||
        (rc = bl_plat_lock_shared_try(marker, &l->version_lock, err)) != BL_OK)
        return rc;
    if (bl_fs_exists(marker))
        return BL_OK;
    launch_release_version(l);
    return bl_error_set(err, BL_ENOTFOUND, "version %s was removed as it started", l->state.current);
}

void launch_hold_version(launch_context *l)
{
    char version[BL_VERSION_MAX_TEXT], why[512];
    bl_version_list complete;
    bl_error err;
    int tries;

    launch_release_version(l);
    for (tries = 0; try_hold(l, &err) != BL_OK; tries++) {
        /* Only a launcher without the lock can race a pruner (the lock
         * holder is the only one); it picks again, as a launch does. */
        if (l->lock || tries == 2 || bl_install_list_complete(&l->layout, &complete, &err) != BL_OK)
            break;
        if (bl_state_load(l->layout.state_path, &l->state, &err) != BL_OK)
            bl_state_init(&l->state);
        if (bl_install_pick(&l->state, l->state.current[0] != '\0', &complete, version, why, sizeof why) != BL_OK)
            break;
        snprintf(l->state.current, sizeof l->state.current, "%s", version);
    }
    if (!l->version_lock)
        bl_log(BL_LOG_WARN, "launch", "%s; version %s starts without its in-use lock, and an update may remove it "
               "while it runs", err.msg, l->state.current);
}

void launch_release_version(launch_context *l)
{
    bl_plat_lock_release(l->version_lock);
    l->version_lock = NULL;
}

/* Removes one version no app runs from: BL_EBUSY, with nothing removed,
 * when a launcher holds its marker. The marker goes first, under the lock:
 * from then on no launcher picks or holds the version. */
static int remove_version(launch_context *l, const char *version, bl_error *err)
{
    char dir[BL_PATH_MAX], marker[BL_PATH_MAX];
    bl_plat_lock *lock;
    int rc;
    if ((rc = bl_layout_version_dir(&l->layout, version, dir, sizeof dir, err)) != BL_OK ||
        (rc = marker_path(l, version, marker, sizeof marker, err)) != BL_OK ||
        (rc = bl_plat_lock_try(marker, &lock, err)) != BL_OK)
        return rc;
    rc = bl_fs_remove_tree(marker, err);
    bl_plat_lock_release(lock); /* before the folder goes: Windows removes an open file only once it is closed */
    return rc == BL_OK ? bl_fs_remove_tree(dir, err) : rc;
}

static void prune_versions(launch_context *l)
{
    char prunable[BL_INSTALL_MAX_VERSIONS][BL_VERSION_MAX_TEXT];
    bl_version_list complete;
    bl_error err;
    int i, n, rc;

    if (!l->lock || bl_install_list_complete(&l->layout, &complete, &err) != BL_OK)
        return;
    n = bl_trial_prunable(&l->state, &complete, (int)l->cfg.keep_versions, prunable, BL_INSTALL_MAX_VERSIONS);
    for (i = 0; i < n; i++) {
        if ((rc = remove_version(l, prunable[i], &err)) == BL_EBUSY)
            bl_log(BL_LOG_INFO, "install", "kept old version %s: an app started from it still runs (it goes once "
                   "none does)", prunable[i]);
        else if (rc != BL_OK)
            bl_log(BL_LOG_WARN, "install", "could not remove old version %s: %s", prunable[i], err.msg);
        else
            bl_log(BL_LOG_INFO, "install", "removed old version %s (keep_versions %lld)", prunable[i],
                   (long long)l->cfg.keep_versions);
    }
}

/* What a change of version leaves behind: version folders beyond
 * keep_versions and blocked ones, and cached tars no patch will start from
 * (the previous version's stays while the current one is on trial). */
void launch_prune_caches(launch_context *l)
{
    char keep[3][BL_VERSION_MAX_TEXT];
    if (!l->lock)
        return;
    prune_versions(l);
    bl_install_prune_tars(&l->layout, l->cfg.app_name, (const char (*)[BL_VERSION_MAX_TEXT])keep,
                          bl_trial_tars_kept(&l->state, keep), log_info, "install");
}

/* --- --update-only ---------------------------------------------------------- */

/* One check, install and switch, with no splash and no time box (a
 * service waits); last-check notes it for --status. */
static int update_now(launch_context *l)
{
    bl_update_request req;
    bl_update_result res;
    uv_timeval64_t now;
    bl_checks checks;
    bl_error err;
    int rc;

    if (!l->cfg.auto_update) {
        bl_log(BL_LOG_INFO, "update", "not checking: auto_update is false (--print-config says who set it)");
        return 0;
    }
    if (!launch_update_module(l)) {
        bl_log(BL_LOG_ERROR, "update", "%s", l->update_module_err.msg);
        return EXIT_UPDATE_FAILED;
    }
    memset(&req, 0, sizeof req);
    memset(&res, 0, sizeof res);
    uv_gettimeofday(&now);
    req.layout = &l->layout;
    req.cfg = &l->cfg;
    req.state = &l->state;
    req.now = now.tv_sec;
    req.install = 1;
    bl_log(BL_LOG_INFO, "update", "checking %s", l->cfg.update_url);
    rc = l->update_module->update_run(&req, &res, &err);
    bl_checks_load(l->layout.checks_path, &checks);
    bl_checks_note(&checks, rc == BL_OK, req.now);
    if (rc != BL_OK) {
        bl_log(BL_LOG_ERROR, "update", "%s", err.msg);
    } else {
        bl_log(BL_LOG_INFO, "update", "%s", res.why);
        if (res.installed) { /* as an update at launch switches: on trial */
            bl_trial_begin(&l->state, res.version);
            launch_save_state(l);
            bl_log(BL_LOG_INFO, "update", "switched to %s: each user's next start runs it", res.version);
        }
    }
    if (bl_checks_save(l->layout.checks_path, &checks, &err) != BL_OK) /* after state.json: launch_update.c */
        bl_log(BL_LOG_WARN, "update", "%s", err.msg);
    return rc != BL_OK ? EXIT_UPDATE_FAILED : res.installed ? BL_CHECK_EXIT_STAGED : 0;
}

int command_update_only(launch_context *l, char *exe, int argc, char **argv)
{
    char root[BL_PATH_MAX];
    bl_error err;
    int rc, spool;

    if (argc != 2) {
        fprintf(stderr, "bomiot-launcher: usage: bomiot-launcher --update-only\n");
        return 2;
    }
    if (launch_locate_root(exe, root, sizeof root, &err) != BL_OK || bl_layout_init(root, &l->layout, &err) != BL_OK) {
        launch_print_error(&err, "");
        return EXIT_UPDATE_FAILED;
    }
    if (!bl_plat_dir_writable(l->layout.root)) {
        bl_error_set(&err, BL_EDENIED, "--update-only updates %s, which this user may not write", l->layout.root);
        launch_print_error(&err, "; run it as the installation's owner, as the machine's updater does (the "
                           "bomiot-<id>-update service; on Windows the scheduled task <id>\\<id> update)");
        return EXIT_UPDATE_FAILED;
    }
    if (bl_fs_mkdir_p(l->layout.cache_dir, &err) != BL_OK ||
        bl_log_open(l->layout.log_path, BL_LOG_DEFAULT_MAX_BYTES, BL_LOG_DEFAULT_KEEP, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "log", "%s; logging to stderr only", err.msg);
    launch_load_config(l);
    l->cfg.splash = 0; /* no window, even for a rollback, when an administrator runs it on a desktop */
    bl_log(BL_LOG_INFO, "launch", "bomiot-launcher %s in %s: update only (--update-only)", BL_VERSION_STRING,
           l->layout.root);
    if ((rc = launch_take_lock(l, &err)) != BL_OK) {
        bl_log(rc == BL_EBUSY ? BL_LOG_INFO : BL_LOG_ERROR, "launch", "%s; not updating now", err.msg);
        bl_log_close();
        return rc == BL_EBUSY ? BL_CHECK_EXIT_BUSY : EXIT_UPDATE_FAILED;
    }
    if (launch_maintain(l) != 0) {
        rc = EXIT_UPDATE_FAILED; /* nothing installed: said in the log; an installer puts the first version */
    } else {
        /* Users' verdicts first (machine_report.c): a crash reported on
         * the version on trial rolls it back before anything else. */
        spool = launch_read_reports(l);
        launch_switch_to_pending(l, "staged in the background");
        if (l->state.trial && spool) {
            /* As a per-user launcher does, nothing is installed while a
             * version is on trial: its first runs are judged first. */
            bl_log(BL_LOG_INFO, "update", "version %s is on trial until a user's run of it is reported "
                   "(reports/); not checking for updates now", l->state.current);
            rc = 0;
        } else {
            /* Without reports/ (an install made before it) no user can
             * report a trial: the next run confirms it. */
            if (l->state.trial)
                launch_confirm(l, "the machine's updater runs again after switching to it (this install has no "
                               "reports/ folder for users' launchers to report a trial)");
            else
                launch_prune_caches(l); /* versions kept earlier because an app ran from them */
            /* A confirmed version's launcher replaces this one here, as a
             * user's launcher would on a per-user install (theirs cannot
             * write the root): restarted with --update-only, it checks.
             * On Windows the new one runs detached and this one ends with 0;
             * the swap is done by then, so even a task that ends its
             * children leaves the new launcher in place (checked next run). */
            rc = launch_update_launcher(l, exe, argv) ? 0 : update_now(l);
        }
    }
    bl_plat_lock_release(l->lock);
    l->lock = NULL;
    bl_progress_free(l->progress); /* a rollback's sentence, made for a splash */
    l->progress = NULL;
    bl_log_close();
    return rc;
}

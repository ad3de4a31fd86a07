/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot-launcher: the entry point a user's icon points to.
 * The path reads top to bottom in launch_app: locate the install root, open
 * the log, read the config, take the lock, clean up, pick the version from
 * state.json, switch to a version staged in the background, update at launch
 * (the update module: trust, plan, fetch, delta, unpack, behind the splash),
 * count a trial start, replace the launcher itself if the version carries a
 * new one, then start the app and supervise it (rollback of a version that
 * crashes on trial, background updates while it runs). Nothing here may stop
 * the installed app from starting: every failure before the start is logged
 * and worked around. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "base/fsutil.h"
#include "config.h"
#include "i18n.h"
#include "install.h"
#include "launch.h"
#include "log.h"
#include "platform.h"
#include "progress.h"
#include "proxy.h"
#include "rollout.h"
#include "selfupdate.h"
#include "splash.h"
#include "state.h"
#include "supervise.h"
#include "trial.h"
#include "update/update_module.h"

static void print_help(FILE *out)
{
    fprintf(out,
            "Usage: bomiot-launcher [ARGS...]\n"
            "       bomiot-launcher --help | --version | --print-config | --self-check\n"
            "       bomiot-launcher --unblock VERSION\n"
            "       bomiot-launcher --switch-to VERSION\n"
            "       bomiot-launcher --installed-version | --display-name\n"
            "       bomiot-launcher --compare-versions A B\n"
            "       bomiot-launcher --status [--json]\n"
            "       bomiot-launcher --check [--json]\n"
            "       bomiot-launcher --update-only\n"
            "       bomiot-launcher --restart-after PID [-- ARGS...]\n"
            "       bomiot-launcher -- ARGS...\n"
            "\n"
            "Starts the installed Bomiot app from the folder this launcher is in,\n"
            "passing ARGS, the working folder and the environment through unchanged,\n"
            "and exits with the app's exit code.\n"
            "\n"
            "Launcher options are recognised only as the first argument, and only\n"
            "under the launcher's own name: everything else, everything after a\n"
            "leading --, and every argument under another name (a command link such\n"
            "as ~/.local/bin/bomiot) goes to the app.\n"
            "  --help          show this help\n"
            "  --version       show the launcher's version\n"
            "  --print-config  show the effective configuration and where each value\n"
            "                  came from (default, launcher.json, launcher.user.json,\n"
            "                  environment, machine policy)\n"
            "  --self-check    check that the update and splash modules beside the\n"
            "                  launcher load and belong to it (exit 0), as a\n"
            "                  self-update does before it switches to a new launcher\n"
            "  --unblock VERSION  let updates offer VERSION again after it failed its\n"
            "                  trial here and was blocked (it starts on trial again)\n"
            "  --switch-to VERSION  make the installed VERSION the current one, on trial\n"
            "                  (a crash on its first run goes back); for installers\n"
            "  --installed-version  print the version this installation starts (exit 0),\n"
            "                  or nothing if none is installed (exit %d); for installers\n"
            "  --display-name  print the app's name as the splash shows it (launcher.json's\n"
            "                  display_name, else app_name capitalised); for installers\n"
            "  --compare-versions A B  print older, same or newer: A against B by PEP 440\n"
            "                  (exit 0); exit 2 if either is not a version; for installers\n"
            "  --status [--json]  what this installation runs and has: the version that\n"
            "                  starts, the one running, an update ready to restart into,\n"
            "                  a check in progress, the last check; --json prints one\n"
            "                  JSON object (schema 1, docs/app-integration.md). It only\n"
            "                  reads, never waits for a launcher at work; exit %d when\n"
            "                  no version is installed here, %d when the folder is\n"
            "                  unusable\n"
            "  --check [--json]  check for an update now and stage it (never switches):\n"
            "                  in the launcher that runs the app, if one does; exit 0 up to\n"
            "                  date, 10 staged, 12 available (auto_update false), 1 failed,\n"
            "                  11 another launcher is busy; --json: one event a line\n"
            "  --update-only   check, download, install and switch now, as a launch would,\n"
            "                  starting no app and no splash: the machine's updater on\n"
            "                  a machine-wide install, run by its owner (root; on Windows\n"
            "                  SYSTEM, by the installer's scheduled task). It first\n"
            "                  reads users' trial reports (reports/): a crash rolls the\n"
            "                  version on trial back for everyone, a healthy run confirms\n"
            "                  it; nothing is installed while a version is on trial. A\n"
            "                  confirmed version's launcher replaces this one. Exit 0\n"
            "                  up to date, 10 installed (each user's next start runs it),\n"
            "                  11 another launcher is busy, 1 failed\n"
            "  --restart-after PID [-- ARGS...]  wait until process PID has exited, then\n"
            "                  start the app with ARGS as a double-click would, switching\n"
            "                  to a staged update first (an app in exec mode restarting\n"
            "                  into its update)\n"
            "\n"
            "The app finds in its environment BOMIOT_LAUNCHER_API (1), BOMIOT_LAUNCHER,\n"
            "BOMIOT_INSTALL_ROOT, BOMIOT_APP_VERSION, BOMIOT_ON_TRIAL (1 or 0),\n"
            "BOMIOT_LAUNCH_MODE (supervise or exec), BOMIOT_RESTART_EXIT_CODE,\n"
            "BOMIOT_HEALTH_FILE (create it to confirm a new version early) and\n"
            "BOMIOT_UPDATE_READY_FILE (written when an update is staged); see\n"
            "docs/app-integration.md.\n"
            "\n"
            "Configuration: launcher.json beside the launcher (the publisher's; every key\n"
            "in README.md), then launcher.user.json beside it (the user's own choices:\n"
            "installers and updates never write it), which may set only\n",
            EXIT_NOTHING_INSTALLED, EXIT_NOTHING_INSTALLED, EXIT_LAUNCHER_FAILED);
    bl_config_print_user_help(out);
    fprintf(out, "and these environment variables, overriding both:\n");
    bl_config_print_env_help(out);
    fprintf(out,
            "\n"
            "The machine policy, %s, an administrator's, wins over\n"
            "all of these for auto_update, update_interval, channel, update_url,\n"
            "ca_file, proxy, no_proxy and target_version_prefix (README.md: Machine\n"
            "policy).\n"
            "\n"
            "Proxy: launcher.json's proxy and no_proxy, then http_proxy, https_proxy,\n"
            "all_proxy and no_proxy from the environment, then the system's (Windows:\n"
            "Internet Options, their script or WPAD); --print-config and --status show\n"
            "which one a check uses (README.md: Proxies).\n"
            "\n"
            "Log: cache/update.log beside the launcher; where this user may not write\n"
            "the install (a machine-wide one), which then runs read-only, the user's\n"
            "own %s.\n"
            "\n"
            "Exit status: the app's; if the app died of a signal, the same signal;\n"
            "%d the launcher failed, %d the app could not be started, %d no version\n"
            "is installed. The app exiting with restart_exit_code (85 unless\n"
            "launcher.json says) is started again as the update staged while it ran.\n",
            bl_plat_policy_location(), BL_USER_LOG_HELP, EXIT_LAUNCHER_FAILED, EXIT_APP_NOT_RUNNABLE,
            EXIT_NOTHING_INSTALLED);
}

static void log_warning(void *ctx, const char *message)
{
    bl_log(BL_LOG_WARN, (const char *)ctx, "%s", message);
}

static const char *env_lookup(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

int launch_locate_root(char *exe, char *root, size_t size, bl_error *err)
{
    size_t len = BL_PATH_MAX;
    int rc = uv_exepath(exe, &len);
    if (rc != 0)
        return bl_error_set(err, BL_EIO, "cannot find the launcher's own path: %s", uv_strerror(rc));
    return bl_fs_dirname(exe, root, size) == BL_OK ? BL_OK
                                                   : bl_error_set(err, BL_ETOOBIG, "path too long: %s", exe);
}

/* The config's language, or the user's locale's when it says "auto". */
static void choose_language(launch_context *l)
{
    char locale[64];
    const char *from = NULL, *language;
    if (strcmp(l->cfg.language, "auto") != 0) {
        language = bl_i18n_choose(l->cfg.language, NULL);
        snprintf(l->language_source, sizeof l->language_source, "the config's language key");
    } else {
        from = bl_plat_user_language(locale, sizeof locale);
        language = bl_i18n_choose(NULL, locale);
        if (from)
            snprintf(l->language_source, sizeof l->language_source, "%s: %s", from, locale);
        else
            snprintf(l->language_source, sizeof l->language_source, "no locale set");
    }
    snprintf(l->language, sizeof l->language, "%s", language);
}

void launch_load_config(launch_context *l)
{
    bl_config *cfg = &l->cfg;
    bl_config_defaults(cfg);
    bl_config_load_file(cfg, l->layout.config_path, log_warning, "config");
    bl_config_load_user_file(cfg, l->layout.user_config_path, log_warning, "config");
    bl_config_apply_env(cfg, env_lookup, NULL, log_warning, "config");
    bl_config_load_policy(cfg, log_warning, "config"); /* last: the administrator's word wins */
    bl_log_set_level(cfg->log_level);
    choose_language(l);
}

/* Reads state.json, recovering from what versions/ holds when it is missing,
 * corrupt or names a version that is not there. Only the lock holder writes
 * the recovered state back. */
static int choose_version(const bl_layout *layout, int have_lock, bl_state *state, char *version)
{
    bl_version_list complete;
    bl_error err;
    char why[512];
    int state_ok, rc;

    rc = bl_state_load(layout->state_path, state, &err);
    state_ok = rc == BL_OK;
    if (rc == BL_ENOTFOUND)
        bl_log(BL_LOG_INFO, "state", "no state.json yet");
    else if (rc != BL_OK)
        bl_log(BL_LOG_WARN, "state", "%s; recovering from the installed versions", err.msg);
    if (!state_ok)
        bl_state_init(state);

    if (bl_install_list_complete(layout, &complete, &err) != BL_OK) {
        bl_log(BL_LOG_ERROR, "install", "%s", err.msg);
        return EXIT_NOTHING_INSTALLED;
    }
    if (bl_install_pick(state, state_ok, &complete, version, why, sizeof why) != BL_OK) {
        bl_log(BL_LOG_ERROR, "install", "%s in %s; reinstall Bomiot", why, layout->versions_dir);
        return EXIT_NOTHING_INSTALLED;
    }
    if (why[0]) {
        /* No state.json is the normal first start after an installer. */
        bl_log(rc == BL_ENOTFOUND ? BL_LOG_INFO : BL_LOG_WARN, "state", "%s", why);
        if (strcmp(state->current, version) != 0 && state->current[0] &&
            bl_version_is_safe_name(state->current))
            snprintf(state->previous, sizeof state->previous, "%s", state->current);
        snprintf(state->current, sizeof state->current, "%s", version);
        state->trial = 0;
        state->attempts = 0;
        if (have_lock && bl_state_save(layout->state_path, state, &err) != BL_OK)
            bl_log(BL_LOG_WARN, "state", "could not save the recovered state: %s", err.msg);
    }
    return 0;
}

static void launch_init(launch_context *l)
{
    memset(l, 0, offsetof(launch_context, layout));
}

void launch_save_state(launch_context *l)
{
    bl_error err;
    if (l->lock && bl_state_save(l->layout.state_path, &l->state, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "state", "could not save state: %s", err.msg);
}

static void save_state_cb(void *ctx)
{
    launch_save_state(ctx);
}

/* A launcher without a trusted root can never trust an update: that is
 * known without loading the update module for nothing. */
static int check_trusted_root(const launch_context *l, bl_error *err)
{
    if (bl_fs_exists(l->layout.shipped_root) || bl_fs_exists(l->layout.cached_root))
        return BL_OK;
    return bl_error_set(err, BL_ENOTFOUND, "no trusted root: %s is missing (reinstall Bomiot)", l->layout.shipped_root);
}

/* The update module (module.h): with none, an update fails at once, as an
 * update (launch.h). */
const bl_update_module *launch_update_module(launch_context *l)
{
    const void *table;
    if (!l->update_module && !l->update_module_err.code && check_trusted_root(l, &l->update_module_err) == BL_OK &&
        bl_module_load(NULL, "update", &table, &l->update_module_err) == BL_OK)
        l->update_module = table;
    return l->update_module;
}

/* cache/activity.json (activity.h), for --status in another process: only
 * the lock holder writes it. A failure costs --status its "running" line,
 * nothing more: logged at debug. */
static void save_activity(launch_context *l)
{
    bl_error err;
    if (!l->lock)
        return;
    l->activity.launcher_pid = (int64_t)uv_os_getpid();
    l->activity.updated = (int64_t)time(NULL);
    if (bl_activity_save(l->layout.activity_path, &l->activity, &err) == BL_OK)
        l->activity_written = 1;
    else
        bl_log(BL_LOG_DEBUG, "launch", "%s", err.msg);
}

void launch_activity_remove(launch_context *l)
{
    bl_error err;
    if (l->activity_written)
        bl_fs_remove_tree(l->layout.activity_path, &err);
    l->activity_written = 0;
}

void launch_activity_check(launch_context *l, const bl_progress_view *view)
{
    bl_activity_from_progress(&l->activity, view, (int64_t)time(NULL));
    save_activity(l);
}

void launch_background_options(launch_context *l, bl_background_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->layout = &l->layout;
    opt->cfg = &l->cfg;
    opt->state = &l->state;
    opt->save_state = save_state_cb;
    opt->save_ctx = l;
}

/* While the app runs, the background updater shares the supervising loop. */
void launch_background_on(launch_context *l, int for_request)
{
    bl_background_options opt;
    bl_error err;
    if (!for_request && l->cfg.update_interval <= 0 && !l->cfg.file_watcher)
        return; /* nothing runs in the background (background.c) until --check asks: no module to load */
    launch_background_options(l, &opt);
    opt.check_soon = l->download_deferred;
    opt.on_check_progress = launch_check_progress;
    opt.on_check_done = launch_check_done;
    opt.check_ctx = l;
    if (!launch_update_module(l))
        bl_log(BL_LOG_INFO, "background", "no updates while the app runs: %s", l->update_module_err.msg);
    else if (l->update_module->background_start(l->loop, &opt, &l->background, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "background", "%s", err.msg);
}

static void background_off(void *ctx)
{
    launch_context *l = ctx;
    if (l->background)
        l->update_module->background_stop(l->background);
    l->background = NULL;
}

/* Supervise mode: the app runs on the loop; the splash lingers there and the
 * background updater shares it (with the lock only). Both hooks compose. */
static void app_started(void *ctx, uv_loop_t *loop, int64_t app_pid)
{
    launch_context *l = ctx;
    bl_error err;
    l->activity.app_pid = app_pid;
    snprintf(l->activity.running, sizeof l->activity.running, "%s", l->state.current);
    l->activity.mode = BL_MODE_SUPERVISE;
    save_activity(l);
    if (l->splash &&
        bl_splash_linger_start(l->splash, l->progress, loop, (uint32_t)l->cfg.splash_linger_ms, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "splash", "%s", err.msg);
    if (l->lock) {
        launch_control_on(l, loop); /* sets l->loop */
        launch_background_on(l, 0);
    }
}

static void app_stopped(void *ctx)
{
    launch_context *l = ctx;
    bl_splash_linger_stop(l->splash);
    if (l->lock) {
        background_off(l);
        launch_control_off(l);
    }
    l->activity.app_pid = 0;
    l->activity.running[0] = '\0';
    l->activity.checking = 0; /* the background has stopped */
    save_activity(l);
}

/* A version staged in the background takes over: no network, milliseconds. */
int launch_switch_to_pending(launch_context *l, const char *how)
{
    char pending[BL_VERSION_MAX_TEXT];
    bl_error err;
    int switched = 0;
    if (!l->lock || !l->state.pending[0] || l->state.trial)
        return 0;
    snprintf(pending, sizeof pending, "%s", l->state.pending);
    l->state.pending[0] = '\0';
    if (!bl_install_is_complete(&l->layout, pending) || bl_state_is_blocked(&l->state, pending) ||
        bl_version_compare_text(pending, l->state.current) <= 0) {
        bl_log(BL_LOG_WARN, "update", "the staged version %s is gone, blocked or not newer; ignoring it", pending);
    } else {
        bl_log(BL_LOG_INFO, "update", "switching to %s, %s", pending, how);
        bl_trial_begin(&l->state, pending);
        switched = 1;
    }
    launch_save_state(l);
    bl_fs_remove_tree(l->layout.ready_file, &err);
    return switched;
}

void launch_confirm(launch_context *l, const char *why)
{
    bl_log(BL_LOG_INFO, "trial", "version %s confirmed: %s", l->state.current, why);
    bl_trial_confirm(&l->state);
    /* Before the confirmation is saved, whose flush makes the removals
     * durable too: a power cut never leaves a confirmed version beside the
     * previous one's tar for good (at worst a version still on trial whose
     * rollback would download the previous archive). */
    launch_prune_caches(l);
    launch_save_state(l);
}

/* A read-only launcher (a machine-wide install) judges the trial run as
 * any other, but the verdict is the machine updater's to apply: it reports
 * it (machine_report.c) and goes on in memory, for this start only. */
static void on_healthy(void *ctx, const char *why)
{
    launch_context *l = ctx;
    if (!l->read_only) {
        launch_confirm(l, why);
        return;
    }
    if (l->run_exit_code < 0 && !l->run_signal)
        l->run_ms = (uv_hrtime() - l->app_started_ns) / 1000000;
    bl_log(BL_LOG_INFO, "trial", "version %s ran healthy: %s", l->state.current, why);
    launch_report_trial(l, BL_TRIAL_HEALTHY);
    bl_trial_confirm(&l->state);
}

int launch_roll_back(launch_context *l, const char *cause)
{
    bl_version_list complete;
    bl_error err;
    char why[512], failed[sizeof l->state.current];
    int moved;

    snprintf(failed, sizeof failed, "%s", l->state.current);
    if (l->read_only)
        launch_report_trial(l, BL_TRIAL_CRASHED);
    if (bl_install_list_complete(&l->layout, &complete, &err) != BL_OK)
        complete.count = 0;
    moved = bl_trial_rollback(&l->state, &complete, why, sizeof why);
    if (l->read_only)
        bl_log(BL_LOG_ERROR, "trial", "%s: reported to the machine's updater, which blocks version %s for every "
               "user%s%s", cause, failed, moved ? "; this start goes back to " : "", moved ? l->state.current : "");
    else
        bl_log(BL_LOG_ERROR, "trial", "%s: %s", cause, why);
    launch_save_state(l);
    if (moved) /* after the save: the state never names a version already removed */
        launch_prune_caches(l); /* the blocked version's folder and tar; the running one's tar stays */
    if (moved)
        launch_splash_rolling_back(l, failed);
    return moved;
}

/* Every installation draws its own staged-rollout bucket, once. */
static void ensure_install_id(launch_context *l)
{
    bl_error err;
    if (l->state.install_id[0] || !l->lock)
        return;
    if (bl_rollout_new_id(l->state.install_id, sizeof l->state.install_id, &err) != BL_OK) {
        bl_log(BL_LOG_WARN, "state", "%s", err.msg);
        return;
    }
    launch_save_state(l);
}

/* A version on trial counts its starts, so a launcher killed during the trial
 * (power loss) still rolls a bad release back after trial_attempts starts. */
static void count_trial_start(launch_context *l)
{
    char cause[128];
    if (!l->state.trial || !l->lock)
        return;
    if (bl_trial_count_start(&l->state, (int)l->cfg.trial_attempts)) {
        snprintf(cause, sizeof cause, "version %s was started %d times without being confirmed",
                 l->state.current, l->state.attempts);
        launch_roll_back(l, cause);
        return;
    }
    bl_log(BL_LOG_INFO, "trial", "version %s on trial, start %d of %lld", l->state.current, l->state.attempts,
           (long long)l->cfg.trial_attempts);
    launch_save_state(l);
}

static int app_path_for(const launch_context *l, const char *version, char *app, size_t size)
{
    bl_error err;
    if (bl_layout_app_path(&l->layout, l->cfg.app_executable, version, app, size, &err) != BL_OK) {
        bl_log(BL_LOG_ERROR, "launch", "%s", err.msg);
        return EXIT_LAUNCHER_FAILED;
    }
    if (!bl_fs_exists(app)) {
        bl_log(BL_LOG_ERROR, "launch", "version %s has no app executable %s (check app_executable in launcher.json)",
               version, app);
        return EXIT_APP_NOT_RUNNABLE;
    }
    return 0;
}

static int exec_app(launch_context *l, const char *app, char **argv)
{
    bl_error err;
    int rc;
    bl_log(BL_LOG_INFO, "launch", "exec %s", app);
    launch_splash_hold_then_close(l);
    launch_activity_remove(l); /* nobody is left to keep it true (a launch that rolled back may have written it) */
    bl_plat_lock_release(l->lock);
    l->lock = NULL;
    bl_log_close();
    rc = bl_plat_exec(app, argv, &err);
    if (rc == BL_EUNSUPPORTED) /* Windows: start it and step aside */
        rc = bl_supervise_spawn_detached(app, argv, &err);
    if (rc == BL_OK)
        return 0;
    bl_log(BL_LOG_ERROR, "launch", "%s", err.msg);
    return rc == BL_ENOTFOUND ? EXIT_NOTHING_INSTALLED : EXIT_APP_NOT_RUNNABLE;
}

/* An unconfirmed run of a version on trial has ended: confirms it, rolls
 * it back (returns 1: start the version now current, unless the publisher
 * said a command must not run twice: rerun_after_rollback), or, when the
 * user or the system ended it, leaves it on trial for the next start. */
static int judge_trial_run(launch_context *l, const bl_app_status *status, uint64_t healthy_ms)
{
    char cause[160];
    int verdict = bl_trial_judge_exit(status->exit_code, status->term_signal, status->signal_received,
                                      status->ran_ms, healthy_ms, l->cfg.trial_exit_codes);
    snprintf(cause, sizeof cause, "version %s %s %d after %llu ms on its first run", l->state.current,
             status->term_signal ? "died of signal" : "exited with code",
             status->term_signal ? status->term_signal : status->exit_code, (unsigned long long)status->ran_ms);
    if (verdict == BL_TRIAL_CRASHED) {
        if (!launch_roll_back(l, cause))
            return 0;
        if (l->cfg.rerun_after_rollback)
            return 1;
        bl_log(BL_LOG_INFO, "trial", "not starting %s now (rerun_after_rollback is false): the next start "
               "runs it", l->state.current);
        return 0;
    }
    if (verdict == BL_TRIAL_QUIT) {
        bl_log(BL_LOG_INFO, "trial", "%s, a quit (the signal was sent to it, or the app was asked to end): "
               "no verdict, it stays on trial", cause);
        bl_trial_quit(&l->state);
        launch_save_state(l);
        return 0;
    }
    on_healthy(l, "it exited normally");
    return 0;
}

/* The app exited with restart_exit_code: it asks to be started again as
 * the version staged while it ran (docs/app-integration.md). Switches to it
 * (on trial, as the next start would) and returns 1 to start it at once
 * with the same arguments; returns 0 when nothing is staged: the code was
 * the app's own, and the launcher exits with it rather than loop. A
 * launcher without the lock (a second one) takes it now if it is free; if
 * another launcher still holds it, the app starts again as it is while an
 * update is staged. A launcher the new version carries replaces this one
 * once that version is confirmed, at a later start, as after any switch. */
static int restart_into_update(launch_context *l)
{
    bl_error err;
    int code = (int)l->cfg.restart_exit_code;
    if (!l->lock && !l->read_only && bl_plat_lock_try(l->layout.lock_path, &l->lock, &err) == BL_OK &&
        bl_state_load(l->layout.state_path, &l->state, &err) != BL_OK) {
        bl_log(BL_LOG_WARN, "launch", "the app asked to restart into an update, but %s; exiting with its code %d",
               err.msg, code);
        return 0;
    }
    if (!l->lock) {
        bl_state on_disk;
        if (bl_state_load(l->layout.state_path, &on_disk, &err) == BL_OK && on_disk.pending[0]) {
            bl_log(BL_LOG_WARN, "launch", "the app asked to restart into %s, but another launcher holds the lock "
                   "and switches to it; starting %s again as it is", on_disk.pending, l->state.current);
            return 1;
        }
    } else if (launch_switch_to_pending(l, "the app asked to restart into it")) {
        count_trial_start(l);
        return 1;
    }
    bl_log(BL_LOG_WARN, "launch", "the app exited with the restart code %d but no update is staged: exiting with "
           "it", code);
    return 0;
}

/* apply_on_exit: the update staged while the app ran is switched to as the
 * app exits, so the next start runs it without a switch (the app's own
 * exit, or a quit; not after a crash on trial or a restart code). */
static void apply_on_exit(launch_context *l)
{
    if (l->cfg.apply_on_exit)
        launch_switch_to_pending(l, "staged while the app ran (apply_on_exit)");
}

/* What the app is told (launch.h, spec section 1): the same for every
 * start, with the version, the trial and the way it is started. A failure
 * (out of memory) is logged; the app starts all the same. */
static void set_app_environment(const launch_context *l, const char *exe, int on_trial, int exec_mode)
{
    char code[16];
    const char *names[] = {BL_ENV_API, BL_ENV_LAUNCHER, BL_ENV_ROOT, BL_ENV_VERSION, BL_ENV_ON_TRIAL,
                           BL_ENV_MODE, BL_ENV_RESTART_CODE, BL_HEALTH_FILE_ENV, BL_READY_FILE_ENV};
    const char *values[sizeof names / sizeof names[0]];
    size_t i;
    int rc;

    snprintf(code, sizeof code, "%d", (int)l->cfg.restart_exit_code);
    values[0] = BL_LAUNCHER_API_VERSION;
    values[1] = exe;
    values[2] = l->layout.root;
    values[3] = l->state.current;
    values[4] = on_trial ? "1" : "0";
    values[5] = exec_mode ? "exec" : "supervise";
    values[6] = code;
    values[7] = l->layout.health_file;
    values[8] = l->layout.ready_file; /* where the app learns an update is staged */
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if ((rc = uv_os_setenv(names[i], values[i])) != 0)
            bl_log(BL_LOG_WARN, "launch", "cannot set %s for the app: %s", names[i], uv_strerror(rc));
    }
}

/* Starts the current version and reports how it ended. A version on trial is
 * always supervised, whatever the mode: its crash must be seen. If it crashes,
 * or cannot be started, it is rolled back and the previous version started at
 * once, so the user loses one start and nothing else (after a crash, unless
 * rerun_after_rollback is false: see judge_trial_run). */
static int run_app(launch_context *l, const char *exe, char **argv)
{
    char app[BL_PATH_MAX];
    bl_supervise_watch watch;
    bl_supervise_hooks hooks = {app_started, app_stopped, l};
    bl_app_status status;
    bl_error err;
    int rc, on_trial;

    for (;;) {
        launch_hold_version(l); /* first: a read-only launcher may pick again */
        on_trial = l->state.trial && (l->lock || launch_reports_trial(l));
        l->run_exit_code = -1; /* until it has run */
        l->run_signal = 0;
        l->run_ms = 0;
        /* A release without its app fails its trial now, as one whose app
         * cannot be run does (below): not after trial_attempts starts. */
        if ((rc = app_path_for(l, l->state.current, app, sizeof app)) != 0) {
            launch_release_version(l); /* it does not run: a rollback prunes it */
            if (rc == EXIT_APP_NOT_RUNNABLE && on_trial &&
                launch_roll_back(l, "the new version has no app executable"))
                continue;
            return rc;
        }
        argv[0] = app;
        bl_log(BL_LOG_INFO, "launch", "starting version %s%s", l->state.current, on_trial ? " (on trial)" : "");
        launch_splash_launching(l);
        set_app_environment(l, exe, on_trial, l->cfg.mode == BL_MODE_EXEC && !on_trial);
        if (l->cfg.mode == BL_MODE_EXEC && !on_trial)
            return exec_app(l, app, argv);

        watch.healthy_ms = (uint64_t)l->cfg.healthy_seconds * 1000;
        watch.health_file = l->layout.health_file;
        watch.on_healthy = on_healthy;
        watch.ctx = l;
        l->app_started_ns = uv_hrtime();
        rc = bl_supervise_run(app, argv, on_trial ? &watch : NULL, l->lock || l->splash ? &hooks : NULL, &status, &err);
        launch_release_version(l); /* the app has ended: a rollback may prune the version now */
        if (rc != BL_OK) {
            bl_log(BL_LOG_ERROR, "launch", "%s", err.msg);
            if (on_trial && launch_roll_back(l, "the new version could not be started"))
                continue;
            return EXIT_APP_NOT_RUNNABLE;
        }
        if (!status.term_signal && status.exit_code == (int)l->cfg.restart_exit_code) {
            if (on_trial && !status.confirmed) { /* asked, not crashed: no verdict */
                bl_trial_quit(&l->state);
                launch_save_state(l);
            }
            if (restart_into_update(l))
                continue;
            return status.exit_code;
        }
        l->run_exit_code = status.term_signal ? -1 : status.exit_code;
        l->run_signal = status.term_signal;
        l->run_ms = status.ran_ms;
        if (on_trial && !status.confirmed && judge_trial_run(l, &status, watch.healthy_ms))
            continue;
        apply_on_exit(l);
        if (status.term_signal) {
            bl_log(BL_LOG_WARN, "supervise", "the app was killed by signal %d", status.term_signal);
            return -status.term_signal;
        }
        bl_log(BL_LOG_INFO, "supervise", "the app exited with code %d", status.exit_code);
        return status.exit_code;
    }
}

/* A launcher restarted by a self-update may find its predecessor still
 * exiting (Windows): it waits a moment for the lock rather than skip its work. */
int launch_take_lock(launch_context *l, bl_error *err)
{
    int tries = getenv(BL_SELFUPDATE_ENV) ? 30 : 1;
    int rc = BL_EBUSY;
    while (tries-- > 0 && (rc = bl_plat_lock_try(l->layout.lock_path, &l->lock, err)) == BL_EBUSY && tries > 0)
        uv_sleep(100);
    return rc;
}

int launch_update_launcher(launch_context *l, const char *exe, char **argv)
{
    bl_error err;
    int handed_over = 0;
    if (!l->lock || l->state.trial)
        return 0;
    if (getenv(BL_SELFUPDATE_ENV)) { /* we are the new launcher: it runs */
        bl_log(BL_LOG_INFO, "selfupdate", "running the launcher from version %s", getenv(BL_SELFUPDATE_ENV));
        uv_os_unsetenv(BL_SELFUPDATE_ENV);
        bl_selfupdate_cleanup(&l->layout);
        return 0;
    }
    bl_selfupdate_cleanup(&l->layout);
    /* The lock's descriptor is close-on-exec: the restarted launcher takes it anew. */
    if (bl_selfupdate_apply(&l->layout, exe, l->state.current, argv, &handed_over, &err) != BL_OK)
        bl_log(BL_LOG_ERROR, "selfupdate", "%s; keeping the current launcher", err.msg);
    return handed_over;
}

/* Ends the launcher as the app ended: with its exit code (result >= 0), or
 * by its signal (result = -signal). */
static int finish(launch_context *l, int result)
{
    launch_splash_close(l);
    launch_activity_remove(l);
    bl_progress_free(l->progress);
    l->progress = NULL;
    launch_release_version(l);
    bl_plat_lock_release(l->lock);
    l->lock = NULL;
    bl_log_close();
    if (result < 0) {
        bl_plat_die_by_signal(-result);
        return 128 - result;
    }
    return result;
}

void launch_print_error(const bl_error *err, const char *hint)
{
    char text[4 * sizeof err->msg];
    bl_log_escape(err->msg, text, sizeof text);
    fprintf(stderr, "bomiot-launcher: %s%s\n", text, hint);
}

/* --restart-after PID: the app that asked (exec mode, where no launcher
 * waits on it) is still exiting; it must be gone before its next version
 * starts. No timeout is needed for an app that asked, but a hung one must
 * not leave a launcher waiting for ever: after RESTART_WAIT_MS it gives up
 * and starts nothing (the old app still runs). */
#define RESTART_WAIT_MS (10 * 60 * 1000)
#define RESTART_POLL_MS 100
static int wait_for_app_exit(int pid)
{
    int waited = 0;
    bl_log(BL_LOG_INFO, "launch", "restart requested: waiting for process %d to exit", pid);
    while (bl_plat_process_alive(pid)) {
        if (waited >= RESTART_WAIT_MS) {
            bl_log(BL_LOG_ERROR, "launch", "process %d still runs after %d min: not restarting the app", pid,
                   RESTART_WAIT_MS / 60000);
            return 0;
        }
        uv_sleep(RESTART_POLL_MS);
        waited += RESTART_POLL_MS;
    }
    return 1;
}

int launch_maintain(launch_context *l)
{
    char version[BL_VERSION_MAX_TEXT];
    bl_error err;
    int rc;
    if (l->lock && bl_install_remove_incomplete(&l->layout, log_warning, "install", &err) != BL_OK)
        bl_log(BL_LOG_WARN, "install", "%s", err.msg);
    if (l->lock) {
        bl_install_remove_debris(&l->layout, log_warning, "install");
        l->activity_written = 1; /* one left by a launcher that died is not true any more */
        launch_activity_remove(l);
    }
    if ((rc = choose_version(&l->layout, l->lock != NULL, &l->state, version)) != 0)
        return rc;
    ensure_install_id(l);
    return 0;
}

/* --print-config: the way a check of update_url goes now (start/proxy.h),
 * the proxy's credentials left out. */
static void print_proxy(const bl_config *cfg)
{
    bl_proxy_inputs inputs;
    bl_proxy_choice choice;
    char url[sizeof cfg->update_url + 1], safe[4 * sizeof choice.shown];
    snprintf(url, sizeof url, "%s/", cfg->update_url);
    bl_proxy_inputs_of_process(&inputs, cfg);
    bl_proxy_choose(&inputs, url, &choice);
    bl_log_escape(choice.shown[0] ? choice.shown : "none", safe, sizeof safe);
    printf("%-20s %s (%s)\n", "update proxy", safe, choice.source);
}

/* One launch from its root to the app (after process wait_pid has exited,
 * when it is not 0: --restart-after). */
static int launch_app(launch_context *l, char *exe, int print_config, char **argv, char **app_argv, int wait_pid)
{
    char root[BL_PATH_MAX];
    bl_error err;
    int rc;

    if (launch_locate_root(exe, root, sizeof root, &err) != BL_OK || bl_layout_init(root, &l->layout, &err) != BL_OK) {
        launch_print_error(&err, "");
        return EXIT_LAUNCHER_FAILED;
    }
    launch_open_log(l); /* decides read-only, once */
    launch_load_config(l);
    if (print_config) {
        printf("%-20s %s\n", "install root", l->layout.root);
        printf("%-20s %s\n", "config file", l->layout.config_path);
        printf("%-20s %s\n", "user config file", l->layout.user_config_path);
        printf("%-20s %s\n", "log", l->layout.log_path);
        printf("%-20s %s (%s)\n", "splash language", l->language, l->language_source);
        if (l->read_only)
            printf("%-20s %s\n", "install access", "read-only (this user may not write the install root; "
                   "the machine's updater updates it)");
        print_proxy(&l->cfg);
        printf("\n");
        bl_config_print(&l->cfg, stdout);
        return 0;
    }
    bl_log(BL_LOG_INFO, "launch", "bomiot-launcher %s in %s", BL_VERSION_STRING, l->layout.root);
    if (wait_pid && !wait_for_app_exit(wait_pid)) {
        bl_log_close();
        return EXIT_LAUNCHER_FAILED;
    }

    /* One launcher per installation does maintenance and updates; a second
     * one started by a double double-click just starts the app, and so does
     * a read-only one, which never tries (launch_open_log). */
    if (!l->read_only && launch_take_lock(l, &err) != BL_OK) {
        bl_log(BL_LOG_INFO, "launch", "%s; starting the installed version without maintenance", err.msg);
        l->lock = NULL;
    }
    if ((rc = launch_maintain(l)) != 0) {
        bl_plat_lock_release(l->lock);
        bl_log_close();
        return rc;
    }
    launch_switch_to_pending(l, "staged in the background");
    launch_update_at_launch(l);
    count_trial_start(l);
    if (launch_update_launcher(l, exe, argv))
        return finish(l, 0);
    return finish(l, run_app(l, exe, app_argv));
}

/* The launcher's own options are read under its own name only. Under any
 * other (a command link such as ~/.local/bin/bomiot, made by install.sh
 * --command) it is the app's command, and every argument is the app's:
 * `bomiot --help` asks Bomiot, `esbuild --version` asks esbuild. Its own
 * names: bomiot-launcher, with any extension (.exe; .new, the self-update's
 * candidate asked --self-check). */
static int named_as_launcher(const char *argv0)
{
    const char *base = argv0, *p;
    size_t n = strlen(BL_LAYOUT_LAUNCHER);
    for (p = argv0; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    return strncmp(base, BL_LAYOUT_LAUNCHER, n) == 0 && (base[n] == '\0' || base[n] == '.');
}

int main(int argc, char **argv)
{
    char exe[BL_PATH_MAX];
    char **app_argv = argv;
    launch_context l;
    bl_error err;

    bl_plat_attach_parent_console();
    if (argc > 0 && !named_as_launcher(argv[0])) {
        launch_init(&l);
        return launch_app(&l, exe, 0, argv, argv, 0);
    }
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        print_help(stdout);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("bomiot-launcher %s\n", BL_VERSION_STRING);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--self-check") == 0) { /* what a self-update asks of a new launcher */
        const void *table;
        if (bl_module_load(NULL, "update", &table, &err) != BL_OK || bl_splash_check_module(NULL, &err) != BL_OK) {
            launch_print_error(&err, "");
            return EXIT_LAUNCHER_FAILED;
        }
        printf("bomiot-launcher %s: modules fit\n", BL_VERSION_STRING);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--compare-versions") == 0)
        return command_compare_versions(argc, argv);
    if (argc > 1 && strcmp(argv[1], "--") == 0) { /* everything after goes to the app */
        argv[1] = argv[0];
        app_argv = argv + 1;
    }

    launch_init(&l);
    if (argc > 1 && strcmp(argv[1], "--unblock") == 0)
        return command_unblock(&l, exe, argc, argv);
    if (argc > 1 && strcmp(argv[1], "--switch-to") == 0)
        return command_switch_to(&l, exe, argc, argv);
    if (argc > 1 && strcmp(argv[1], "--check") == 0)
        return command_check(&l, exe, argc, argv);
    if (argc > 1 && strcmp(argv[1], "--update-only") == 0)
        return command_update_only(&l, exe, argc, argv);
    if (argc == 2 && strcmp(argv[1], "--installed-version") == 0)
        return command_installed_version(&l, exe);
    if (argc == 2 && strcmp(argv[1], "--display-name") == 0)
        return command_display_name(&l, exe);
    if (argc > 1 && strcmp(argv[1], "--status") == 0)
        return command_status(&l, exe, argc, argv);
    if (argc > 1 && strcmp(argv[1], "--restart-after") == 0) {
        /* --restart-after PID [-- ARGS...]: the slot before ARGS takes the app's path */
        char *end = NULL;
        long pid = argc > 2 ? strtol(argv[2], &end, 10) : 0;
        if (pid <= 0 || pid > 0x7fffffffL || !end || *end || (argc > 3 && strcmp(argv[3], "--") != 0)) {
            fprintf(stderr, "bomiot-launcher: usage: bomiot-launcher --restart-after PID [-- ARGS...]\n");
            return 2;
        }
        return launch_app(&l, exe, 0, argv, argc > 3 ? argv + 3 : argv + 2, (int)pid);
    }
    return launch_app(&l, exe, argc > 1 && strcmp(argv[1], "--print-config") == 0, argv, app_argv, 0);
}

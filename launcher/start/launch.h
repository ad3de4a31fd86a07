/* SPDX-License-Identifier: Apache-2.0 */
/* What the launcher's own files share (main.c: the launch from its root to
 * the app; launch_update.c: the update at launch and the splash around it;
 * commands.c: the commands that do not start the app): the state of one
 * launch, and the steps one file calls in another. Not a library: they go
 * into the launcher alone. */
#ifndef BL_LAUNCH_H
#define BL_LAUNCH_H

#include "activity.h"
#include "config.h"
#include "control.h"
#include "layout.h"
#include "platform.h"
#include "progress.h"
#include "splash.h"
#include "state.h"
#include "update/update_module.h"

/* Exit codes of the launcher's own failures, in the range shells use for
 * "could not run the command", so they do not look like the app's own. */
#define EXIT_LAUNCHER_FAILED 125
#define EXIT_APP_NOT_RUNNABLE 126
#define EXIT_NOTHING_INSTALLED 127

/* What the app is told (issue 24, "the contract between the app and its
 * launcher", docs/app-integration.md): run_app sets these for every start,
 * supervised or exec'd, with the lock or without, beside BOMIOT_HEALTH_FILE
 * (supervise.h) and BOMIOT_UPDATE_READY_FILE (update_module.h). The API
 * version changes only when a change would break an app written for it. */
#define BL_LAUNCHER_API_VERSION "1"
#define BL_ENV_API "BOMIOT_LAUNCHER_API"
#define BL_ENV_LAUNCHER "BOMIOT_LAUNCHER"
#define BL_ENV_ROOT "BOMIOT_INSTALL_ROOT"
#define BL_ENV_VERSION "BOMIOT_APP_VERSION"
#define BL_ENV_ON_TRIAL "BOMIOT_ON_TRIAL"
#define BL_ENV_MODE "BOMIOT_LAUNCH_MODE"
#define BL_ENV_RESTART_CODE "BOMIOT_RESTART_EXIT_CODE"

/* Everything one launch works with; lives on main's stack. The layout's path
 * text comes last and is not zeroed (launch_init): every page of the stack first
 * touched is a page fault, ~10 us on a virtual machine, and the app waits
 * for each (bench/RESULTS.md, launch overhead). */
typedef struct {
    bl_plat_lock *lock; /* NULL: another launcher does maintenance */
    const bl_update_module *update_module; /* loaded by the first update check */
    bl_error update_module_err; /* why it could not be (code != 0) */
    bl_background *background;
    bl_control *control;   /* the --check endpoint while the app runs (lock holder only) */
    uv_loop_t *loop;       /* the supervising loop, while the app runs */
    bl_progress *progress; /* what the splash shows, fed by the update at launch */
    bl_splash *splash;     /* NULL: no update at launch, headless, or closed */
    int download_deferred; /* the update at launch ran out of its time box: the background goes on soon */
    bl_config cfg;
    bl_state state;
    bl_activity activity; /* what cache/activity.json says while this launcher holds the lock */
    int activity_written; /* it wrote the file: it removes it when it exits */
    int read_only;        /* this user may not write the root (machine.c): no lock, ever */
    bl_plat_lock *version_lock; /* the running version's marker, shared (machine.c) */
    char language[16];         /* the splash's, from the config or the user's locale (launch_load_config) */
    char language_source[96];  /* where that came from, for --print-config */
    bl_layout layout;
    uint64_t app_started_ns; /* uv_hrtime() at the app's spawn: how long a trial run had run */
    int run_exit_code, run_signal; /* how the last run ended (-1, 0: it did not run), for a trial report */
    uint64_t run_ms;
    char user_log_path[BL_PATH_MAX];    /* read-only: layout.log_path points here */
    char user_health_path[BL_PATH_MAX]; /* read-only: layout.health_file points here (the user may write it) */
} launch_context;

/* main.c */
/* The install root: the folder of the launcher's real executable (exe gets
 * its path), so a shortcut or a symlink finds the same installation. */
int launch_locate_root(char *exe, char *root, size_t size, bl_error *err);
/* Before the log: an error to stderr, escaped like a log line (it may name
 * a path from the environment), with what the user can do (hint, or ""). */
void launch_print_error(const bl_error *err, const char *hint);
/* Saves l->state when this launcher holds the lock; a failure is logged. */
void launch_save_state(launch_context *l);
/* The update module, loaded on the main thread by the first update check of
 * this launch; NULL, with l->update_module_err saying why, when there is
 * none. */
const bl_update_module *launch_update_module(launch_context *l);

/* Reads launcher.json, launcher.user.json and the environment into l->cfg,
 * and chooses the splash's language (l->language). */
void launch_load_config(launch_context *l);
/* The background updater's options every caller shares: this launch's
 * layout, config and state, saved with launch_save_state; the rest zero. */
void launch_background_options(launch_context *l, bl_background_options *opt);
/* The background updater on the supervising loop (l->loop): as the config
 * asks, or, for_request, also when update_interval is 0 (a --check). */
void launch_background_on(launch_context *l, int for_request);
/* A running check's progress (view NULL: it ended) into cache/activity.json,
 * for --status; only the lock holder writes it. */
void launch_activity_check(launch_context *l, const bl_progress_view *view);
/* Removes cache/activity.json if this launcher wrote it. */
void launch_activity_remove(launch_context *l);

/* Takes the installation's lock (waiting a moment for a predecessor that
 * self-updated); BL_EBUSY when another launcher holds it. */
int launch_take_lock(launch_context *l, bl_error *err);
/* The lock holder's work before a start: incomplete versions and debris
 * removed, state.json read (or recovered: choose_version), the install id
 * drawn. 0, or the launcher's exit code (nothing installed). */
int launch_maintain(launch_context *l);
/* A version staged in the background becomes current, on trial (how: why,
 * for the log). Returns 1 when the current version changed. */
int launch_switch_to_pending(launch_context *l, const char *how);
/* The current version on trial is confirmed (why: for the log), what it
 * leaves behind pruned, the state saved. */
void launch_confirm(launch_context *l, const char *why);
/* A confirmed version may carry a newer launcher (see selfupdate.h): put
 * in place and restarted into with the same arguments (POSIX: execv, no
 * return). Returns 1 when a new launcher process has taken over (Windows)
 * and this one must exit; 0 to go on (nothing to do, or it failed: logged). */
int launch_update_launcher(launch_context *l, const char *exe, char **argv);
/* The current version on trial failed (cause: for the log): blocked, the
 * previous one current again, saved, what it leaves pruned. Returns 1 if
 * there is a different version to start now. A read-only launcher does it
 * in memory only, for this start, after reporting the crash. */
int launch_roll_back(launch_context *l, const char *cause);

/* machine.c: installs a user may not write (issue 26, docs/deploy.md). */
/* Decides, once, whether this launcher runs read-only (l->read_only: its
 * root is not writable by this user, a machine-wide install) and opens the
 * log: cache/update.log, or read-only the user's own (bl_plat_user_state_dir
 * of the root's folder name)/update.log. Failures leave the log on stderr. */
void launch_open_log(launch_context *l);
/* Holds the current version's marker shared while the app runs (read-only
 * launchers pick again if it was pruned meanwhile); a failure is logged
 * and the app starts all the same. launch_release_version lets go. */
void launch_hold_version(launch_context *l);
void launch_release_version(launch_context *l);
/* Version folders beyond keep_versions and blocked ones, each removed only
 * when no app runs from it (its marker locked exclusively; a busy one is
 * kept and logged), and cached tars no patch starts from (lock holder only). */
void launch_prune_caches(launch_context *l);
/* machine_report.c: trial reports (trial_report.h). 1 when this launcher
 * is a read-only one whose run of the current version, on trial, is to be
 * judged and reported: the root has a reports/ folder (install.sh --system
 * makes it). */
int launch_reports_trial(const launch_context *l);
/* Leaves this user's verdict on the current version in reports/ (the
 * run's end from l->run_exit_code, run_signal, run_ms); a failure is one
 * line in the user's log, never on stderr. */
void launch_report_trial(launch_context *l, int verdict);
/* The machine's updater (lock holder): reads reports/, rolls the version
 * on trial back for everyone on a crash report, confirms it on a healthy
 * one, and deletes what it read (junk too). Returns 1 when reports/ exists
 * (users can report: a trial waits for them). */
int launch_read_reports(launch_context *l);
/* --update-only: the privileged updater's run (exit 0 up to date, 10
 * installed, 11 busy, 1 failed). */
int command_update_only(launch_context *l, char *exe, int argc, char **argv);

/* check.c: --check, and its endpoint while the app runs. */
void launch_control_on(launch_context *l, uv_loop_t *loop);
void launch_control_off(launch_context *l);
/* The background's hooks (update_module.h): a check's events to --check. */
void launch_check_progress(void *ctx, const bl_progress_view *view);
void launch_check_done(void *ctx, int rc, const bl_update_result *res, const char *error);
int command_check(launch_context *l, char *exe, int argc, char **argv);

/* launch_update.c */
/* The update at launch, with the splash (see the function). */
void launch_update_at_launch(launch_context *l);
/* The splash around the start of the app: which version starts, the
 * window's end (in exec mode after its hold time), and the sentence after
 * a rollback from failed. Each does nothing without a window. */
void launch_splash_launching(launch_context *l);
void launch_splash_close(launch_context *l);
void launch_splash_hold_then_close(launch_context *l);
void launch_splash_rolling_back(launch_context *l, const char *failed);

/* commands.c: each returns the launcher's exit code. */
int command_unblock(launch_context *l, char *exe, int argc, char **argv);
int command_switch_to(launch_context *l, char *exe, int argc, char **argv);
int command_installed_version(launch_context *l, char *exe);
int command_display_name(launch_context *l, char *exe);
int command_compare_versions(int argc, char **argv);
/* --status [--json]: gathers the facts status.c prints. */
int command_status(launch_context *l, char *exe, int argc, char **argv);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The launcher's commands for installers and users that change or read an
 * installation without starting the app (--unblock, --switch-to,
 * --installed-version, --display-name, --compare-versions, --status): each one job, run
 * from main before a launch would begin. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "activity.h"
#include "base/fsutil.h"
#include "checks.h"
#include "install.h"
#include "launch.h"
#include "log.h"
#include "state.h"
#include "status.h"
#include "trial.h"

/* What --unblock and --switch-to need before they change state.json: the
 * root, its lock (refused rather than waited for while a launcher runs: the
 * app is open) and the log. Prints why and returns 0 when one is missing;
 * release_root_for_state undoes it. */
static int hold_root_for_state(launch_context *l, char *exe)
{
    char root[BL_PATH_MAX];
    bl_error err;

    if (launch_locate_root(exe, root, sizeof root, &err) != BL_OK || bl_layout_init(root, &l->layout, &err) != BL_OK ||
        bl_fs_mkdir_p(l->layout.cache_dir, &err) != BL_OK ||
        bl_plat_lock_try(l->layout.lock_path, &l->lock, &err) != BL_OK) {
        launch_print_error(&err, err.code == BL_EBUSY ? "; close the app first" : "");
        return 0;
    }
    if (bl_log_open(l->layout.log_path, BL_LOG_DEFAULT_MAX_BYTES, BL_LOG_DEFAULT_KEEP, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "log", "%s; logging to stderr only", err.msg);
    return 1;
}

static void release_root_for_state(launch_context *l)
{
    bl_plat_lock_release(l->lock);
    l->lock = NULL;
    bl_log_close();
}

/* --unblock VERSION: lifts the block of a version that failed its trial
 * (docs/reliability.md, "Trial and rollback"), so updates may offer it and
 * it starts on trial again. It writes state.json, so it needs the lock:
 * while a launcher runs it refuses (125) rather than wait. */
int command_unblock(launch_context *l, char *exe, int argc, char **argv)
{
    bl_error err;
    int rc, was_blocked;

    if (argc != 3 || !bl_version_is_safe_name(argv[2])) {
        fprintf(stderr, "bomiot-launcher: usage: bomiot-launcher --unblock VERSION\n");
        return 2;
    }
    if (!hold_root_for_state(l, exe))
        return EXIT_LAUNCHER_FAILED;
    rc = bl_state_unblock_file(l->layout.state_path, argv[2], &was_blocked, &err);
    if (rc != BL_OK)
        bl_log(BL_LOG_ERROR, "state", "%s; nothing unblocked", err.msg);
    else if (!was_blocked)
        printf("%s is not blocked\n", argv[2]);
    else {
        bl_log(BL_LOG_INFO, "trial", "version %s unblocked by --unblock", argv[2]);
        printf("%s is no longer blocked: updates may offer it again, on trial\n", argv[2]);
    }
    release_root_for_state(l);
    return rc == BL_OK ? 0 : EXIT_LAUNCHER_FAILED;
}

/* --switch-to VERSION: makes an installed version the current one, on trial
 * as an update would (a crash on its first run goes back to the version it
 * replaced). For an installer that has put a newer version beside the one
 * an installation runs: a user who downloads the new installer gets the new
 * version, not the old one still named in state.json. It writes state.json,
 * so like --unblock it refuses (125) while a launcher runs. */
int command_switch_to(launch_context *l, char *exe, int argc, char **argv)
{
    bl_version_list complete;
    bl_error err;
    int rc;

    if (argc != 3 || !bl_version_is_safe_name(argv[2])) {
        fprintf(stderr, "bomiot-launcher: usage: bomiot-launcher --switch-to VERSION\n");
        return 2;
    }
    if (!hold_root_for_state(l, exe))
        return EXIT_LAUNCHER_FAILED;
    rc = bl_install_list_complete(&l->layout, &complete, &err);
    if (rc == BL_OK && !bl_install_list_contains(&complete, argv[2]))
        rc = bl_error_set(&err, BL_ENOTFOUND, "version %s is not installed here (no complete versions/%s)", argv[2],
                          argv[2]);
    if (rc == BL_OK && (rc = bl_state_load(l->layout.state_path, &l->state, &err)) == BL_ENOTFOUND) {
        bl_state_init(&l->state);
        rc = BL_OK;
    }
    if (rc == BL_OK && bl_state_is_blocked(&l->state, argv[2]))
        rc = bl_error_set(&err, BL_EDENIED, "version %s failed its trial here and is blocked; --unblock it first",
                          argv[2]);
    if (rc == BL_OK && strcmp(l->state.current, argv[2]) == 0) {
        printf("%s is already the current version\n", argv[2]);
    } else if (rc == BL_OK) {
        bl_trial_begin(&l->state, argv[2]);
        if ((rc = bl_state_save(l->layout.state_path, &l->state, &err)) == BL_OK) {
            bl_log(BL_LOG_INFO, "trial", "version %s made current by --switch-to, on trial", argv[2]);
            printf("%s is the current version, on trial\n", argv[2]);
        }
    }
    if (rc != BL_OK)
        launch_print_error(&err, "");
    release_root_for_state(l);
    return rc == BL_OK ? 0 : rc == BL_ENOTFOUND ? EXIT_NOTHING_INSTALLED : EXIT_LAUNCHER_FAILED;
}

/* --installed-version: the version a launch would start, by the same pick
 * (state.json's current if complete, else the newest complete one), printed
 * for an installer, which must not add an older version than that. It reads
 * only: no lock, no log, no recovery written back. */
int command_installed_version(launch_context *l, char *exe)
{
    char root[BL_PATH_MAX], version[BL_VERSION_MAX_TEXT], why[512];
    bl_version_list complete;
    bl_error err;
    int state_ok;

    if (launch_locate_root(exe, root, sizeof root, &err) != BL_OK || bl_layout_init(root, &l->layout, &err) != BL_OK) {
        launch_print_error(&err, "");
        return EXIT_LAUNCHER_FAILED;
    }
    state_ok = bl_state_load(l->layout.state_path, &l->state, &err) == BL_OK;
    if (!state_ok)
        bl_state_init(&l->state);
    if (bl_install_list_complete(&l->layout, &complete, &err) != BL_OK) {
        launch_print_error(&err, "");
        return EXIT_LAUNCHER_FAILED;
    }
    if (bl_install_pick(&l->state, state_ok, &complete, version, why, sizeof why) != BL_OK)
        return EXIT_NOTHING_INSTALLED;
    printf("%s\n", version);
    return 0;
}

/* --display-name: the app's name as the splash shows it (launcher.json's
 * display_name, else app_name capitalised), for an installer's menu entry:
 * one JSON reader, the launcher's, rather than a second one in a shell
 * script. It reads only: no lock, no log file. */
int command_display_name(launch_context *l, char *exe)
{
    char root[BL_PATH_MAX], title[BL_DISPLAY_NAME_MAX];
    bl_error err;
    if (launch_locate_root(exe, root, sizeof root, &err) != BL_OK || bl_layout_init(root, &l->layout, &err) != BL_OK) {
        launch_print_error(&err, "");
        return EXIT_LAUNCHER_FAILED;
    }
    launch_load_config(l); /* a bad value is said on stderr and the name falls back */
    bl_config_app_title(&l->cfg, title, sizeof title, NULL, 0);
    printf("%s\n", title);
    return 0;
}

/* --compare-versions A B: "older", "same" or "newer" (A against B), so that
 * an installer orders versions as the launcher does, by PEP 440. */
int command_compare_versions(int argc, char **argv)
{
    bl_version a, b;
    bl_error err;
    int order;

    if (argc != 4) {
        fprintf(stderr, "bomiot-launcher: usage: bomiot-launcher --compare-versions A B\n");
        return 2;
    }
    if (bl_version_parse(argv[2], &a, &err) != BL_OK || bl_version_parse(argv[3], &b, &err) != BL_OK) {
        launch_print_error(&err, "");
        return 2;
    }
    order = bl_version_compare(&a, &b);
    printf("%s\n", order < 0 ? "older" : order > 0 ? "newer" : "same");
    return 0;
}

static const char *status_getenv(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

/* Sums the bytes of the regular files under dir (a version folder). */
typedef struct {
    const char *dir;
    uint64_t bytes;
} tree_size;

static int add_entry_size(void *ctx, const char *name, int is_dir)
{
    tree_size *t = ctx, sub;
    char path[BL_PATH_MAX];
    bl_error ignored;
    if (bl_fs_join(path, sizeof path, t->dir, name) != BL_OK)
        return 0;
    if (!is_dir) {
        t->bytes += bl_fs_file_size(path);
        return 0;
    }
    sub.dir = path;
    sub.bytes = 0;
    bl_fs_list_dir(path, add_entry_size, &sub, &ignored);
    t->bytes += sub.bytes;
    return 0;
}

/* A live cache/activity.json: it parses and its launcher still runs
 * (uv_kill with signal 0 asks the OS without sending anything, on Windows
 * too). Anything else is stale: NULL. */
static const bl_activity *live_activity(const bl_layout *layout, bl_activity *a)
{
    bl_error err;
    if (bl_activity_load(layout->activity_path, a, &err) != BL_OK || a->launcher_pid <= 0 ||
        a->launcher_pid > INT32_MAX || uv_kill((int)a->launcher_pid, 0) != 0)
        return NULL;
    return a;
}

static int print_status(const bl_status *s, int json)
{
    bl_error err;
    char *text = NULL;
    int rc = json ? bl_status_json(s, &text, &err) : bl_status_text(s, &text, &err);
    if (rc != BL_OK) {
        launch_print_error(&err, "");
        return 0;
    }
    if (json || !s->error)
        printf("%s%s", text, json ? "\n" : "");
    else
        fputs(text, stderr);
    free(text);
    return 1;
}

/* --status [--json]: what the app (or a user) may ask about its
 * installation (spec section 2). It reads only, without the lock and
 * without the log: a status call never waits on a launcher at work, and
 * never makes a starting launcher skip its maintenance (which a lock taken
 * for a moment would). */
int command_status(launch_context *l, char *exe, int argc, char **argv)
{
    char root[BL_PATH_MAX], version[BL_VERSION_MAX_TEXT], why[512], staged_dir[BL_PATH_MAX];
    bl_version_list complete;
    bl_activity activity;
    bl_checks checks;
    bl_status s;
    bl_error err;
    tree_size size;
    int json = argc == 3 && strcmp(argv[2], "--json") == 0, state_ok;

    if (argc > 3 || (argc == 3 && !json)) {
        fprintf(stderr, "bomiot-launcher: usage: bomiot-launcher --status [--json]\n");
        return 2;
    }
    memset(&s, 0, sizeof s);
    s.launcher_version = BL_VERSION_STRING;
    s.launcher_path = exe;
    s.now = (int64_t)time(NULL);
    exe[0] = '\0';
    if (launch_locate_root(exe, root, sizeof root, &err) != BL_OK || bl_layout_init(root, &l->layout, &err) != BL_OK) {
        s.error = err.msg;
        print_status(&s, json);
        return EXIT_LAUNCHER_FAILED;
    }
    s.root = l->layout.root;
    if (!bl_fs_is_dir(l->layout.versions_dir)) {
        snprintf(why, sizeof why, "no versions folder beside the launcher (%s): this launcher is not in an "
                 "installation", l->layout.versions_dir);
        s.error = why;
        print_status(&s, json);
        return EXIT_NOTHING_INSTALLED;
    }
    if (bl_install_list_complete(&l->layout, &complete, &err) != BL_OK) {
        s.error = err.msg;
        print_status(&s, json);
        return EXIT_LAUNCHER_FAILED;
    }
    state_ok = bl_state_load(l->layout.state_path, &l->state, &err) == BL_OK;
    if (!state_ok)
        bl_state_init(&l->state);
    if (bl_install_pick(&l->state, state_ok, &complete, version, why, sizeof why) != BL_OK) {
        snprintf(why, sizeof why, "no version is installed in %s; reinstall Bomiot", l->layout.versions_dir);
        s.error = why;
        print_status(&s, json);
        return EXIT_NOTHING_INSTALLED;
    }
    bl_config_defaults(&l->cfg);
    bl_config_load_file(&l->cfg, l->layout.config_path, NULL, NULL);
    bl_config_load_user_file(&l->cfg, l->layout.user_config_path, NULL, NULL);
    bl_config_apply_env(&l->cfg, status_getenv, NULL, NULL, NULL);
    bl_config_load_policy(&l->cfg, NULL, NULL);
    bl_checks_load(l->layout.checks_path, &checks);

    s.cfg = &l->cfg;
    s.state = &l->state;
    s.installed = &complete;
    s.current = version;
    s.activity = live_activity(&l->layout, &activity);
    s.checks = &checks;
    s.staged = "";
    if (l->state.pending[0] && bl_install_is_complete(&l->layout, l->state.pending) &&
        bl_layout_version_dir(&l->layout, l->state.pending, staged_dir, sizeof staged_dir, &err) == BL_OK) {
        size.dir = staged_dir;
        size.bytes = 0;
        bl_fs_list_dir(staged_dir, add_entry_size, &size, &err);
        s.staged = l->state.pending;
        s.staged_size = size.bytes;
    }
    return print_status(&s, json) ? 0 : EXIT_LAUNCHER_FAILED;
}

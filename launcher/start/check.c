/* SPDX-License-Identifier: Apache-2.0 */
/* `bomiot-launcher --check [--json]`: a check now, whatever the interval,
 * which stages what it finds as a background check does and never
 * switches (docs/app-integration.md). Where it runs:
 *   - in the supervising launcher, when one holds the lock: its background
 *     updater checks on its loop, and this process relays the events it
 *     sends over the control endpoint (control.h); a check already running
 *     there is joined;
 *   - else here, with the lock taken, through the same background updater
 *     (requests_only), so both record and stage alike;
 *   - else (the lock holder serves no endpoint: it is updating at launch,
 *     or an --unblock) nowhere: "busy", exit 11.
 * Also the supervising side: the endpoint's server beside the app. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "activity.h"
#include "base/fsutil.h"
#include "check_event.h"
#include "control.h"
#include "install.h"
#include "launch.h"
#include "log.h"
#include "trial.h"

#define CHECK_REQUEST "{\"request\": \"check\"}"

/* --- the supervising launcher: the endpoint while the app runs ---------- */

/* A version staged already is the answer without a check (and the
 * background checks no further while one is); a version on trial is
 * judged before anything else is installed. Returns 1 with *out filled. */
static int answer_without_check(launch_context *l, bl_check_event *out)
{
    const char *pending = l->state.pending;
    if (pending[0] && bl_install_is_complete(&l->layout, pending) && !bl_state_is_blocked(&l->state, pending) &&
        bl_version_compare_text(pending, l->state.current) > 0) {
        bl_check_final(BL_OK, "", 1, pending, l->state.current, out);
        return 1;
    }
    l->state.pending[0] = '\0'; /* gone, blocked or not newer: as a launch would, the check ignores it */
    if (l->state.trial) {
        bl_check_final(BL_EBUSY, "", 0, "", l->state.current, out);
        snprintf(out->error, sizeof out->error, "version %s is on trial: updates wait until it is confirmed "
                 "(it runs healthy_seconds, or exits normally)", l->state.current);
        return 1;
    }
    return 0;
}

static void on_control_check(void *ctx, bl_control_client *client)
{
    launch_context *l = ctx;
    bl_check_event answer;
    if (answer_without_check(l, &answer)) {
        bl_control_reply(client, &answer);
        return;
    }
    if (!l->background)
        launch_background_on(l, 1); /* update_interval 0: started for this request */
    if (!l->background) {
        bl_check_final(BL_EUNSUPPORTED, l->update_module_err.code ? l->update_module_err.msg
                                                                  : "updates are not available in this launcher",
                       0, "", l->state.current, &answer);
        bl_control_reply(client, &answer);
        return;
    }
    bl_control_subscribe(client); /* before: a check started now reports its first view at once */
    if (!l->update_module->background_check(l->background)) {
        bl_check_final(BL_EBUSY, "the launcher cannot check now; try again in a moment", 0, "", l->state.current,
                       &answer);
        bl_control_final(l->control, &answer);
    }
}

void launch_check_progress(void *ctx, const bl_progress_view *view)
{
    launch_context *l = ctx;
    launch_activity_check(l, view); /* for --status */
    if (view)
        bl_control_progress(l->control, view, l->state.current, uv_hrtime());
}

void launch_check_done(void *ctx, int rc, const bl_update_result *res, const char *error)
{
    launch_context *l = ctx;
    bl_check_event final;
    bl_check_final(rc, error, res->installed, res->version, l->state.current, &final);
    bl_control_final(l->control, &final);
}

void launch_control_on(launch_context *l, uv_loop_t *loop)
{
    char endpoint[BL_PATH_MAX];
    bl_error err;
    l->loop = loop;
    if (bl_control_endpoint(&l->layout, endpoint, sizeof endpoint, &err) != BL_OK ||
        bl_control_start(loop, endpoint, on_control_check, l, &l->control, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "control", "%s; --check runs only while no app runs", err.msg);
}

void launch_control_off(launch_context *l)
{
    bl_control_stop(l->control);
    l->control = NULL;
    l->loop = NULL;
}

/* --- --check: what it prints --------------------------------------------- */

typedef struct {
    int json, tty;
    int in_place;     /* a download line is on the terminal without its newline */
    int last_decile;  /* not a terminal: one download line per 10% */
    int exit_code;    /* -1 until the final event */
    char title[64];   /* "Bomiot" */
} printer;

static void print_event(printer *p, const bl_check_event *e)
{
    char text[1024];
    if (bl_check_is_final(e->kind))
        p->exit_code = bl_check_exit_code(e->kind);
    if (p->json) {
        if (bl_check_event_json(e, text, sizeof text) == BL_OK)
            fputs(text, stdout);
        fflush(stdout);
        return;
    }
    bl_check_event_text(e, p->title, text, sizeof text);
    if (e->kind == BL_CHECK_DOWNLOADING) {
        int decile = e->total ? (int)(e->bytes * 10 / e->total) : 0;
        if (p->tty) {
            printf("\r%-79s", text);
            p->in_place = 1;
        } else if (decile != p->last_decile) {
            printf("%s\n", text);
            p->last_decile = decile;
        }
        fflush(stdout);
        return;
    }
    if (p->in_place)
        printf("\n");
    p->in_place = 0;
    p->last_decile = -1;
    printf("%s\n", text);
    fflush(stdout);
}

static void print_relayed(void *ctx, const char *line, size_t len)
{
    printer *p = ctx;
    bl_check_event e;
    if (bl_check_event_parse(line, len, &e) != BL_OK)
        return; /* a line a newer launcher added: not ours to show */
    if (p->json) { /* as it came: a newer launcher's keys pass through */
        if (bl_check_is_final(e.kind))
            p->exit_code = bl_check_exit_code(e.kind);
        fwrite(line, 1, len, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        return;
    }
    print_event(p, &e);
}

static void print_final(printer *p, int rc, const char *error, const char *current)
{
    bl_check_event e;
    bl_check_final(rc, error, 0, "", current, &e);
    print_event(p, &e);
}

/* --- --check in this process ------------------------------------------------ */

typedef struct {
    launch_context *l;
    printer *out;
    bl_check_stream stream;
    int done;
} local_check;

static void local_progress(void *ctx, const bl_progress_view *view)
{
    local_check *c = ctx;
    bl_check_event events[3];
    int i, n;
    if (view) {
        n = bl_check_stream_next(&c->stream, view, c->l->state.current, uv_hrtime(), events);
        for (i = 0; i < n; i++)
            print_event(c->out, &events[i]);
    }
    launch_activity_check(c->l, view); /* for --status: this process holds the lock */
}

static void local_done(void *ctx, int rc, const bl_update_result *res, const char *error)
{
    local_check *c = ctx;
    bl_check_event final;
    bl_check_final(rc, error, res->installed, res->version, c->l->state.current, &final);
    print_event(c->out, &final);
    c->done = 1;
}

/* The lock is held: the background updater on a loop of its own, asked
 * for one check. */
static void check_here(launch_context *l, printer *out)
{
    bl_background_options opt;
    bl_background *bg = NULL;
    local_check c;
    uv_loop_t loop;
    bl_error err;

    memset(&c, 0, sizeof c);
    c.l = l;
    c.out = out;
    l->activity.mode = l->cfg.mode;
    if (!launch_update_module(l)) {
        print_final(out, l->update_module_err.code, l->update_module_err.msg, l->state.current);
        return;
    }
    launch_background_options(l, &opt);
    opt.requests_only = 1;
    opt.on_check_progress = local_progress;
    opt.on_check_done = local_done;
    opt.check_ctx = &c;
    if (uv_loop_init(&loop) != 0) {
        print_final(out, BL_ENOMEM, "cannot start an event loop", l->state.current);
        return;
    }
    bl_log(BL_LOG_INFO, "check", "checking %s now, as asked (--check)", l->cfg.update_url);
    if (l->update_module->background_start(&loop, &opt, &bg, &err) != BL_OK) {
        print_final(out, err.code, err.msg, l->state.current);
    } else if (!l->update_module->background_check(bg)) {
        print_final(out, BL_EBUSY, "the check could not start", l->state.current);
    } else {
        while (!c.done && uv_run(&loop, UV_RUN_ONCE))
            ;
    }
    l->update_module->background_stop(bg);
    uv_run(&loop, UV_RUN_DEFAULT); /* the handles' close callbacks */
    uv_loop_close(&loop);
    launch_activity_remove(l);
}

/* The version this installation runs, as a launch would pick it (nothing
 * written back: a launch recovers the state, not a check). */
static int load_current(launch_context *l, bl_error *err)
{
    bl_version_list complete;
    char version[BL_VERSION_MAX_TEXT], why[512];
    int state_ok = bl_state_load(l->layout.state_path, &l->state, err) == BL_OK;
    if (!state_ok)
        bl_state_init(&l->state);
    if (bl_install_list_complete(&l->layout, &complete, err) != BL_OK)
        return err->code;
    if (bl_install_pick(&l->state, state_ok, &complete, version, why, sizeof why) != BL_OK)
        return bl_error_set(err, BL_ENOTFOUND, "%s in %s; reinstall Bomiot", why, l->layout.versions_dir);
    if (strcmp(l->state.current, version) != 0) {
        snprintf(l->state.current, sizeof l->state.current, "%s", version);
        l->state.trial = 0;
        l->state.pending[0] = '\0';
    }
    return BL_OK;
}

/* --check: 0 up to date, 10 staged, 12 available, 1 failed, 11 busy, 2
 * usage, 125 not an installation. */
int command_check(launch_context *l, char *exe, int argc, char **argv)
{
    char root[BL_PATH_MAX], endpoint[BL_PATH_MAX];
    bl_check_event answer;
    printer out;
    bl_error err;
    int rc;

    if (argc > 3 || (argc == 3 && strcmp(argv[2], "--json") != 0)) {
        fprintf(stderr, "bomiot-launcher: usage: bomiot-launcher --check [--json]\n");
        return 2;
    }
    memset(&out, 0, sizeof out);
    out.json = argc == 3;
    out.tty = uv_guess_handle(1) == UV_TTY;
    out.last_decile = -1;
    out.exit_code = -1;
    if (launch_locate_root(exe, root, sizeof root, &err) != BL_OK || bl_layout_init(root, &l->layout, &err) != BL_OK) {
        launch_print_error(&err, "");
        return EXIT_LAUNCHER_FAILED;
    }
    if (!bl_plat_dir_writable(l->layout.root)) { /* read-only (machine.c): not this user's to update */
        launch_load_config(l);
        snprintf(answer.error, sizeof answer.error, "this user may not write %s: the machine's updater keeps it "
                 "up to date (bomiot-launcher --update-only, run by its owner)", l->layout.root);
        print_final(&out, BL_EDENIED, answer.error, "");
        return out.exit_code;
    }
    if (bl_fs_mkdir_p(l->layout.cache_dir, &err) != BL_OK) {
        launch_print_error(&err, "");
        return EXIT_LAUNCHER_FAILED;
    }
    launch_load_config(l);
    bl_config_app_title(&l->cfg, NULL, 0, out.title, sizeof out.title); /* the terminal's: English */

    rc = bl_plat_lock_try(l->layout.lock_path, &l->lock, &err);
    if (rc == BL_EBUSY) { /* a supervising launcher checks for us, or nobody can */
        if (bl_control_endpoint(&l->layout, endpoint, sizeof endpoint, &err) != BL_OK ||
            bl_control_request(endpoint, CHECK_REQUEST, print_relayed, &out, &err) == BL_ENOTFOUND) {
            memset(&answer, 0, sizeof answer);
            answer.kind = BL_CHECK_BUSY;
            snprintf(answer.error, sizeof answer.error,
                     "another bomiot-launcher is updating this installation; try again in a moment");
            print_event(&out, &answer);
        } else if (out.exit_code < 0) {
            print_final(&out, BL_EIO, "the running launcher stopped answering before the check ended", "");
        }
        return out.exit_code;
    }
    if (rc != BL_OK) {
        launch_print_error(&err, "");
        return EXIT_LAUNCHER_FAILED;
    }
    if (bl_log_open(l->layout.log_path, BL_LOG_DEFAULT_MAX_BYTES, BL_LOG_DEFAULT_KEEP, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "log", "%s; logging to stderr only", err.msg);
    else
        bl_log_set_stderr(0); /* every outcome is printed on stdout: the log's echo would say it twice */
    if (load_current(l, &err) != BL_OK) {
        bl_log(BL_LOG_ERROR, "check", "%s", err.msg);
        print_final(&out, err.code, err.msg, "");
        out.exit_code = EXIT_LAUNCHER_FAILED;
    } else if (answer_without_check(l, &answer)) {
        print_event(&out, &answer);
    } else {
        check_here(l, &out);
    }
    bl_plat_lock_release(l->lock);
    l->lock = NULL;
    bl_log_close();
    return out.exit_code < 0 ? EXIT_LAUNCHER_FAILED : out.exit_code;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "supervise.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "log.h"
#include "platform.h"

#define MAX_SIGNALS 8
/* How often the health file is looked for: cheap, and well under the
 * healthy time, so a confirmation is never noticeably late. */
#define HEALTH_POLL_MS 100

typedef struct {
    bl_plat_child *child;
    uv_signal_t forwarded[MAX_SIGNALS];
    uv_signal_t terminal[MAX_SIGNALS];
    uv_timer_t healthy_timer, health_poll;
    int timers_started;
    size_t forwarded_count, terminal_count;
    const bl_supervise_watch *watch;
    const bl_supervise_hooks *hooks;
    bl_app_status *status;
    uint64_t started;
    int exited;
} supervisor;

static void close_all(supervisor *sv);

static void on_app_exit(void *ctx, int64_t exit_status, int term_signal)
{
    supervisor *sv = ctx;
    sv->status->exit_code = (int)exit_status;
    sv->status->term_signal = term_signal;
    sv->status->ran_ms = (uv_hrtime() - sv->started) / 1000000;
    sv->exited = 1;
    close_all(sv);
    if (sv->hooks && sv->hooks->on_stop)
        sv->hooks->on_stop(sv->hooks->ctx);
}

static void confirm(supervisor *sv, const char *why)
{
    if (sv->status->confirmed || sv->exited)
        return;
    sv->status->confirmed = 1;
    uv_timer_stop(&sv->healthy_timer);
    uv_timer_stop(&sv->health_poll);
    sv->watch->on_healthy(sv->watch->ctx, why);
}

static void on_healthy_time(uv_timer_t *timer)
{
    confirm(timer->data, "it ran for the healthy time");
}

static void on_health_poll(uv_timer_t *timer)
{
    supervisor *sv = timer->data;
    uv_fs_t req;
    int rc = uv_fs_stat(NULL, &req, sv->watch->health_file, NULL);
    uv_fs_req_cleanup(&req);
    if (rc == 0)
        confirm(sv, "it reported itself healthy");
}

static void on_forwarded_signal(uv_signal_t *handle, int signum)
{
    supervisor *sv = handle->data;
    if (sv->exited)
        return;
    sv->status->signal_received = signum;
    bl_plat_child_kill(sv->child, signum);
}

/* The terminal delivers Ctrl+C to the whole foreground process group, app
 * included; the launcher only has to survive it to report the app's status. */
static void on_terminal_signal(uv_signal_t *handle, int signum)
{
    supervisor *sv = handle->data;
    if (!sv->exited)
        sv->status->signal_received = signum;
    bl_log(BL_LOG_DEBUG, "supervise", "signal %d from the terminal reached the app directly", signum);
}

static void close_all(supervisor *sv)
{
    size_t i;
    for (i = 0; i < sv->forwarded_count; i++)
        uv_close((uv_handle_t *)&sv->forwarded[i], NULL);
    for (i = 0; i < sv->terminal_count; i++)
        uv_close((uv_handle_t *)&sv->terminal[i], NULL);
    if (sv->timers_started) {
        uv_close((uv_handle_t *)&sv->healthy_timer, NULL);
        uv_close((uv_handle_t *)&sv->health_poll, NULL);
        sv->timers_started = 0;
    }
    if (sv->child)
        bl_plat_child_close(sv->child);
    sv->child = NULL;
    sv->forwarded_count = sv->terminal_count = 0;
}

static void stdio_inherit(uv_stdio_container_t stdio[3])
{
    int fd;
    for (fd = 0; fd < 3; fd++) {
        stdio[fd].flags = UV_INHERIT_FD;
        stdio[fd].data.fd = fd;
    }
}

static int start_signals(uv_loop_t *loop, supervisor *sv)
{
    size_t n, i;
    const int *sigs = bl_plat_forwarded_signals(&n);
    for (i = 0; i < n && i < MAX_SIGNALS; i++) {
        if (uv_signal_init(loop, &sv->forwarded[i]) != 0)
            return -1;
        sv->forwarded[i].data = sv;
        sv->forwarded_count++;
        uv_signal_start(&sv->forwarded[i], on_forwarded_signal, sigs[i]);
    }
    sigs = bl_plat_terminal_signals(&n);
    for (i = 0; i < n && i < MAX_SIGNALS; i++) {
        if (uv_signal_init(loop, &sv->terminal[i]) != 0)
            return -1;
        sv->terminal[i].data = sv;
        sv->terminal_count++;
        uv_signal_start(&sv->terminal[i], on_terminal_signal, sigs[i]);
    }
    return 0;
}

/* Before the spawn: a stale health file from an earlier run (on trial or
 * not: every run is told the file) must not confirm this one, and the app
 * must learn where to write it. */
static int prepare_watch(const bl_supervise_watch *watch, bl_error *err)
{
    uv_fs_t req;
    int rc;
    if (!watch || !watch->health_file)
        return BL_OK;
    uv_fs_unlink(NULL, &req, watch->health_file, NULL);
    uv_fs_req_cleanup(&req);
    rc = uv_os_setenv(BL_HEALTH_FILE_ENV, watch->health_file);
    if (rc != 0)
        return bl_error_set(err, BL_EIO, "cannot set %s: %s", BL_HEALTH_FILE_ENV, uv_strerror(rc));
    return BL_OK;
}

static void start_watch(uv_loop_t *loop, supervisor *sv)
{
    if (!sv->watch)
        return;
    uv_timer_init(loop, &sv->healthy_timer);
    uv_timer_init(loop, &sv->health_poll);
    sv->healthy_timer.data = sv->health_poll.data = sv;
    sv->timers_started = 1;
    uv_timer_start(&sv->healthy_timer, on_healthy_time, sv->watch->healthy_ms, 0);
    if (sv->watch->health_file)
        uv_timer_start(&sv->health_poll, on_health_poll, HEALTH_POLL_MS, HEALTH_POLL_MS);
}

int bl_supervise_run(const char *app, char *const argv[], const bl_supervise_watch *watch,
                     const bl_supervise_hooks *hooks, bl_app_status *status, bl_error *err)
{
    uv_loop_t loop;
    supervisor sv;
    int rc;

    memset(&sv, 0, sizeof sv);
    memset(status, 0, sizeof *status);
    sv.status = status;
    sv.watch = watch;
    sv.hooks = hooks;
    if ((rc = prepare_watch(watch, err)) != BL_OK)
        return rc;
    if ((rc = uv_loop_init(&loop)) != 0)
        return bl_error_set(err, BL_EIO, "cannot start the event loop: %s", uv_strerror(rc));

    /* Signals first, so one that arrives right after the spawn is not lost. */
    if (start_signals(&loop, &sv) != 0) {
        rc = bl_error_set(err, BL_EIO, "cannot watch signals");
        goto cleanup;
    }
    /* The app inherits the user's standard streams, working folder and environment. */
    sv.started = uv_hrtime();
    rc = bl_plat_child_spawn(&loop, app, argv, on_app_exit, &sv, &sv.child, err);
    if (rc != BL_OK) {
        close_all(&sv);
        goto cleanup;
    }
    bl_log(BL_LOG_INFO, "supervise", "started %s (pid %d)", app, bl_plat_child_pid(sv.child));
    start_watch(&loop, &sv);
    if (hooks && hooks->on_start)
        hooks->on_start(hooks->ctx, &loop, bl_plat_child_pid(sv.child));
    uv_run(&loop, UV_RUN_DEFAULT);
    rc = BL_OK;

cleanup:
    uv_run(&loop, UV_RUN_DEFAULT); /* let the close callbacks run */
    uv_loop_close(&loop);
    return rc;
}

int bl_supervise_spawn_detached(const char *app, char *const argv[], bl_error *err)
{
    uv_loop_t loop;
    uv_process_t process;
    uv_process_options_t options;
    uv_stdio_container_t stdio[3];
    int rc;

    memset(&options, 0, sizeof options);
    if ((rc = uv_loop_init(&loop)) != 0)
        return bl_error_set(err, BL_EIO, "cannot start the event loop: %s", uv_strerror(rc));
    stdio_inherit(stdio);
    options.file = app;
    options.args = (char **)argv;
    options.stdio = stdio;
    options.stdio_count = 3;
    options.flags = UV_PROCESS_DETACHED;
    rc = uv_spawn(&loop, &process, &options);
    if (rc == 0) {
        uv_unref((uv_handle_t *)&process);
        uv_close((uv_handle_t *)&process, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        rc = BL_OK;
    } else {
        rc = bl_error_sys(err, rc, "cannot start %s", app);
    }
    uv_loop_close(&loop);
    return rc;
}

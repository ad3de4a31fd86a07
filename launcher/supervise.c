#include "supervise.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "log.h"
#include "platform.h"

#define MAX_SIGNALS 8

typedef struct {
    uv_process_t process;
    uv_signal_t forwarded[MAX_SIGNALS];
    uv_signal_t terminal[MAX_SIGNALS];
    size_t forwarded_count, terminal_count;
    bl_app_status *status;
    int exited;
} supervisor;

static void close_all(supervisor *sv);

static void on_app_exit(uv_process_t *process, int64_t exit_status, int term_signal)
{
    supervisor *sv = process->data;
    sv->status->exit_code = (int)exit_status;
    sv->status->term_signal = term_signal;
    sv->exited = 1;
    close_all(sv);
}

static void on_forwarded_signal(uv_signal_t *handle, int signum)
{
    supervisor *sv = handle->data;
    if (!sv->exited)
        uv_process_kill(&sv->process, signum);
}

/* The terminal delivers Ctrl+C to the whole foreground process group, app
 * included; the launcher only has to survive it to report the app's status. */
static void on_terminal_signal(uv_signal_t *handle, int signum)
{
    (void)handle;
    bl_log(BL_LOG_DEBUG, "supervise", "signal %d from the terminal reached the app directly", signum);
}

static void close_all(supervisor *sv)
{
    size_t i;
    for (i = 0; i < sv->forwarded_count; i++)
        uv_close((uv_handle_t *)&sv->forwarded[i], NULL);
    for (i = 0; i < sv->terminal_count; i++)
        uv_close((uv_handle_t *)&sv->terminal[i], NULL);
    uv_close((uv_handle_t *)&sv->process, NULL);
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

int bl_supervise_run(const char *app, char *const argv[], bl_app_status *status, bl_error *err)
{
    uv_loop_t loop;
    uv_process_options_t options;
    uv_stdio_container_t stdio[3];
    supervisor sv;
    int rc;

    memset(&sv, 0, sizeof sv);
    memset(&options, 0, sizeof options);
    memset(status, 0, sizeof *status);
    sv.status = status;
    if ((rc = uv_loop_init(&loop)) != 0)
        return bl_error_set(err, BL_EIO, "cannot start the event loop: %s", uv_strerror(rc));

    /* Signals first, so one that arrives right after the spawn is not lost. */
    if (start_signals(&loop, &sv) != 0) {
        rc = bl_error_set(err, BL_EIO, "cannot watch signals");
        goto cleanup;
    }
    stdio_inherit(stdio);
    options.file = app;
    options.args = (char **)argv;
    options.exit_cb = on_app_exit;
    options.stdio = stdio;
    options.stdio_count = 3;
    /* cwd and env NULL: the app inherits the user's working folder and environment. */
    sv.process.data = &sv;
    rc = uv_spawn(&loop, &sv.process, &options);
    if (rc != 0) {
        int code = rc == UV_ENOENT ? BL_ENOTFOUND : BL_EIO;
        rc = bl_error_set(err, code, "cannot start %s: %s", app, uv_strerror(rc));
        close_all(&sv);
        goto cleanup;
    }
    bl_log(BL_LOG_INFO, "supervise", "started %s (pid %d)", app, sv.process.pid);
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
        rc = bl_error_set(err, rc == UV_ENOENT ? BL_ENOTFOUND : BL_EIO, "cannot start %s: %s", app,
                          uv_strerror(rc));
    }
    uv_loop_close(&loop);
    return rc;
}

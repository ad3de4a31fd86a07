/* SPDX-License-Identifier: Apache-2.0 */
/* Starting the app: as a supervised child (the launcher waits, passes signals
 * on and reports how the child ended, which later lets it detect a crash on
 * first run), or by replacing the launcher process (exec mode).
 * On Windows, uv_spawn puts every child it starts (not detached) into libuv's
 * job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: the app and the
 * processes it starts are tracked together and end with the launcher, so no
 * orphan holds files of a version being replaced. */
#ifndef BL_SUPERVISE_H
#define BL_SUPERVISE_H

#include "base/error.h"

#include <stdint.h>
#include <uv.h>

/* The variable that names the health file to the app ("Confirm health",
 * issue 24): the launcher sets it for every start (main.c), so an app need
 * not know whether it is on trial. An app creates that file (any content)
 * once it is up (its main window shown, its server listening); on trial
 * the supervising launcher sees it within HEALTH_POLL_MS and confirms the
 * version before the healthy time is over. Off trial nobody looks at it.
 * Before a trial run the launcher removes the file, so one left by an
 * earlier run never confirms a later trial. */
#define BL_HEALTH_FILE_ENV "BOMIOT_HEALTH_FILE"

typedef struct {
    int exit_code;   /* valid when term_signal == 0 */
    int term_signal; /* the signal that killed the app, 0 if it exited */
    uint64_t ran_ms; /* from spawn to exit */
    int confirmed;   /* on_healthy was called */
    /* The last signal the launcher itself received while the app ran: one it
     * passed on, or one the terminal sent to both (Ctrl+C). 0 if none. So
     * term_signal == signal_received says someone sent the app's death. */
    int signal_received;
} bl_app_status;

/* Watching a version on trial. on_healthy runs once, on the calling thread,
 * when the app has run healthy_ms or created health_file, while it keeps
 * running. */
typedef struct {
    uint64_t healthy_ms;
    const char *health_file;
    void (*on_healthy)(void *ctx, const char *why);
    void *ctx;
} bl_supervise_watch;

/* Work that lives as long as the app runs, on the supervising loop (the
 * background updater): on_start after the spawn, with the app's process id,
 * on_stop when the app has exited; on_stop must close every handle on_start
 * opened. */
typedef struct {
    void (*on_start)(void *ctx, uv_loop_t *loop, int64_t app_pid);
    void (*on_stop)(void *ctx);
    void *ctx;
} bl_supervise_hooks;

/* Spawns app (argv[0] should be its path; argv NULL-terminated) with the
 * launcher's working directory, environment and standard streams, passes
 * bl_plat_forwarded_signals() on to it, and waits for it to end. watch may be
 * NULL (no trial). */
int bl_supervise_run(const char *app, char *const argv[], const bl_supervise_watch *watch,
                     const bl_supervise_hooks *hooks, bl_app_status *status, bl_error *err);

/* Starts app detached and returns at once (exec mode where the OS has no exec). */
int bl_supervise_spawn_detached(const char *app, char *const argv[], bl_error *err);

#endif

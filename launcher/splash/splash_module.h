/* SPDX-License-Identifier: Apache-2.0 */
/* Between the launcher's splash (splash.c: the worker thread, the grace, the
 * headless cases) and the module that draws it (splash_window.c, SDL2,
 * loaded only when a window will open; see module.h). Not for other modules:
 * they use splash.h. */
#ifndef BL_SPLASH_MODULE_H
#define BL_SPLASH_MODULE_H

#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "start/module.h"
#include "start/splash.h"

/* The work on the launcher's worker thread. done and wake are atomic: the
 * work may end before the window (and its way to wake the main thread)
 * exists, or while it is being made. */
typedef struct bl_splash_job {
    int (*work)(void *ctx);
    void *ctx;
    int rc;
    atomic_int done;
    /* Set by the window when it starts waiting for the job; the worker calls
     * it after done, to end the window's wait at once. */
    void (*_Atomic wake)(struct bl_splash_job *job);
    atomic_uint wake_event; /* the window's own use */
} bl_splash_job;

typedef struct bl_splash_window bl_splash_window;

/* The module's table; every call on the main thread. open gives up (BL_OK,
 * *out NULL) when job (may be NULL) is done by the time SDL has started. */
typedef struct {
    int (*open)(const bl_splash_options *opt, bl_splash_job *job, bl_splash_window **out, bl_error *err);
    /* Keeps the window alive until job is done; BL_ECANCELED when the user
     * closed it meanwhile (p is then cancelled). */
    int (*wait_job)(bl_splash_window *w, bl_progress *p, bl_splash_job *job);
    int (*closed)(const bl_splash_window *w);
    void (*pump)(bl_splash_window *w, bl_progress *p, uint32_t ms);
    uint32_t (*hold_ms)(const bl_splash_window *w, const bl_progress *p, uint32_t linger_ms);
    int (*linger_start)(bl_splash_window *w, bl_progress *p, uv_loop_t *loop, uint32_t linger_ms, bl_error *err);
    void (*linger_stop)(bl_splash_window *w);
    void (*close)(bl_splash_window *w);
} bl_splash_module;

BL_MODULE_EXPORT const void *bl_module_entry_splash(const bl_module_host *host, bl_error *err);

#endif

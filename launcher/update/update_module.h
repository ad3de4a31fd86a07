/* SPDX-License-Identifier: Apache-2.0 */
/* The update module's interface: everything that crosses between the
 * launcher (start/) and the module that touches the network and the archive
 * formats, and nothing else of its insides. The launcher includes this
 * header only; update.h and background.h declare the functions behind the
 * table. Loaded (start/module.h) only when an update check runs, so a launch
 * that checks nothing never loads libcurl and libarchive. Every structure
 * here is part of the ABI text both sides compare (start/module.c). */
#ifndef BL_UPDATE_MODULE_H
#define BL_UPDATE_MODULE_H

#include <stdint.h>
#include <uv.h>

#include "base/error.h"
#include "start/config.h"
#include "start/layout.h"
#include "start/module.h"
#include "start/progress.h"
#include "start/state.h"

/* One update (update.h). */
typedef struct {
    const bl_layout *layout;
    const bl_config *cfg;
    const bl_state *state;     /* current version, blocked list, install id */
    bl_progress *progress;     /* optional */
    uint64_t check_deadline;   /* uv_hrtime() by which the metadata must be in; 0: none */
    uint64_t download_deadline; /* uv_hrtime() by which the downloads must be in; 0: none. Past it a
                                 * download stops, its bytes kept for a resume (deferred below) */
    int64_t now;               /* UTC seconds for expiry checks */
    int install;               /* 0: check and log only (BOMIOT_AUTO_UPDATE=false) */
} bl_update_request;

typedef struct {
    int installed;                      /* versions/<version> is complete and new */
    int deferred;                       /* version's download ran out of download_deadline */
    int check_cut;                      /* the check ran out of check_deadline (an error): the
                                         * background takes it up soon */
    char version[BL_VERSION_MAX_TEXT];  /* the chosen release, "" if none */
    char why[320];                      /* the decision, for the log */
} bl_update_result;

/* Updates while the app runs (background.h). The app learns of a staged
 * version from the file this variable names. */
#define BL_READY_FILE_ENV "BOMIOT_UPDATE_READY_FILE"

typedef struct {
    const bl_layout *layout;
    const bl_config *cfg;
    bl_state *state;                 /* the launcher's; changed only on the loop thread */
    void (*save_state)(void *ctx);   /* persists *state */
    void *save_ctx;
    int check_soon;                  /* the update at launch ran out of its time box (a download
                                      * deferred, or the check cut short): the first check comes
                                      * soon (background.h), not an interval after the start */
    int requests_only;               /* no timer, no watcher: checks only when asked
                                      * (background_check; --check in its own process) */
    /* A check's progress, on the loop thread while one runs (at most twice a
     * second, and as it starts), then view NULL as it ends; and its result,
     * after it is recorded (staged, cache/last-check): rc, res and error (the
     * failure's sentence). Either may be NULL. */
    void (*on_check_progress)(void *ctx, const bl_progress_view *view);
    void (*on_check_done)(void *ctx, int rc, const bl_update_result *res, const char *error);
    void *check_ctx;
} bl_background_options;

typedef struct bl_background bl_background;

/* The module's table. */
typedef struct {
    int (*update_run)(const bl_update_request *req, bl_update_result *res, bl_error *err);
    int (*background_start)(uv_loop_t *loop, const bl_background_options *opt, bl_background **out, bl_error *err);
    void (*background_stop)(bl_background *bg);
    /* A check now (--check): 1 when one runs, started or already running
     * (the caller then gets its progress and result through the hooks); 0
     * when none may (a version staged or on trial, or stopping). */
    int (*background_check)(bl_background *bg);
} bl_update_module;

/* Sets up libcurl for the process (curl_global_init) on first call: a
 * launcher loads the module on its main thread, before it starts workers. */
BL_MODULE_EXPORT const void *bl_module_entry_update(const bl_module_host *host, bl_error *err);

#endif

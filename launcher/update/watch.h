/* SPDX-License-Identifier: Apache-2.0 */
/* Watching a local repository folder (file:// update URL, a shared folder, a
 * USB stick) so a publish triggers an update check. libuv's file system
 * events do the work on Linux, macOS and Windows; because they do not arrive
 * on network shares, a slow stat poll runs beside them. Both feed one
 * debounce timer, so a publisher copying twenty files triggers one check,
 * debounce_ms after the last change. */
#ifndef BL_WATCH_H
#define BL_WATCH_H

#include <stdint.h>
#include <uv.h>

#include "base/error.h"

#define BL_WATCH_DEFAULT_DEBOUNCE_MS 2000
#define BL_WATCH_DEFAULT_POLL_MS 10000

typedef void (*bl_watch_fn)(void *ctx);

typedef struct {
    const char *dir;      /* the folder to watch (for a repository: its metadata/) */
    uint64_t debounce_ms; /* quiet time after the last change before fn runs */
    const char *poll_path; /* what the poll stats (NULL: dir); for a repository its
                              metadata/timestamp.json, which every publish rewrites */
    uint64_t poll_ms;     /* stat poll interval; 0 = no poll */
    int events;           /* use file system events (tests turn them off) */
    bl_watch_fn fn;
    void *ctx;
} bl_watch_options;

typedef struct bl_watch bl_watch;

/* Starts watching on loop; fn runs on the loop's thread. */
int bl_watch_start(uv_loop_t *loop, const bl_watch_options *opt, bl_watch **out, bl_error *err);

/* Stops and frees (after the loop has run the close callbacks). */
void bl_watch_stop(bl_watch *watch);

/* How it watches, for the log ("events and a poll every 10 s"). */
const char *bl_watch_describe(const bl_watch *watch);

#endif

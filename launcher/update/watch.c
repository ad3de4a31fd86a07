/* SPDX-License-Identifier: Apache-2.0 */
#include "watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "start/log.h"

struct bl_watch {
    uv_fs_event_t event;
    uv_fs_poll_t poll;
    uv_timer_t debounce;
    int event_inited, poll_inited, event_started, poll_started;
    int open_handles;
    bl_watch_options opt;
    char dir[BL_PATH_MAX], poll_path[BL_PATH_MAX];
    char description[128];
    /* the polled file as it was when the last check started: a poll that
     * finds it so saw a change the events already reported */
    int have_checked;
    uv_stat_t checked;
};

static int same_file_state(const uv_stat_t *a, const uv_stat_t *b)
{
    return a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_size == b->st_size && a->st_ino == b->st_ino;
}

static void on_debounced(uv_timer_t *timer)
{
    bl_watch *w = timer->data;
    if (w->poll_started) {
        uv_fs_t req;
        w->have_checked = uv_fs_stat(NULL, &req, w->poll_path, NULL) == 0;
        if (w->have_checked)
            w->checked = req.statbuf;
        uv_fs_req_cleanup(&req);
    }
    w->opt.fn(w->opt.ctx);
}

/* Restarting the timer on every change is the debounce. */
static void restart_debounce(bl_watch *w)
{
    uv_timer_start(&w->debounce, on_debounced, w->opt.debounce_ms, 0);
}

static void on_event(uv_fs_event_t *handle, const char *filename, int events, int status)
{
    (void)filename;
    (void)events;
    if (status == 0)
        restart_debounce(handle->data);
}

static void on_poll(uv_fs_poll_t *handle, int status, const uv_stat_t *prev, const uv_stat_t *curr)
{
    bl_watch *w = handle->data;
    (void)prev;
    /* appeared, vanished or changed: all worth a check, unless the events
     * already had one made for exactly this state (the poll lags behind) */
    if (status == 0 && w->have_checked && same_file_state(curr, &w->checked))
        return;
    restart_debounce(w);
}

static void on_closed(uv_handle_t *handle)
{
    bl_watch *w = handle->data;
    if (--w->open_handles == 0)
        free(w);
}

int bl_watch_start(uv_loop_t *loop, const bl_watch_options *opt, bl_watch **out, bl_error *err)
{
    bl_watch *w;
    int rc;

    *out = NULL;
    if (strlen(opt->dir) >= sizeof w->dir || (opt->poll_path && strlen(opt->poll_path) >= sizeof w->poll_path))
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", opt->dir);
    w = calloc(1, sizeof *w);
    if (!w)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    w->opt = *opt;
    strcpy(w->dir, opt->dir);
    strcpy(w->poll_path, opt->poll_path ? opt->poll_path : opt->dir);
    w->opt.dir = w->dir;
    w->opt.poll_path = w->poll_path;
    uv_timer_init(loop, &w->debounce);
    w->debounce.data = w;
    w->open_handles = 1;

    if (opt->events) {
        uv_fs_event_init(loop, &w->event);
        w->event.data = w;
        w->event_inited = 1;
        w->open_handles++;
        rc = uv_fs_event_start(&w->event, on_event, w->dir, 0);
        if (rc == 0)
            w->event_started = 1;
        else
            bl_log(BL_LOG_WARN, "watch", "no file system events for %s (%s); relying on polling", w->dir,
                   uv_strerror(rc));
    }
    if (opt->poll_ms > 0) {
        uv_fs_poll_init(loop, &w->poll);
        w->poll.data = w;
        w->poll_inited = 1;
        w->open_handles++;
        rc = uv_fs_poll_start(&w->poll, on_poll, w->poll_path, (unsigned int)opt->poll_ms);
        w->poll_started = rc == 0;
    }
    if (!w->event_started && !w->poll_started) {
        bl_watch_stop(w);
        return bl_error_set(err, BL_EIO, "cannot watch %s: neither events nor polling work", opt->dir);
    }
    snprintf(w->description, sizeof w->description, "%s%s%s", w->event_started ? "file system events" : "",
             w->event_started && w->poll_started ? " and " : "", w->poll_started ? "a stat poll" : "");
    *out = w;
    return BL_OK;
}

void bl_watch_stop(bl_watch *w)
{
    if (!w)
        return;
    uv_close((uv_handle_t *)&w->debounce, on_closed);
    if (w->event_inited)
        uv_close((uv_handle_t *)&w->event, on_closed);
    if (w->poll_inited)
        uv_close((uv_handle_t *)&w->poll, on_closed);
}

const char *bl_watch_describe(const bl_watch *w)
{
    return w->description;
}

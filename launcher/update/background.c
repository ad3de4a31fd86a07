/* SPDX-License-Identifier: Apache-2.0 */
#include "background.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "platform.h"
#include "start/checks.h"
#include "start/log.h"
#include "start/progress.h"
#include "update.h"
#include "watch.h"

/* A check in the background may take its time, but not forever. */
#define CHECK_BUDGET_NS (60ull * 1000000000ull)
/* How often a running check's progress goes to on_check_progress. */
#define PROGRESS_EVERY_MS 500

struct bl_background {
    bl_background_options opt;
    uv_timer_t timer;
    uv_async_t done;
    uv_timer_t progress_timer;
    uv_thread_t thread;
    bl_watch *watch;
    bl_progress *progress; /* only for cancel */
    int timer_on, running, again, stopping, open_handles;
    /* the worker's input and output, owned by it while running */
    bl_state snapshot;
    bl_update_result result;
    bl_error error;
    int rc;
    int64_t started; /* UTC seconds the check began */
};

static void check_now(bl_background *bg);

uint64_t bl_background_delay_ms(int64_t due_s, int64_t interval_s, uint32_t random)
{
    /* up to 10% of the interval later: a fleet started together drifts apart
     * within a few checks, and no check comes before it is due. */
    double spread = (double)random / 4294967295.0 * 0.1 * (double)interval_s * 1000.0;
    return (uint64_t)due_s * 1000u + (uint64_t)spread;
}

static void on_timer(uv_timer_t *timer)
{
    bl_log(BL_LOG_INFO, "background", "time for the periodic check for updates");
    check_now(timer->data);
}

/* The next periodic check, when cache/last-check says one is due (checks.h):
 * an interval after the last success, wherever it ran, or a back-off after a
 * failure. One due already (none at launch: update_at_launch off, or a
 * download the launch's time box cut) comes soon after the app starts. */
static void schedule(bl_background *bg)
{
    uint32_t r = 0;
    uint64_t delay;
    uv_timeval64_t now;
    bl_checks c;
    int64_t due;
    if (!bg->timer_on || bg->stopping)
        return;
    uv_random(NULL, NULL, &r, sizeof r, 0, NULL);
    uv_gettimeofday(&now);
    bl_checks_load(bg->opt.layout->checks_path, &c);
    due = bl_checks_due_in(&c, bg->opt.cfg->update_interval, now.tv_sec);
    delay = due > 0 ? bl_background_delay_ms(due, bg->opt.cfg->update_interval, r) : BL_BACKGROUND_SOON_MS;
    if (bg->opt.check_soon) {
        delay = BL_BACKGROUND_SOON_MS;
        bl_log(BL_LOG_INFO, "background", "the update at launch goes on in %d s", BL_BACKGROUND_SOON_MS / 1000);
    }
    bg->opt.check_soon = 0;
    uv_timer_start(&bg->timer, on_timer, delay, 0);
}

/* Records the check in cache/last-check and logs a failure: a network one
 * to the log only, but for the BL_CHECKS_LOUD_AFTER-th in a row (checks.h).
 * Called after the state is saved (see launch_update.c's save_check). */
static void record_check(bl_background *bg, int64_t started)
{
    bl_checks c;
    bl_error err;
    int quiet;
    bl_checks_load(bg->opt.layout->checks_path, &c);
    bl_checks_note(&c, bg->rc == BL_OK, started);
    if (bg->rc == BL_OK && bg->result.deferred)
        c.last = 0;
    if (bl_checks_save(bg->opt.layout->checks_path, &c, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "background", "%s", err.msg);
    if (bg->rc == BL_OK)
        return;
    quiet = bg->rc == BL_ENETWORK && c.failures != BL_CHECKS_LOUD_AFTER;
    bl_log(BL_LOG_WARN | (quiet ? BL_LOG_QUIET : 0), "background", "update check failed%s: %s",
           bg->rc == BL_ENETWORK && !quiet ? " (the last checks too; details are in cache/update.log)" : "",
           bg->error.msg);
}

static void report_progress(bl_background *bg)
{
    bl_progress_view view;
    if (!bg->opt.on_check_progress)
        return;
    bl_progress_snapshot(bg->progress, &view);
    bg->opt.on_check_progress(bg->opt.check_ctx, &view);
}

static void on_progress_timer(uv_timer_t *timer)
{
    report_progress(timer->data);
}

static void on_repository_changed(void *ctx)
{
    bl_log(BL_LOG_INFO, "background", "the repository changed; checking for updates");
    check_now(ctx);
}

static void maybe_free(bl_background *bg)
{
    if (bg->stopping && !bg->running && bg->open_handles == 0) {
        bl_progress_free(bg->progress);
        free(bg);
    }
}

static void on_closed(uv_handle_t *handle)
{
    bl_background *bg = handle->data;
    bg->open_handles--;
    maybe_free(bg);
}

/* The worker thread: a full update that installs into versions/ but does not
 * switch; it only reads the snapshot of the state it was given. */
static void work(void *arg)
{
    bl_background *bg = arg;
    bl_update_request req;
    uv_timeval64_t now;

    bl_plat_lower_thread_priority();
    memset(&req, 0, sizeof req);
    uv_gettimeofday(&now);
    req.layout = bg->opt.layout;
    req.cfg = bg->opt.cfg;
    req.state = &bg->snapshot;
    req.progress = bg->progress;
    req.now = bg->started = now.tv_sec;
    req.check_deadline = uv_hrtime() + CHECK_BUDGET_NS;
    req.install = bg->opt.cfg->auto_update;
    bg->rc = bl_update_run(&req, &bg->result, &bg->error);
    uv_async_send(&bg->done);
}

static void write_ready_file(bl_background *bg, const char *version)
{
    char text[BL_VERSION_MAX_TEXT + 2];
    bl_error err;
    int n = snprintf(text, sizeof text, "%s\n", version);
    if (bl_plat_write_file_atomic(bg->opt.layout->ready_file, text, (size_t)n, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "background", "cannot tell the app: %s", err.msg);
}

/* Back on the loop thread: record what the worker staged. */
static void on_done(uv_async_t *async)
{
    bl_background *bg = async->data;
    bl_state *state = bg->opt.state;

    uv_thread_join(&bg->thread);
    bg->running = 0;
    uv_timer_stop(&bg->progress_timer);
    if (bg->stopping) {
        uv_close((uv_handle_t *)&bg->done, on_closed);
        return;
    }
    if (bg->rc == BL_OK && bg->result.installed && strcmp(bg->result.version, state->current) != 0) {
        snprintf(state->pending, sizeof state->pending, "%s", bg->result.version);
        bg->opt.save_state(bg->opt.save_ctx);
        write_ready_file(bg, bg->result.version);
        bl_log(BL_LOG_INFO, "background", "%s; it starts at the next launch", bg->result.why);
    } else if (bg->rc == BL_OK) {
        bl_log(BL_LOG_INFO, "background", "%s", bg->result.why[0] ? bg->result.why : "nothing to do");
    }
    record_check(bg, bg->started); /* which logs a failure */
    report_progress(bg); /* the last stage, which a quick check never showed */
    if (bg->opt.on_check_progress)
        bg->opt.on_check_progress(bg->opt.check_ctx, NULL);
    if (bg->opt.on_check_done)
        bg->opt.on_check_done(bg->opt.check_ctx, bg->rc, &bg->result, bg->rc == BL_OK ? "" : bg->error.msg);
    if (bg->again) { /* something changed while we were busy */
        bg->again = 0;
        check_now(bg);
        return;
    }
    schedule(bg);
}

static void check_now(bl_background *bg)
{
    if (bg->stopping)
        return;
    if (bg->running) {
        bg->again = 1;
        return;
    }
    if (bg->opt.state->pending[0] || bg->opt.state->trial)
        return; /* one staged version at a time; a version on trial is judged first */
    bg->snapshot = *bg->opt.state;
    bg->running = 1;
    bl_progress_release(bg->progress, ""); /* not the last check's */
    bl_progress_stage(bg->progress, BL_STAGE_CHECKING, bg->opt.cfg->update_url);
    if (uv_thread_create(&bg->thread, work, bg) != 0) {
        bg->running = 0;
        bl_log(BL_LOG_WARN, "background", "cannot start the update thread");
        bg->rc = bl_error_set(&bg->error, BL_ENOMEM, "cannot start the update thread");
        if (bg->opt.on_check_done)
            bg->opt.on_check_done(bg->opt.check_ctx, bg->rc, &bg->result, bg->error.msg);
        schedule(bg);
        return;
    }
    report_progress(bg);
    uv_timer_start(&bg->progress_timer, on_progress_timer, PROGRESS_EVERY_MS, PROGRESS_EVERY_MS);
}

int bl_background_check(bl_background *bg)
{
    if (!bg || bg->stopping || (!bg->running && (bg->opt.state->pending[0] || bg->opt.state->trial)))
        return 0;
    if (!bg->running) {
        bl_log(BL_LOG_INFO, "background", "checking for updates now, as asked (--check)");
        uv_timer_stop(&bg->timer); /* this check is the next one; schedule() sets the one after */
        check_now(bg);
    }
    return bg->running;
}

/* file:///path/to/repo -> /path/to/repo/metadata (and its timestamp.json). */
static int local_metadata_dir(const char *url, char *dir, size_t dsize, char *poll, size_t psize)
{
    if (strncmp(url, "file://", 7) != 0)
        return 0;
    return (size_t)snprintf(dir, dsize, "%s/metadata", url + 7) < dsize &&
           (size_t)snprintf(poll, psize, "%s/metadata/timestamp.json", url + 7) < psize;
}

int bl_background_start(uv_loop_t *loop, const bl_background_options *opt, bl_background **out, bl_error *err)
{
    char dir[BL_PATH_MAX], poll[BL_PATH_MAX];
    bl_background *bg;
    int rc;

    *out = NULL;
    if (!(bg = calloc(1, sizeof *bg)) || !(bg->progress = bl_progress_new())) {
        free(bg);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    bg->opt = *opt;
    uv_async_init(loop, &bg->done, on_done);
    bg->done.data = bg;
    uv_timer_init(loop, &bg->timer);
    bg->timer.data = bg;
    uv_timer_init(loop, &bg->progress_timer);
    bg->progress_timer.data = bg;
    bg->open_handles = 3;
    if (opt->requests_only) {
        *out = bg;
        return BL_OK;
    }
    if (opt->cfg->update_interval > 0) {
        bg->timer_on = 1;
        schedule(bg);
        bl_log(BL_LOG_INFO, "background", "checking for updates every %lld s", (long long)opt->cfg->update_interval);
    }
    /* a drop folder where one is configured (an admin copies files in, on
     * any kind of update_url), else the file:// repository's metadata */
    if (opt->cfg->file_watcher && opt->cfg->watch_dir[0]) {
        if (bl_layout_resolve(opt->layout, opt->cfg->watch_dir, dir, sizeof dir, err) != BL_OK)
            snprintf(dir, sizeof dir, "%s", opt->cfg->watch_dir);
        snprintf(poll, sizeof poll, "%s", dir);
    }
    if (opt->cfg->file_watcher &&
        (opt->cfg->watch_dir[0] || local_metadata_dir(opt->cfg->update_url, dir, sizeof dir, poll, sizeof poll))) {
        bl_watch_options w = {dir, BL_WATCH_DEFAULT_DEBOUNCE_MS, poll, BL_WATCH_DEFAULT_POLL_MS, 1,
                              on_repository_changed, bg};
        if ((rc = bl_watch_start(loop, &w, &bg->watch, err)) != BL_OK)
            bl_log(BL_LOG_WARN, "background", "%s", err->msg);
        else
            bl_log(BL_LOG_INFO, "background", "watching %s with %s (the poll covers network shares, where events "
                   "do not arrive)", dir, bl_watch_describe(bg->watch));
    } else if (opt->cfg->file_watcher) {
        bl_log(BL_LOG_INFO, "background", "file_watcher needs a file:// update_url or a watch_dir; %s is not one",
               opt->cfg->update_url);
    }
    *out = bg;
    return BL_OK;
}

void bl_background_stop(bl_background *bg)
{
    if (!bg)
        return;
    bg->stopping = 1;
    bl_progress_request_cancel(bg->progress);
    bl_watch_stop(bg->watch);
    uv_close((uv_handle_t *)&bg->timer, on_closed);
    uv_close((uv_handle_t *)&bg->progress_timer, on_closed);
    /* A running worker still signals done (it was asked to cancel): on_done
     * closes the handle then, and the loop lives until it has. */
    if (!bg->running)
        uv_close((uv_handle_t *)&bg->done, on_closed);
}

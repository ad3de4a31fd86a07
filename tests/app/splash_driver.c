/* SPDX-License-Identifier: Apache-2.0 */
/* bl-splash-driver: the splash as main.c runs it, with a scripted update
 * worker, for the Xvfb tests and the benchmark.
 *   bl-splash-driver [options]
 *     --root DIR       install root (resources/ under it); default "."
 *     --image PATH     splash_image;  --font PATH  the font;  --off  splash off
 *     --title T --version V --language L (en, zh_CN: the sentences' language)
 *     --display-name N the title, as main.c passes launcher.json's display_name
 *                      (the English title stays "Bomiot")
 *     --mode stages|block|instant|error|rollback   what the worker does (default
 *                      stages); instant ends within the grace, so it opens no
 *                      window; rollback shows the sentence of a version that
 *                      did not start (gate "rolling-back")
 *     --gate DIR       stages/block: after each step the worker writes DIR/at-NAME
 *                      and waits for DIR/go-NAME, so a test can take a screenshot
 *     --state FILE     rewritten (atomically) after every frame and event batch:
 *                      frames, events, geometry, what the last frame showed,
 *                      and its sentences in the language and in English as
 *                      start/splash.h makes them (title, version, status, error)
 *     --log FILE       the log (as cache/update.log); --linger MS  splash_linger_ms
 *     --log-level L    debug, info (default), warn or error
 * Prints "result=ok|cancelled work_rc=N start_ns=.. first_frame_ns=.. end_ns=.."
 * (uv_hrtime, CLOCK_MONOTONIC) and exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/error.h"
#include "base/fsutil.h"
#include "start/log.h"
#include "start/splash.h"

typedef struct {
    const char *mode, *gate, *state;
    const bl_splash_options *opt;
    bl_progress *progress;
    uint64_t first_frame_ns;
} driver;

/* Writes DIR/at-NAME, then waits for DIR/go-NAME (or a cancel). */
static int gate(driver *d, const char *name)
{
    char path[BL_PATH_MAX];
    FILE *f;
    if (!d->gate)
        return BL_OK;
    snprintf(path, sizeof path, "%s/at-%s", d->gate, name);
    if ((f = fopen(path, "w")))
        fclose(f);
    snprintf(path, sizeof path, "%s/go-%s", d->gate, name);
    while (!bl_fs_exists(path)) {
        if (bl_progress_cancelled(d->progress))
            return BL_ECANCELED;
        uv_sleep(10);
    }
    return BL_OK;
}

/* The stages of an update with a 40 MB download, as update.c reports them. */
static int stages(driver *d)
{
    static const struct {
        const char *name;
        int stage;
        uint64_t done;
    } steps[] = {
        {"checking", BL_STAGE_CHECKING, 0},
        {"downloading-1", BL_STAGE_DOWNLOADING, 9600000},
        {"downloading-2", BL_STAGE_DOWNLOADING, 26200000},
        {"applying", BL_STAGE_APPLYING, 0},
        {"verifying", BL_STAGE_VERIFYING, 0},
        {"installing", BL_STAGE_INSTALLING, 0},
    };
    const uint64_t total = 40100000;
    size_t i;
    int rc = BL_OK;
    for (i = 0; i < sizeof steps / sizeof steps[0] && rc == BL_OK; i++) {
        if (steps[i].stage == BL_STAGE_DOWNLOADING && i > 0 && steps[i - 1].stage == BL_STAGE_CHECKING)
            bl_progress_release(d->progress, "1.2.0"); /* chosen by the check, as update.c does */
        if (i == 0 || steps[i].stage != steps[i - 1].stage)
            bl_progress_stage(d->progress, steps[i].stage, steps[i].stage == BL_STAGE_DOWNLOADING ? "bomiot-1.2.0.tar.gz" : "1.2.0");
        if (steps[i].done) { /* two reports a second apart: a steady 3.2 MB/s */
            uint64_t now = uv_hrtime();
            bl_progress_bytes_at(d->progress, steps[i].done - 3200000, total, now - 1000000000ULL);
            bl_progress_bytes_at(d->progress, steps[i].done, total, now);
        }
        rc = gate(d, steps[i].name);
    }
    return rc;
}

static int work(void *ctx)
{
    driver *d = ctx;
    if (strcmp(d->mode, "instant") == 0)
        return BL_OK; /* nothing to update */
    if (strcmp(d->mode, "error") == 0) {
        bl_progress_stage(d->progress, BL_STAGE_CHECKING, "");
        if (d->opt->language) { /* as main.c makes it, in the language and in English */
            const char *why = "not enough disk space for the update: it needs 120 MB, 40 MB are free";
            char said[256], english[256];
            bl_splash_error_sentence(BL_ENOSPC, why, 1, d->opt->version, d->opt->language, said, sizeof said);
            bl_splash_error_sentence(BL_ENOSPC, why, 1, d->opt->version, "en", english, sizeof english);
            bl_progress_error_translated(d->progress, said, english);
        } else {
            bl_progress_error(d->progress, "Not enough disk space for the update: it needs 120 MB, 40 MB are free. "
                                           "Starting the installed version.");
        }
        return BL_ENOSPC;
    }
    if (strcmp(d->mode, "rollback") == 0) { /* 1.2.0 crashed at its start: 1.1.0 starts again */
        char said[256], english[256];
        bl_splash_rollback_sentence(d->opt->title, "1.2.0", "1.1.0", d->opt->language, said, sizeof said);
        bl_splash_rollback_sentence(d->opt->english_title, "1.2.0", "1.1.0", "en", english, sizeof english);
        bl_progress_stage(d->progress, BL_STAGE_ROLLING_BACK, "1.1.0");
        bl_progress_error_translated(d->progress, said, english);
        return gate(d, "rolling-back");
    }
    if (strcmp(d->mode, "block") == 0) { /* a server that holds the connection */
        bl_progress_stage(d->progress, BL_STAGE_CHECKING, "");
        return gate(d, "blocked");
    }
    return stages(d);
}

static void observe(void *ctx, const bl_splash_stats *st)
{
    driver *d = ctx;
    const bl_progress_view *v = &st->shown;
    char tmp[BL_PATH_MAX + 8], status[320], status_en[320], version[96], version_en[96];
    FILE *f;
    d->first_frame_ns = st->first_frame_ns;
    if (!d->state)
        return;
    snprintf(tmp, sizeof tmp, "%s.tmp", d->state);
    if (!(f = fopen(tmp, "w")))
        return;
    fprintf(f, "frames=%llu\nevents=%llu\nx=%d\ny=%d\nwidth=%d\nheight=%d\npixel_width=%d\npixel_height=%d\n"
               "scale=%.3f\nhas_image=%d\nhas_font=%d\nstage=%d\ndone=%llu\ntotal=%llu\nerror=%s\n",
            (unsigned long long)st->frames, (unsigned long long)st->events, st->x, st->y, st->width, st->height,
            st->pixel_width, st->pixel_height, st->scale, st->has_image, st->has_font, st->shown.stage,
            (unsigned long long)st->shown.done, (unsigned long long)st->shown.total, st->shown.error[0] ? "yes" : "no");
    bl_splash_status_text(v, d->opt->title, d->opt->language, status, sizeof status);
    bl_splash_status_text(v, d->opt->english_title, "en", status_en, sizeof status_en);
    bl_splash_version_text(v, d->opt->version, d->opt->language, version, sizeof version);
    bl_splash_version_text(v, d->opt->version, "en", version_en, sizeof version_en);
    fprintf(f, "title=%s\ntitle_en=%s\nstatus=%s\nstatus_en=%s\nversion=%s\nversion_en=%s\nerror_text=%s\nerror_en=%s\n",
            d->opt->title, d->opt->english_title, status, status_en, version, version_en, v->error, v->error_en);
    fclose(f);
    rename(tmp, d->state);
}

/* Stands for the supervised app: the splash lingers on the loop meanwhile. */
static void app_exits(uv_timer_t *timer)
{
    bl_splash_linger_stop(timer->data);
    uv_close((uv_handle_t *)timer, NULL);
}

static void linger(bl_splash *s, bl_progress *p, uint32_t linger_ms)
{
    uv_loop_t loop;
    uv_timer_t app;
    bl_error err;
    uv_loop_init(&loop);
    uv_timer_init(&loop, &app);
    app.data = s;
    if (bl_splash_linger_start(s, p, &loop, linger_ms, &err) != BL_OK)
        fprintf(stderr, "linger: %s\n", err.msg);
    uv_timer_start(&app, app_exits, bl_splash_hold_ms(s, p, linger_ms) + 300, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}

int main(int argc, char **argv)
{
    uint64_t start_ns = uv_hrtime();
    bl_splash_options opt;
    bl_splash *splash = NULL;
    driver d;
    const char *log_path = NULL;
    int i, rc, work_rc = -1;
    uint32_t linger_ms = 0;

    memset(&opt, 0, sizeof opt);
    memset(&d, 0, sizeof d);
    d.opt = &opt;
    opt.enabled = 1;
    opt.root = ".";
    opt.title = "Bomiot";
    opt.english_title = "Bomiot";
    opt.version = "1.1.0";
    opt.observe = observe;
    opt.observe_ctx = &d;
    d.mode = "stages";
    for (i = 1; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--off") == 0) {
            opt.enabled = 0;
            continue;
        }
        if (!next) {
            fprintf(stderr, "bl-splash-driver: %s needs a value\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--root") == 0) opt.root = next;
        else if (strcmp(argv[i], "--image") == 0) opt.image_path = next;
        else if (strcmp(argv[i], "--font") == 0) opt.font_path = next;
        else if (strcmp(argv[i], "--title") == 0) opt.title = next;
        else if (strcmp(argv[i], "--version") == 0) opt.version = next;
        else if (strcmp(argv[i], "--language") == 0) opt.language = next;
        else if (strcmp(argv[i], "--display-name") == 0) opt.display_name = opt.title = next;
        else if (strcmp(argv[i], "--mode") == 0) d.mode = next;
        else if (strcmp(argv[i], "--gate") == 0) d.gate = next;
        else if (strcmp(argv[i], "--state") == 0) d.state = next;
        else if (strcmp(argv[i], "--log") == 0) log_path = next;
        else if (strcmp(argv[i], "--linger") == 0) linger_ms = (uint32_t)atoi(next);
        else if (strcmp(argv[i], "--log-level") == 0) {
            int level;
            if (bl_log_level_parse(next, &level) != BL_OK) {
                fprintf(stderr, "bl-splash-driver: --log-level %s: debug, info, warn or error\n", next);
                return 2;
            }
            bl_log_set_level(level);
        }
        else {
            fprintf(stderr, "bl-splash-driver: unknown option %s\n", argv[i]);
            return 2;
        }
        i++;
    }
    if (log_path) {
        bl_error err;
        if (bl_log_open(log_path, BL_LOG_DEFAULT_MAX_BYTES, BL_LOG_DEFAULT_KEEP, &err) != BL_OK)
            fprintf(stderr, "bl-splash-driver: %s\n", err.msg);
    }
    if (!(d.progress = bl_progress_new()))
        return 1;

    rc = bl_splash_run(&opt, d.progress, work, &d, &work_rc, &splash);
    if (!splash && rc != BL_ECANCELED && bl_splash_possible(&opt)) { /* as main.c: an error needs a window */
        bl_progress_view v;
        bl_error err;
        bl_progress_snapshot(d.progress, &v);
        if (v.error[0] && bl_splash_open(&opt, &splash, &err) != BL_OK)
            fprintf(stderr, "bl-splash-driver: %s\n", err.msg);
    }
    bl_progress_stage(d.progress, BL_STAGE_LAUNCHING, rc == BL_ECANCELED ? "1.1.0" : "1.2.0");
    bl_splash_pump(splash, d.progress, 0);
    if (d.gate && strcmp(d.mode, "stages") == 0) { /* the main thread waits, pumping */
        char at[BL_PATH_MAX], go[BL_PATH_MAX];
        FILE *f;
        snprintf(at, sizeof at, "%s/at-starting", d.gate);
        snprintf(go, sizeof go, "%s/go-starting", d.gate);
        if ((f = fopen(at, "w")))
            fclose(f);
        while (!bl_fs_exists(go)) {
            bl_splash_pump(splash, d.progress, 20);
            if (!splash)
                uv_sleep(20);
        }
    }
    if (splash)
        linger(splash, d.progress, linger_ms);
    bl_splash_close(splash);
    printf("result=%s work_rc=%d start_ns=%llu first_frame_ns=%llu end_ns=%llu\n",
           rc == BL_ECANCELED ? "cancelled" : "ok", work_rc, (unsigned long long)start_ns,
           (unsigned long long)d.first_frame_ns, (unsigned long long)uv_hrtime());
    bl_progress_free(d.progress);
    bl_log_close();
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The update at launch and the splash around the launch (launch.h). */
#include "launch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "checks.h"
#include "i18n.h"
#include "log.h"
#include "trial.h"

static void splash_for_error(launch_context *l, int closed_by_user);

/* The splash glue. The splash is opened only by the update at launch (see
 * update_at_launch): a launch without one (another launcher holds the lock,
 * a version on trial, update_at_launch false) shows no window. Once the app
 * starts, the window stays for splash_linger_ms (or while an error sentence
 * has not been readable long enough) and then goes. */
static void splash_options(const launch_context *l, char *titles, size_t size, bl_splash_options *opt)
{
    /* titles holds two: the shown one (display_name, any script) and
     * app_name capitalised, the English fallback when no font covers it */
    size_t half = size / 2;
    bl_config_app_title(&l->cfg, titles, half, titles + half, size - half);
    memset(opt, 0, sizeof *opt);
    opt->enabled = l->cfg.splash;
    opt->root = l->layout.root;
    opt->image_path = l->cfg.splash_image;
    opt->title = titles;
    opt->english_title = titles + half;
    opt->display_name = l->cfg.display_name;
    opt->language = l->language;
    opt->version = l->state.current;
}

/* Says which version is starting, before the spawn or the exec. */
void launch_splash_launching(launch_context *l)
{
    if (!l->splash)
        return;
    bl_progress_stage(l->progress, BL_STAGE_LAUNCHING, l->state.current);
    bl_splash_pump(l->splash, l->progress, 0);
}

void launch_splash_close(launch_context *l)
{
    bl_splash_close(l->splash);
    l->splash = NULL;
}

/* Exec mode: the window cannot outlive the launcher's process image, so it
 * stays for its hold time (0 unless splash_linger_ms or an error) first. */
void launch_splash_hold_then_close(launch_context *l)
{
    uint32_t linger = (uint32_t)l->cfg.splash_linger_ms;
    bl_splash_pump(l->splash, l->progress, bl_splash_hold_ms(l->splash, l->progress, linger));
    launch_splash_close(l);
}

/* The user is told, in the splash, why the version they got is not the one
 * that failed: the window stays while the previous version starts (its
 * sentence held long enough to read), and never delays that start. */
void launch_splash_rolling_back(launch_context *l, const char *failed)
{
    char sentence[256], english[256], title[BL_DISPLAY_NAME_MAX], english_title[64];
    if (!l->progress && !(l->progress = bl_progress_new()))
        return;
    bl_config_app_title(&l->cfg, title, sizeof title, english_title, sizeof english_title);
    bl_splash_rollback_sentence(title, failed, l->state.current, l->language, sentence, sizeof sentence);
    bl_splash_rollback_sentence(english_title, failed, l->state.current, BL_LANGUAGE_ENGLISH, english,
                                sizeof english);
    bl_progress_stage(l->progress, BL_STAGE_ROLLING_BACK, l->state.current);
    bl_progress_error_translated(l->progress, sentence, english);
    splash_for_error(l, 0);
    if (l->splash)
        bl_splash_pump(l->splash, l->progress, 0);
}

/* The update at launch runs on the splash's worker thread; the main thread
 * keeps the window alive meanwhile and reads the outcome afterwards. */
typedef struct {
    launch_context *l;
    bl_update_result res;
    bl_error err;
    int rc;
    int64_t now;      /* UTC seconds at the check's start */
    uint64_t decided; /* uv_hrtime() when the launcher chose to check */
} launch_update;

static int update_work(void *ctx)
{
    launch_update *u = ctx;
    launch_context *l = u->l;
    bl_update_request req;

    memset(&req, 0, sizeof req);
    req.layout = &l->layout;
    req.cfg = &l->cfg;
    req.state = &l->state;
    req.progress = l->progress;
    req.now = u->now;
    /* The time box: the check gets check_seconds (check_ms) from the launcher's
     * choice to check, so loading the update module and libcurl (tens of
     * ms) comes out of it, not on top; the downloads end download_seconds
     * after that, plus what the check left unused. */
    req.check_deadline = u->decided + (uint64_t)l->cfg.check_ms * 1000000ull;
    req.download_deadline = req.check_deadline + (uint64_t)l->cfg.download_seconds * 1000000000ull;
    req.install = l->cfg.auto_update;
    u->rc = l->update_module->update_run(&req, &u->res, &u->err);
    return u->rc;
}

/* cache/update-failures counts updates at launch that failed in a row, so an
 * update that keeps failing is shown to the user, not only logged. */
static int count_update_failure(launch_context *l, int rc)
{
    const char *path = l->layout.failures_path;
    char *text = NULL, line[32];
    size_t len;
    int failures = 0, next, n, read_rc;
    bl_error err;
    /* Through the launcher's own reads and writes: a fifo there is
     * refused (and then replaced), never waited on. */
    if ((read_rc = bl_fs_read_all(path, 64, &text, &len, &err)) == BL_OK)
        failures = atoi(text);
    free(text);
    next = bl_splash_count_failure(rc, failures);
    if (next == failures && read_rc != BL_EINVAL)
        return failures;
    if (next == 0)
        remove(path);
    else if ((n = snprintf(line, sizeof line, "%d\n", next)) > 0)
        bl_plat_write_file_atomic(path, line, (size_t)n, &err);
    return next;
}

/* An error sentence needs a window even when the work ended too soon for
 * one to open (a full disk found at once): open it now, unless the splash
 * is ruled out (then bl_splash_run has said why) or the user closed it. */
static void splash_for_error(launch_context *l, int closed_by_user)
{
    bl_splash_options opt;
    bl_error err;
    char title[2 * BL_DISPLAY_NAME_MAX];
    if (l->splash || closed_by_user)
        return;
    splash_options(l, title, sizeof title, &opt);
    opt.first_frame = l->progress; /* the sentence from the first frame on */
    if (bl_splash_possible(&opt) && bl_splash_open(&opt, &l->splash, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "splash", "%s; continuing without a splash", err.msg);
}

/* The check's outcome for cache/last-check (checks.h): a success waits an
 * interval, a failure a back-off; a download cut by the time box is due
 * again at once (the background or the next start resumes it). */
static void note_check(launch_context *l, const launch_update *u, bl_checks *c)
{
    bl_checks_load(l->layout.checks_path, c);
    bl_checks_note(c, u->rc == BL_OK, u->now);
    if (u->rc == BL_OK && u->res.deferred)
        c->last = 0;
}

/* Saved after state.json: a launcher killed between the two has installed
 * a version it did not switch to, and its next start must check (and find
 * it installed), not skip the check as done. */
static void save_check(launch_context *l, const bl_checks *c)
{
    bl_error err;
    if (bl_checks_save(l->layout.checks_path, c, &err) != BL_OK)
        bl_log(BL_LOG_WARN, "update", "%s", err.msg);
}

/* Offline is no news: a network failure goes to the log only, not to the
 * app's stderr at every start; the BL_CHECKS_LOUD_AFTER-th in a row says
 * so once on stderr too. Other failures (a bad signature, a full disk, a
 * missing repository) are said as they happen. */
static void log_failure(launch_context *l, const launch_update *u, const bl_checks *c)
{
    char when[32] = "never";
    int quiet = u->rc == BL_ENETWORK && c->failures != BL_CHECKS_LOUD_AFTER;
    bl_log(BL_LOG_WARN | (quiet ? BL_LOG_QUIET : 0), "update", "%s; starting the installed version %s",
           u->err.msg, l->state.current);
    if (u->rc != BL_ENETWORK || quiet)
        return;
    if (c->last_ok > 0)
        bl_log_format_utc(c->last_ok, when, sizeof when);
    bl_log(BL_LOG_WARN, "update", "the last %d update checks failed (the last that worked: %s); details are in "
           "cache/update.log", c->failures, when);
}

static void report_update(launch_context *l, const launch_update *u, int closed_by_user, const bl_checks *c)
{
    char sentence[256], english[256];
    int failures = count_update_failure(l, u->rc);
    if (u->rc != BL_OK) {
        log_failure(l, u, c);
        /* A server too slow for the launch's budget: the app starts now and
         * the check goes on in the background (main.c), staging for the
         * next start. */
        l->download_deferred = u->res.check_cut;
        if (bl_splash_error_sentence(u->rc, u->err.msg, failures, l->state.current, l->language, sentence,
                                     sizeof sentence)) {
            bl_splash_error_sentence(u->rc, u->err.msg, failures, l->state.current, BL_LANGUAGE_ENGLISH, english,
                                     sizeof english);
            bl_progress_error_translated(l->progress, sentence, english);
            splash_for_error(l, closed_by_user);
        }
        return;
    }
    bl_log(BL_LOG_INFO, "update", "%s", u->res.why);
    l->download_deferred = u->res.deferred; /* the background checks soon (main.c) */
    if (!u->res.installed)
        return;
    if (closed_by_user) { /* it finished as the user closed the splash: honour the close */
        bl_log(BL_LOG_INFO, "update", "%s is installed but the splash was closed; it starts next time",
               u->res.version);
        snprintf(l->state.pending, sizeof l->state.pending, "%s", u->res.version);
    } else {
        bl_trial_begin(&l->state, u->res.version);
    }
    launch_save_state(l);
}

/* Whether the server is due a check (checks.h); logs why not. */
static int check_due(launch_context *l, int64_t now)
{
    char when[32];
    bl_checks c;
    int64_t wait;
    bl_checks_load(l->layout.checks_path, &c);
    if ((wait = bl_checks_due_in(&c, l->cfg.update_interval, now)) == 0)
        return 1;
    bl_log_format_utc(c.last, when, sizeof when);
    bl_log(BL_LOG_INFO, "update", "not checking: the last check (%s, %s) was less than %lld s ago; the next is "
           "due in %lld s", when, c.failures ? "failed" : "fine",
           (long long)(c.failures ? bl_checks_retry_after(c.failures, l->cfg.update_interval) : l->cfg.update_interval),
           (long long)wait);
    return 0;
}

/* The update at launch, with the splash: when this launcher holds the lock,
 * the current version is not on trial (it is judged first), and the config
 * asks for it. The worker starts before the window opens, so a quick check
 * waits on nothing; closing the window cancels the update. Whatever happens,
 * the installed app starts afterwards. */
void launch_update_at_launch(launch_context *l)
{
    bl_splash_options opt;
    launch_update u;
    uv_timeval64_t now;
    bl_checks c;
    char title[2 * BL_DISPLAY_NAME_MAX];
    int rc, work_rc;

    if (!l->lock || l->state.trial || !l->cfg.update_at_launch)
        return;
    memset(&u, 0, sizeof u);
    memset(&c, 0, sizeof c);
    u.l = l;
    uv_gettimeofday(&now);
    u.now = now.tv_sec;
    if (!check_due(l, u.now))
        return; /* no request at all: the app starts as with checks off */
    u.decided = uv_hrtime();
    l->progress = bl_progress_new(); /* NULL: a splash that shows no progress */
    if (!launch_update_module(l)) { /* no module or no root: an update that failed at once */
        u.rc = l->update_module_err.code;
        u.err = l->update_module_err;
        report_update(l, &u, 0, &c);
        return;
    }
    splash_options(l, title, sizeof title, &opt);
    bl_log(BL_LOG_INFO, "update", "checking %s", l->cfg.update_url);
    rc = bl_splash_run(&opt, l->progress, update_work, &u, &work_rc, &l->splash);
    if (rc != BL_ECANCELED) /* a check the user cut short is none */
        note_check(l, &u, &c);
    report_update(l, &u, rc == BL_ECANCELED, &c);
    if (rc != BL_ECANCELED)
        save_check(l, &c);
}

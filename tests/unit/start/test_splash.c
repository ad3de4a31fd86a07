/* SPDX-License-Identifier: Apache-2.0 */
/* The splash's pure parts (status line, error sentences, failure count,
 * paths) and its headless contract: with the splash off or no display, the
 * work still runs, inline, and nothing needs a window. The window itself is
 * tested under Xvfb (tests/integration/test_splash.py). */
#include <stdlib.h>
#include <uv.h>

#include "check.h"
#include "platform.h"
#include "start/splash.h"

#define ELLIPSIS "\xE2\x80\xA6"

static bl_progress_view view(int stage, const char *detail)
{
    bl_progress_view v;
    memset(&v, 0, sizeof v);
    v.stage = stage;
    snprintf(v.detail, sizeof v.detail, "%s", detail ? detail : "");
    return v;
}

static const char *status(const bl_progress_view *v, const char *title)
{
    static char out[320];
    memset(out, 'x', sizeof out);
    bl_splash_status_text(v, title, NULL, out, sizeof out);
    return out;
}

/* --- the status line ------------------------------------------------------ */

static void test_status_names_every_stage_in_plain_words(void)
{
    bl_progress_view v = view(BL_STAGE_STARTING, NULL);
    CHECK_STR(status(&v, "Bomiot"), "Preparing" ELLIPSIS);
    v = view(BL_STAGE_CHECKING, "http://localhost:8000/updates");
    CHECK_STR(status(&v, "Bomiot"), "Checking for updates" ELLIPSIS);
    v = view(BL_STAGE_APPLYING, "bomiot-1.2.0.patch");
    CHECK_STR(status(&v, "Bomiot"), "Applying update" ELLIPSIS);
    v = view(BL_STAGE_VERIFYING, "1.2.0");
    CHECK_STR(status(&v, "Bomiot"), "Verifying" ELLIPSIS);
    v = view(BL_STAGE_INSTALLING, "1.2.0");
    CHECK_STR(status(&v, "Bomiot"), "Installing Bomiot 1.2.0" ELLIPSIS);
    v = view(BL_STAGE_LAUNCHING, "1.2.0");
    CHECK_STR(status(&v, "Bomiot"), "Starting Bomiot 1.2.0" ELLIPSIS);
    v = view(BL_STAGE_ROLLING_BACK, "1.1.0");
    CHECK_STR(status(&v, "Bomiot"), "Rolling back to 1.1.0" ELLIPSIS);
    v = view(BL_STAGE_DONE, NULL);
    CHECK_STR(status(&v, "Bomiot"), "Ready");
}

static void test_status_without_detail_or_title_still_reads_well(void)
{
    bl_progress_view v = view(BL_STAGE_LAUNCHING, "");
    CHECK_STR(status(&v, "Bomiot"), "Starting Bomiot" ELLIPSIS);
    CHECK_STR(status(&v, NULL), "Starting the app" ELLIPSIS);
    CHECK_STR(status(&v, ""), "Starting the app" ELLIPSIS);
    v = view(BL_STAGE_INSTALLING, "");
    CHECK_STR(status(&v, "Bomiot"), "Installing Bomiot" ELLIPSIS);
    v = view(BL_STAGE_ROLLING_BACK, "");
    CHECK_STR(status(&v, "Bomiot"), "Rolling back" ELLIPSIS);
}

static void test_status_of_an_unknown_stage_is_preparing(void)
{
    bl_progress_view v = view(99, "x");
    CHECK_STR(status(&v, "Bomiot"), "Preparing" ELLIPSIS);
    v = view(-1, "x");
    CHECK_STR(status(&v, "Bomiot"), "Preparing" ELLIPSIS);
}

static void test_downloading_shows_bytes_of_total_and_rate(void)
{
    bl_progress_view v = view(BL_STAGE_DOWNLOADING, "bomiot-1.2.0.tar.gz");
    v.done = 12300000;
    v.total = 40100000;
    v.rate = 3200000;
    CHECK_STR(status(&v, "Bomiot"), "Downloading 12.3 MB of 40.1 MB (3.2 MB/s)");
    v.rate = 0; /* not measured yet: no rate rather than "0 B/s" */
    CHECK_STR(status(&v, "Bomiot"), "Downloading 12.3 MB of 40.1 MB");
    v.rate = 0.5;
    CHECK_STR(status(&v, "Bomiot"), "Downloading 12.3 MB of 40.1 MB");
}

static void test_downloading_uses_decimal_units_at_each_boundary(void)
{
    bl_progress_view v = view(BL_STAGE_DOWNLOADING, "");
    v.total = 999;
    v.done = 0;
    CHECK_STR(status(&v, NULL), "Downloading 0 B of 999 B");
    v.done = 999;
    v.total = 1000;
    CHECK_STR(status(&v, NULL), "Downloading 999 B of 1.0 kB");
    v.done = 999949;
    v.total = 1000000;
    CHECK_STR(status(&v, NULL), "Downloading 999.9 kB of 1.0 MB");
    v.done = 1500000000ULL;
    v.total = 2000000000ULL;
    v.rate = 12500;
    CHECK_STR(status(&v, NULL), "Downloading 1.50 GB of 2.00 GB (12.5 kB/s)");
    v.rate = 750;
    CHECK_STR(status(&v, NULL), "Downloading 1.50 GB of 2.00 GB (750 B/s)");
}

static void test_downloading_without_a_total(void)
{
    bl_progress_view v = view(BL_STAGE_DOWNLOADING, "");
    CHECK_STR(status(&v, NULL), "Downloading" ELLIPSIS);
    v.rate = 2000000; /* a rate with nothing done yet is not shown either */
    CHECK_STR(status(&v, NULL), "Downloading" ELLIPSIS);
    v.done = 2500000;
    CHECK_STR(status(&v, NULL), "Downloading 2.5 MB (2.0 MB/s)");
    v.rate = 0;
    CHECK_STR(status(&v, NULL), "Downloading 2.5 MB");
}

static void test_cancelling_wins_over_the_stage_until_the_app_starts(void)
{
    int stages[] = {BL_STAGE_STARTING, BL_STAGE_CHECKING, BL_STAGE_DOWNLOADING, BL_STAGE_APPLYING,
                    BL_STAGE_VERIFYING, BL_STAGE_INSTALLING};
    size_t i;
    for (i = 0; i < sizeof stages / sizeof stages[0]; i++) {
        bl_progress_view v = view(stages[i], "1.2.0");
        v.cancel_requested = 1;
        CHECK_STR(status(&v, "Bomiot"), "Cancelling the update" ELLIPSIS);
    }
    {
        /* once the installed version starts, the line says so */
        bl_progress_view v = view(BL_STAGE_LAUNCHING, "1.1.0");
        v.cancel_requested = 1;
        CHECK_STR(status(&v, "Bomiot"), "Starting Bomiot 1.1.0" ELLIPSIS);
    }
}

static void test_status_is_cut_to_the_buffer_and_terminated(void)
{
    bl_progress_view v = view(BL_STAGE_DOWNLOADING, "");
    char small[12];
    v.done = 12300000;
    v.total = 40100000;
    v.rate = 3200000;
    memset(small, 'x', sizeof small);
    bl_splash_status_text(&v, "Bomiot", NULL, small, sizeof small);
    CHECK_STR(small, "Downloading");
    v = view(BL_STAGE_LAUNCHING, "");
    memset(v.detail, 'd', sizeof v.detail - 1); /* the longest detail progress keeps */
    v.detail[sizeof v.detail - 1] = '\0';
    CHECK_INT(strlen(status(&v, "Bomiot")), strlen("Starting Bomiot ") + sizeof v.detail - 1 + strlen(ELLIPSIS));
}

/* --- the sentences in another language ---------------------------------- */

static const char *status_in(const bl_progress_view *v, const char *title, const char *language)
{
    static char out[320];
    bl_splash_status_text(v, title, language, out, sizeof out);
    return out;
}

static void test_status_in_simplified_chinese(void)
{
    bl_progress_view v = view(BL_STAGE_CHECKING, "http://localhost:8000/updates");
    CHECK_STR(status_in(&v, "Bomiot", "zh_CN"), "正在检查更新……");
    v = view(BL_STAGE_DOWNLOADING, "bomiot-1.2.0.tar.gz");
    v.done = 3600000;
    v.total = 4700000;
    CHECK_STR(status_in(&v, "Bomiot", "zh_CN"), "正在下载 3.6 MB，共 4.7 MB");
    v.rate = 1200000;
    CHECK_STR(status_in(&v, "Bomiot", "zh_CN"), "正在下载 3.6 MB，共 4.7 MB（1.2 MB/秒）");
    v = view(BL_STAGE_LAUNCHING, "1.2.0");
    CHECK_STR(status_in(&v, "Bomiot 仓储管理", "zh_CN"), "正在启动 Bomiot 仓储管理 1.2.0……");
    v = view(BL_STAGE_DONE, NULL);
    CHECK_STR(status_in(&v, "Bomiot", "zh_CN"), "就绪");
}

static void test_status_in_a_language_without_words_is_english(void)
{
    bl_progress_view v = view(BL_STAGE_CHECKING, "");
    CHECK_STR(status_in(&v, "Bomiot", "en"), "Checking for updates" ELLIPSIS);
    CHECK_STR(status_in(&v, "Bomiot", "fr_FR"), "Checking for updates" ELLIPSIS);
    CHECK_STR(status_in(&v, "Bomiot", ""), "Checking for updates" ELLIPSIS);
}

/* --- the version line ----------------------------------------------------- */

static const char *version_line(const bl_progress_view *v, const char *language)
{
    static char out[96];
    bl_splash_version_text(v, "1.1.0", language, out, sizeof out);
    return out;
}

static void test_version_line_names_the_version_being_installed(void)
{
    bl_progress_view v = view(BL_STAGE_CHECKING, "");
    CHECK_STR(version_line(&v, NULL), "1.1.0"); /* nothing chosen yet */
    snprintf(v.release, sizeof v.release, "1.2.0");
    CHECK_STR(version_line(&v, NULL), "1.1.0"); /* found, not installing yet */
    v.stage = BL_STAGE_DOWNLOADING;
    CHECK_STR(version_line(&v, NULL), "Updating to 1.2.0" ELLIPSIS);
    CHECK_STR(version_line(&v, "zh_CN"), "正在更新到 1.2.0……");
    v.stage = BL_STAGE_APPLYING;
    CHECK_STR(version_line(&v, NULL), "Updating to 1.2.0" ELLIPSIS);
    v.stage = BL_STAGE_VERIFYING;
    CHECK_STR(version_line(&v, NULL), "Updating to 1.2.0" ELLIPSIS);
    v.stage = BL_STAGE_INSTALLING;
    CHECK_STR(version_line(&v, NULL), "Updating to 1.2.0" ELLIPSIS);
    v.cancel_requested = 1; /* cancelled: the installed version stays */
    CHECK_STR(version_line(&v, NULL), "1.1.0");
}

static void test_version_line_once_the_launch_begins_is_the_version_starting(void)
{
    bl_progress_view v = view(BL_STAGE_LAUNCHING, "1.2.0");
    snprintf(v.release, sizeof v.release, "1.2.0");
    CHECK_STR(version_line(&v, "zh_CN"), "1.2.0");
    v = view(BL_STAGE_LAUNCHING, "");
    CHECK_STR(version_line(&v, NULL), "1.1.0");
    v = view(BL_STAGE_DOWNLOADING, ""); /* no release known: the installed one */
    CHECK_STR(version_line(&v, NULL), "1.1.0");
}

static void test_percent_only_with_a_total_outside_the_check(void)
{
    char out[16] = "x";
    bl_progress_view v = view(BL_STAGE_DOWNLOADING, "");
    bl_splash_percent_text(&v, NULL, out, sizeof out);
    CHECK_STR(out, "");
    v.done = 1;
    v.total = 3;
    bl_splash_percent_text(&v, "zh_CN", out, sizeof out);
    CHECK_STR(out, "33%");
    v.done = 5;
    bl_splash_percent_text(&v, NULL, out, sizeof out);
    CHECK_STR(out, "100%");
    v.stage = BL_STAGE_CHECKING;
    bl_splash_percent_text(&v, NULL, out, sizeof out);
    CHECK_STR(out, "");
    v.stage = BL_STAGE_DONE;
    bl_splash_percent_text(&v, NULL, out, sizeof out);
    CHECK_STR(out, "");
}

/* --- the failure count -------------------------------------------------- */

static void test_a_success_resets_the_failure_count(void)
{
    CHECK_INT(bl_splash_count_failure(BL_OK, 0), 0);
    CHECK_INT(bl_splash_count_failure(BL_OK, 7), 0);
}

static void test_cancel_and_offline_do_not_count_as_failures(void)
{
    CHECK_INT(bl_splash_count_failure(BL_ECANCELED, 2), 2);
    CHECK_INT(bl_splash_count_failure(BL_ENETWORK, 2), 2);
    CHECK_INT(bl_splash_count_failure(BL_ENETWORK, 0), 0);
}

static void test_other_failures_count_one_more(void)
{
    CHECK_INT(bl_splash_count_failure(BL_ESIGNATURE, 0), 1);
    CHECK_INT(bl_splash_count_failure(BL_EHASH, 1), 2);
    CHECK_INT(bl_splash_count_failure(BL_ENOSPC, 2), 3);
    CHECK_INT(bl_splash_count_failure(BL_EIO, 41), 42);
}

static void test_a_damaged_count_restarts_and_a_huge_one_stays(void)
{
    /* cache/update-failures is a file a user (or a crash) may have mangled */
    CHECK_INT(bl_splash_count_failure(BL_EIO, -5), 1);
    CHECK_INT(bl_splash_count_failure(BL_EIO, 1000000), 1000000);
    CHECK_INT(bl_splash_count_failure(BL_EIO, 2147483647), 2147483647);
}

/* --- the error sentence ------------------------------------------------- */

static void test_no_sentence_after_success_or_cancel(void)
{
    char out[256] = "stale";
    CHECK_INT(bl_splash_error_sentence(BL_OK, "fine", 0, "1.1.0", NULL, out, sizeof out), 0);
    CHECK_STR(out, "");
    strcpy(out, "stale");
    CHECK_INT(bl_splash_error_sentence(BL_ECANCELED, "closed", 5, "1.1.0", NULL, out, sizeof out), 0);
    CHECK_STR(out, "");
}

static void test_a_full_disk_is_told_at_once(void)
{
    char out[256];
    CHECK_INT(bl_splash_error_sentence(BL_ENOSPC, "not enough disk space: it needs 120 MB, 40 MB are free.", 1,
                                       "1.1.0", NULL, out, sizeof out),
              1);
    CHECK_STR(out, "Not enough disk space: it needs 120 MB, 40 MB are free. Free some space to get the update; "
                   "starting the installed version 1.1.0 now.");
    /* every time, not only at the third */
    CHECK_INT(bl_splash_error_sentence(BL_ENOSPC, "disk full", 0, "1.1.0", NULL, out, sizeof out), 1);
    CHECK_INT(bl_splash_error_sentence(BL_ENOSPC, "disk full", 4, "1.1.0", NULL, out, sizeof out), 1);
}

static void test_other_failures_are_told_at_the_third_in_a_row_and_every_fifth_after(void)
{
    char out[256];
    int failures, told[20] = {0}, expected[20] = {0};
    for (failures = 0; failures < 20; failures++)
        told[failures] = bl_splash_error_sentence(BL_ESIGNATURE, "bad signature", failures, "1.1.0", NULL, out, sizeof out);
    expected[3] = expected[8] = expected[13] = expected[18] = 1;
    for (failures = 0; failures < 20; failures++)
        CHECK_INT(told[failures], expected[failures]);
    CHECK_INT(bl_splash_error_sentence(BL_EHASH, "timestamp.json: signature does not verify", 3, "1.1.0", NULL, out,
                                       sizeof out),
              1);
    CHECK_STR(out, "The update has failed 3 times in a row (Timestamp.json: signature does not verify). Starting "
                   "the installed version 1.1.0; details are in cache/update.log.");
}

static void test_an_untold_failure_leaves_an_empty_sentence(void)
{
    char out[256] = "stale";
    CHECK_INT(bl_splash_error_sentence(BL_EIO, "x", 4, "1.1.0", NULL, out, sizeof out), 0);
    CHECK_STR(out, "");
}

static void test_sentence_without_message_or_version(void)
{
    char out[256];
    CHECK_INT(bl_splash_error_sentence(BL_EIO, NULL, 3, NULL, NULL, out, sizeof out), 1);
    CHECK_STR(out, "The update has failed 3 times in a row (Unknown error). Starting the installed version; details "
                   "are in cache/update.log.");
    CHECK_INT(bl_splash_error_sentence(BL_ENOSPC, "", 1, "", NULL, out, sizeof out), 1);
    CHECK_STR(out, "Unknown error. Free some space to get the update; starting the installed version now.");
}

static void test_sentence_trims_trailing_dots_and_spaces_once(void)
{
    char out[256];
    bl_splash_error_sentence(BL_ENOSPC, "disk full... ", 1, "2.0", NULL, out, sizeof out);
    CHECK_STR(out, "Disk full. Free some space to get the update; starting the installed version 2.0 now.");
}

static void test_sentence_fits_small_buffers_and_the_progress_error(void)
{
    char out[256], tiny[8], none[1] = {'x'};
    char longest[400];
    bl_progress_view v;
    memset(longest, 'm', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    CHECK_INT(bl_splash_error_sentence(BL_EIO, longest, 3, "1.1.0", NULL, out, sizeof out), 1);
    CHECK_INT(strlen(out), sizeof out - 1);
    CHECK_INT(strlen(out) < sizeof v.error, 1);
    CHECK_INT(bl_splash_error_sentence(BL_ENOSPC, "disk full", 1, "1.1.0", NULL, tiny, sizeof tiny), 1);
    CHECK_STR(tiny, "Disk fu");
    CHECK_INT(bl_splash_error_sentence(BL_ENOSPC, "disk full", 1, "1.1.0", NULL, none, 0), 0);
    CHECK_INT(none[0], 'x'); /* size 0: nothing written */
}

/* --- paths -------------------------------------------------------------- */

static void test_relative_paths_start_at_the_root(void)
{
    char out[128];
    CHECK_INT(bl_splash_resolve_path("/opt/bomiot", "art/splash.bmp", "resources/splash.png", out, sizeof out),
              BL_OK);
    CHECK_STR(out, "/opt/bomiot/art/splash.bmp");
}

static void test_absolute_paths_are_taken_as_written(void)
{
    char out[128];
    CHECK_INT(bl_splash_resolve_path("/opt/bomiot", "/usr/share/bomiot/splash.png", "x", out, sizeof out), BL_OK);
    CHECK_STR(out, "/usr/share/bomiot/splash.png");
    CHECK_INT(bl_splash_resolve_path("C:\\Bomiot", "D:\\art\\splash.png", "x", out, sizeof out), BL_OK);
    CHECK_STR(out, "D:\\art\\splash.png");
    CHECK_INT(bl_splash_resolve_path("C:\\Bomiot", "\\\\server\\share\\s.png", "x", out, sizeof out), BL_OK);
    CHECK_STR(out, "\\\\server\\share\\s.png");
}

static void test_an_empty_path_means_the_fallback(void)
{
    char out[128];
    CHECK_INT(bl_splash_resolve_path("/opt/bomiot", NULL, "resources/splash.png", out, sizeof out), BL_OK);
    CHECK_STR(out, "/opt/bomiot/resources/splash.png");
    CHECK_INT(bl_splash_resolve_path("/opt/bomiot", "", "resources/DejaVuSans.ttf", out, sizeof out), BL_OK);
    CHECK_STR(out, "/opt/bomiot/resources/DejaVuSans.ttf");
}

static void test_no_path_and_no_fallback_is_invalid(void)
{
    char out[128];
    CHECK_INT(bl_splash_resolve_path("/opt/bomiot", NULL, NULL, out, sizeof out), BL_EINVAL);
    CHECK_INT(bl_splash_resolve_path("/opt/bomiot", "", "", out, sizeof out), BL_EINVAL);
}

static void test_without_a_root_the_path_is_used_as_is(void)
{
    char out[128];
    CHECK_INT(bl_splash_resolve_path(NULL, "splash.png", "x", out, sizeof out), BL_OK);
    CHECK_STR(out, "splash.png");
    CHECK_INT(bl_splash_resolve_path("", "splash.png", "x", out, sizeof out), BL_OK);
    CHECK_STR(out, "splash.png");
}

static void test_a_path_that_does_not_fit_is_too_big(void)
{
    char out[16];
    CHECK_INT(bl_splash_resolve_path("/opt/bomiot", "splash.png", "x", out, sizeof out), BL_ETOOBIG);
    CHECK_INT(bl_splash_resolve_path("/opt", "s.png", "x", out, sizeof out), BL_OK); /* exactly 15 */
    CHECK_STR(out, "/opt/s.png");
    CHECK_INT(bl_splash_resolve_path(NULL, "0123456789abcdef", "x", out, sizeof out), BL_ETOOBIG);
    CHECK_INT(bl_splash_resolve_path(NULL, "0123456789abcde", "x", out, sizeof out), BL_OK);
}

/* --- headless: no splash never means no work ------------------------------ */

typedef struct {
    int runs;
    unsigned long thread_differs;
    uv_thread_t caller;
} work_ctx;

static int counting_work(void *ctx)
{
    work_ctx *w = ctx;
    uv_thread_t self = uv_thread_self();
    w->runs++;
    w->thread_differs = !uv_thread_equal(&self, &w->caller);
    return BL_EHASH; /* any code: it must come back as work_rc */
}

static void test_splash_off_runs_the_work_and_opens_nothing(void)
{
    bl_splash_options opt;
    bl_splash *s = (bl_splash *)&opt;
    bl_progress *p = bl_progress_new();
    work_ctx w;
    int work_rc = -1;
    bl_error err;

    memset(&opt, 0, sizeof opt);
    memset(&w, 0, sizeof w);
    w.caller = uv_thread_self();
    opt.enabled = 0;
    opt.title = "Bomiot";
    CHECK_INT(bl_splash_open(&opt, &s, &err), BL_EUNSUPPORTED);
    CHECK(s == NULL);
    CHECK(strstr(err.msg, "off") || strstr(err.msg, "without SDL2"));
    s = (bl_splash *)&opt;
    CHECK_INT(bl_splash_run(&opt, p, counting_work, &w, &work_rc, &s), BL_OK);
    CHECK(s == NULL);
    CHECK_INT(w.runs, 1);
    CHECK_INT(work_rc, BL_EHASH);
    /* every later call accepts the NULL splash */
    bl_splash_pump(s, p, 5);
    CHECK_INT(bl_splash_hold_ms(s, p, 3000), 0);
    CHECK_INT(bl_splash_linger_start(s, p, NULL, 3000, &err), BL_OK);
    bl_splash_linger_stop(s);
    bl_splash_close(s);
    bl_progress_free(p);
}

static void test_no_display_runs_the_work_and_says_why(void)
{
    bl_splash_options opt;
    bl_splash *s = NULL;
    bl_progress *p = bl_progress_new();
    work_ctx w;
    bl_error err;
    int work_rc = -1;

    /* A CI machine, an SSH session, a service account: nothing to draw on. */
    uv_os_unsetenv("DISPLAY");
    uv_os_unsetenv("WAYLAND_DISPLAY");
    uv_os_unsetenv("SDL_VIDEODRIVER");
    memset(&opt, 0, sizeof opt);
    memset(&w, 0, sizeof w);
    w.caller = uv_thread_self();
    opt.enabled = 1;
    opt.title = "Bomiot";
    if (!bl_plat_has_desktop()) { /* Windows and macOS always have one: nothing to take away */
        CHECK_INT(bl_splash_open(&opt, &s, &err), BL_EUNSUPPORTED);
        CHECK(s == NULL);
        CHECK(strstr(err.msg, "no display") || strstr(err.msg, "without SDL2"));
    }
    CHECK_INT(bl_splash_run(&opt, p, counting_work, &w, &work_rc, &s), BL_OK);
    CHECK(s == NULL);
    CHECK_INT(w.runs, 1);
    CHECK_INT(work_rc, BL_EHASH);
    bl_progress_free(p);
}

static void test_a_splash_is_ruled_out_when_off_or_without_a_display(void)
{
    bl_splash_options opt;
    memset(&opt, 0, sizeof opt);
    CHECK_INT(bl_splash_possible(NULL), 0);
    CHECK_INT(bl_splash_possible(&opt), 0); /* enabled = 0 */
    opt.enabled = 1;
    uv_os_unsetenv("DISPLAY");
    uv_os_unsetenv("WAYLAND_DISPLAY");
    uv_os_unsetenv("SDL_VIDEODRIVER");
    if (bl_plat_has_desktop()) { /* Windows, macOS: a desktop whatever the environment says */
        int unset = bl_splash_possible(&opt);
        uv_os_setenv("DISPLAY", ":0");
        CHECK_INT(bl_splash_possible(&opt), unset);
        uv_os_unsetenv("DISPLAY");
        return;
    }
    CHECK_INT(bl_splash_possible(&opt), 0);
    uv_os_setenv("DISPLAY", ""); /* set but empty is no display either */
    CHECK_INT(bl_splash_possible(&opt), 0);
    uv_os_unsetenv("DISPLAY");
}

static void test_run_while_without_a_splash_runs_inline(void)
{
    work_ctx w;
    int work_rc = -1;
    memset(&w, 0, sizeof w);
    w.caller = uv_thread_self();
    CHECK_INT(bl_splash_run_while(NULL, NULL, counting_work, &w, &work_rc), BL_OK);
    CHECK_INT(w.runs, 1);
    CHECK_INT(w.thread_differs, 0);
    CHECK_INT(work_rc, BL_EHASH);
}

int main(void)
{
    RUN(test_status_names_every_stage_in_plain_words);
    RUN(test_status_without_detail_or_title_still_reads_well);
    RUN(test_status_of_an_unknown_stage_is_preparing);
    RUN(test_downloading_shows_bytes_of_total_and_rate);
    RUN(test_downloading_uses_decimal_units_at_each_boundary);
    RUN(test_downloading_without_a_total);
    RUN(test_cancelling_wins_over_the_stage_until_the_app_starts);
    RUN(test_status_is_cut_to_the_buffer_and_terminated);
    RUN(test_status_in_simplified_chinese);
    RUN(test_status_in_a_language_without_words_is_english);
    RUN(test_version_line_names_the_version_being_installed);
    RUN(test_version_line_once_the_launch_begins_is_the_version_starting);
    RUN(test_percent_only_with_a_total_outside_the_check);
    RUN(test_a_success_resets_the_failure_count);
    RUN(test_cancel_and_offline_do_not_count_as_failures);
    RUN(test_other_failures_count_one_more);
    RUN(test_a_damaged_count_restarts_and_a_huge_one_stays);
    RUN(test_no_sentence_after_success_or_cancel);
    RUN(test_a_full_disk_is_told_at_once);
    RUN(test_other_failures_are_told_at_the_third_in_a_row_and_every_fifth_after);
    RUN(test_an_untold_failure_leaves_an_empty_sentence);
    RUN(test_sentence_without_message_or_version);
    RUN(test_sentence_trims_trailing_dots_and_spaces_once);
    RUN(test_sentence_fits_small_buffers_and_the_progress_error);
    RUN(test_relative_paths_start_at_the_root);
    RUN(test_absolute_paths_are_taken_as_written);
    RUN(test_an_empty_path_means_the_fallback);
    RUN(test_no_path_and_no_fallback_is_invalid);
    RUN(test_without_a_root_the_path_is_used_as_is);
    RUN(test_a_path_that_does_not_fit_is_too_big);
    RUN(test_splash_off_runs_the_work_and_opens_nothing);
    RUN(test_no_display_runs_the_work_and_says_why);
    RUN(test_a_splash_is_ruled_out_when_off_or_without_a_display);
    RUN(test_run_while_without_a_splash_runs_inline);
    return CHECK_DONE();
}

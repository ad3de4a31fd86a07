/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <uv.h>

#include "check.h"
#include "start/progress.h"

#define SECOND 1000000000ULL
#define MS 1000000ULL

static void test_null_progress_is_accepted_everywhere(void)
{
    bl_progress_view view;
    memset(&view, 0xab, sizeof view);
    bl_progress_stage(NULL, BL_STAGE_CHECKING, "x");
    bl_progress_bytes(NULL, 1, 2);
    bl_progress_bytes_at(NULL, 1, 2, 3);
    bl_progress_error(NULL, "x");
    bl_progress_request_cancel(NULL);
    CHECK_INT(bl_progress_cancelled(NULL), 0);
    bl_progress_snapshot(NULL, &view);
    CHECK_INT(view.stage, BL_STAGE_STARTING);
    CHECK_INT(view.generation, 0);
    CHECK_STR(view.detail, "");
    bl_progress_snapshot(NULL, NULL);
    bl_progress_free(NULL);
}

static void test_stage_resets_bytes_and_rate_and_bumps_generation(void)
{
    bl_progress *p = bl_progress_new();
    bl_progress_view v;
    uint64_t before;

    bl_progress_stage(p, BL_STAGE_DOWNLOADING, "bomiot-1.2.0.tar.gz");
    bl_progress_bytes_at(p, 1000, 4000, 1 * SECOND);
    bl_progress_bytes_at(p, 2000, 4000, 2 * SECOND);
    bl_progress_snapshot(p, &v);
    CHECK_INT(v.done, 2000);
    CHECK_INT(v.total, 4000);
    CHECK(v.rate > 0);
    before = v.generation;

    bl_progress_stage(p, BL_STAGE_APPLYING, "patch");
    bl_progress_snapshot(p, &v);
    CHECK_INT(v.stage, BL_STAGE_APPLYING);
    CHECK_STR(v.detail, "patch");
    CHECK_INT(v.done, 0);
    CHECK_INT(v.total, 0);
    CHECK(v.rate == 0);
    CHECK(v.generation > before);

    bl_progress_stage(p, BL_STAGE_VERIFYING, NULL);
    bl_progress_snapshot(p, &v);
    CHECK_STR(v.detail, "");
    bl_progress_free(p);
}

static void test_generation_moves_only_when_something_changed(void)
{
    bl_progress *p = bl_progress_new();
    bl_progress_view v;
    uint64_t g;

    bl_progress_bytes_at(p, 10, 100, SECOND);
    bl_progress_snapshot(p, &v);
    g = v.generation;
    bl_progress_bytes_at(p, 10, 100, 2 * SECOND); /* same numbers: nothing to redraw */
    bl_progress_snapshot(p, &v);
    CHECK_INT(v.generation, g);
    bl_progress_bytes_at(p, 11, 100, 3 * SECOND);
    bl_progress_snapshot(p, &v);
    CHECK_INT(v.generation, g + 1);
    bl_progress_free(p);
}

/* 1 MB/s for ten seconds, then 2 MB/s: after three seconds at the new speed
 * the rate shows it, not the long-run average. */
static void test_rate_follows_the_last_seconds(void)
{
    bl_progress *p = bl_progress_new();
    bl_progress_view v;
    uint64_t t = SECOND, done = 0;
    int i;

    bl_progress_stage(p, BL_STAGE_DOWNLOADING, "");
    for (i = 0; i < 100; i++, t += 100 * MS, done += 100000)
        bl_progress_bytes_at(p, done, 100000000, t);
    bl_progress_snapshot(p, &v);
    CHECK(v.rate > 0.99e6 && v.rate < 1.01e6);

    for (i = 0; i < 40; i++, t += 100 * MS, done += 200000)
        bl_progress_bytes_at(p, done, 100000000, t);
    bl_progress_snapshot(p, &v);
    CHECK(v.rate > 1.95e6 && v.rate < 2.05e6);
    bl_progress_free(p);
}

/* A transfer reporting every millisecond still gets a rate over seconds. */
static void test_rate_is_steady_under_frequent_reports(void)
{
    bl_progress *p = bl_progress_new();
    bl_progress_view v;
    uint64_t t = SECOND, done = 0;
    int i;

    for (i = 0; i < 5000; i++, t += MS) {
        done += (i % 2) ? 1500 : 500; /* jittery reads averaging 1 MB/s */
        bl_progress_bytes_at(p, done, 0, t);
    }
    bl_progress_snapshot(p, &v);
    CHECK(v.rate > 0.98e6 && v.rate < 1.02e6);
    bl_progress_free(p);
}

static void test_stall_longer_than_the_window_lowers_the_rate(void)
{
    bl_progress *p = bl_progress_new();
    bl_progress_view v;

    bl_progress_bytes_at(p, 0, 0, SECOND);
    bl_progress_bytes_at(p, 1000000, 0, 2 * SECOND);
    bl_progress_bytes_at(p, 1000001, 0, 12 * SECOND); /* ten seconds without data */
    bl_progress_snapshot(p, &v);
    CHECK(v.rate < 1000);
    bl_progress_free(p);
}

static void test_done_going_backwards_starts_a_new_measurement(void)
{
    bl_progress *p = bl_progress_new();
    bl_progress_view v;

    bl_progress_bytes_at(p, 0, 0, SECOND);
    bl_progress_bytes_at(p, 5000000, 0, 2 * SECOND);
    bl_progress_bytes_at(p, 100, 0, 3 * SECOND); /* the next file */
    bl_progress_bytes_at(p, 200100, 0, 4 * SECOND);
    bl_progress_snapshot(p, &v);
    CHECK(v.rate > 199000 && v.rate < 201000);
    bl_progress_free(p);
}

static void test_error_keeps_its_sentence_and_time(void)
{
    bl_progress *p = bl_progress_new();
    bl_progress_view v;
    uint64_t before = uv_hrtime();

    bl_progress_error(p, "Not enough disk space for the update.");
    bl_progress_snapshot(p, &v);
    CHECK_STR(v.error, "Not enough disk space for the update.");
    CHECK(v.error_time >= before && v.error_time <= uv_hrtime());
    bl_progress_stage(p, BL_STAGE_LAUNCHING, "1.1.0"); /* still shown while the app starts */
    bl_progress_snapshot(p, &v);
    CHECK_STR(v.error, "Not enough disk space for the update.");
    bl_progress_free(p);
}

static void test_cancel_travels_from_the_ui_to_the_worker(void)
{
    bl_progress *p = bl_progress_new();
    bl_progress_view v;
    CHECK_INT(bl_progress_cancelled(p), 0);
    bl_progress_request_cancel(p);
    CHECK_INT(bl_progress_cancelled(p), 1);
    bl_progress_stage(p, BL_STAGE_LAUNCHING, "1.1.0"); /* a new stage does not forget it */
    bl_progress_snapshot(p, &v);
    CHECK_INT(v.cancel_requested, 1);
    bl_progress_free(p);
}

/* The worker writes views whose fields belong together (total = 2 * done,
 * detail names done); the reader must never see a torn one. */
typedef struct {
    bl_progress *p;
    uint64_t writes;
} writer_ctx;

static void writer(void *arg)
{
    writer_ctx *w = arg;
    char detail[32];
    uint64_t i;
    for (i = 1; !bl_progress_cancelled(w->p); i++) {
        if (i % 1000 == 0) {
            snprintf(detail, sizeof detail, "%llu", (unsigned long long)i);
            bl_progress_stage(w->p, BL_STAGE_DOWNLOADING, detail);
        }
        bl_progress_bytes(w->p, i, 2 * i);
        w->writes = i;
    }
}

static void test_concurrent_writer_and_reader_see_whole_views(void)
{
    bl_progress *p = bl_progress_new();
    bl_progress_view v;
    writer_ctx w = {p, 0};
    uv_thread_t thread;
    uint64_t last_generation = 0;
    int i, torn = 0, backwards = 0;

    CHECK_INT(uv_thread_create(&thread, writer, &w), 0);
    /* Reads begin with the writer's first view: a thread may start late
     * (under Wine the whole loop below could run before it did). */
    for (bl_progress_snapshot(p, &v); v.done == 0; bl_progress_snapshot(p, &v))
        uv_sleep(1);
    for (i = 0; i < 200000; i++) {
        bl_progress_snapshot(p, &v);
        if (v.total != 2 * v.done)
            torn++;
        if (v.generation < last_generation)
            backwards++;
        last_generation = v.generation;
        if (v.detail[0] && v.done && strtoull(v.detail, NULL, 10) > v.done)
            torn++;
    }
    bl_progress_request_cancel(p);
    CHECK_INT(uv_thread_join(&thread), 0);
    CHECK_INT(torn, 0);
    CHECK_INT(backwards, 0);
    CHECK(w.writes > 0);
    bl_progress_free(p);
}

int main(void)
{
    RUN(test_null_progress_is_accepted_everywhere);
    RUN(test_stage_resets_bytes_and_rate_and_bumps_generation);
    RUN(test_generation_moves_only_when_something_changed);
    RUN(test_rate_follows_the_last_seconds);
    RUN(test_rate_is_steady_under_frequent_reports);
    RUN(test_stall_longer_than_the_window_lowers_the_rate);
    RUN(test_done_going_backwards_starts_a_new_measurement);
    RUN(test_error_keeps_its_sentence_and_time);
    RUN(test_cancel_travels_from_the_ui_to_the_worker);
    RUN(test_concurrent_writer_and_reader_see_whole_views);
    return CHECK_DONE();
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "check.h"
#include "testutil.h"
#include "update/watch.h"

typedef struct {
    int checks;
    uv_loop_t *loop;
} counter;

static void count_check(void *ctx)
{
    ((counter *)ctx)->checks++;
}

static void write_after(uv_loop_t *loop, const char *path, int times)
{
    int i;
    for (i = 0; i < times; i++) {
        char text[32];
        snprintf(text, sizeof text, "change %d\n", i);
        test_write_file(path, text);
        uv_run(loop, UV_RUN_NOWAIT);
        uv_sleep(10);
    }
}

/* Runs the loop for ms milliseconds. */
static void run_for(uv_loop_t *loop, uint64_t ms)
{
    uint64_t end = uv_hrtime() + ms * 1000000;
    while (uv_hrtime() < end) {
        uv_run(loop, UV_RUN_NOWAIT);
        uv_sleep(5);
    }
}

static void watch_and_burst(int events, uint64_t poll_ms, int burst, int *checks_out)
{
    char dir[512], file[600];
    uv_loop_t loop;
    counter c = {0, &loop};
    bl_watch *w = NULL;
    bl_watch_options opt;
    bl_error err;

    test_make_dir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/timestamp.json", dir);
    test_write_file(file, "start\n");
    uv_loop_init(&loop);
    memset(&opt, 0, sizeof opt);
    opt.dir = dir;
    opt.poll_path = file;
    opt.debounce_ms = 300;
    opt.poll_ms = poll_ms;
    opt.events = events;
    opt.fn = count_check;
    opt.ctx = &c;
    CHECK_INT(bl_watch_start(&loop, &opt, &w, &err), BL_OK);
    run_for(&loop, 1200); /* a poll needs a first stat to compare with */
    CHECK_INT(c.checks, 0);
    write_after(&loop, file, burst);
    run_for(&loop, poll_ms + 1500);
    *checks_out = c.checks;
    bl_watch_stop(w);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    bl_fs_remove_tree(dir, &err);
}

static void test_one_change_triggers_one_check(void)
{
    int checks;
    watch_and_burst(1, 0, 1, &checks);
    CHECK_INT(checks, 1);
}

static void test_a_burst_of_changes_triggers_one_check(void)
{
    int checks;
    watch_and_burst(1, 0, 20, &checks);
    CHECK_INT(checks, 1);
}

static void test_polling_alone_sees_changes(void)
{
    int checks;
    watch_and_burst(0, 500, 5, &checks);
    CHECK_INT(checks, 1);
}

static void test_events_and_polling_together_still_check_once(void)
{
    int checks;
    watch_and_burst(1, 500, 3, &checks);
    CHECK_INT(checks, 1);
}

static void test_describes_how_it_watches(void)
{
    char dir[512];
    uv_loop_t loop;
    bl_watch *w = NULL;
    bl_watch_options opt;
    bl_error err;
    test_make_dir(dir, sizeof dir);
    uv_loop_init(&loop);
    memset(&opt, 0, sizeof opt);
    opt.dir = dir;
    opt.poll_ms = 1000;
    opt.events = 1;
    opt.fn = count_check;
    CHECK_INT(bl_watch_start(&loop, &opt, &w, &err), BL_OK);
    CHECK_STR(bl_watch_describe(w), "file system events and a stat poll");
    bl_watch_stop(w);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    bl_fs_remove_tree(dir, &err);
}

int main(void)
{
    RUN(test_one_change_triggers_one_check);
    RUN(test_a_burst_of_changes_triggers_one_check);
    RUN(test_polling_alone_sees_changes);
    RUN(test_events_and_polling_together_still_check_once);
    RUN(test_describes_how_it_watches);
    return CHECK_DONE();
}

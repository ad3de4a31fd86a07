/* SPDX-License-Identifier: Apache-2.0 */
#include "check.h"
#include "start/activity.h"
#include "start/config.h"
#include "testutil.h"

#define T0 1796443200 /* 2026-12-05T04:00:00Z */

static bl_activity running_app(void)
{
    bl_activity a;
    memset(&a, 0, sizeof a);
    a.launcher_pid = 1230;
    a.app_pid = 1234;
    strcpy(a.running, "1.1.0");
    a.mode = BL_MODE_SUPERVISE;
    a.updated = T0;
    return a;
}

static void test_times_are_utc_iso_8601_both_ways(void)
{
    char text[32];
    int64_t t = -1;
    bl_activity_format_time(T0, text, sizeof text);
    CHECK_STR(text, "2026-12-05T04:00:00Z");
    bl_activity_format_time(0, text, sizeof text);
    CHECK_STR(text, "1970-01-01T00:00:00Z");
    bl_activity_format_time(951868799, text, sizeof text); /* a leap day's last second */
    CHECK_STR(text, "2000-02-29T23:59:59Z");
    CHECK_INT(bl_activity_parse_time("2000-02-29T23:59:59Z", &t), BL_OK);
    CHECK_INT(t, 951868799);
    CHECK_INT(bl_activity_parse_time("2026-12-05T04:00:00Z", &t), BL_OK);
    CHECK_INT(t, T0);
    CHECK_INT(bl_activity_parse_time("2026-12-05T04:00:00", &t), BL_EINVAL);
    CHECK_INT(bl_activity_parse_time("2026-13-05T04:00:00Z", &t), BL_EINVAL);
    CHECK_INT(bl_activity_parse_time("2026-12-05 04:00:00Z", &t), BL_EINVAL);
}

static void test_a_running_app_round_trips(void)
{
    bl_activity a = running_app(), b;
    bl_error err;
    char *text = NULL;
    CHECK_INT(bl_activity_serialize(&a, &text, &err), BL_OK);
    CHECK_CONTAINS(text, "\"app_pid\":1234");
    CHECK_CONTAINS(text, "\"mode\":\"supervise\"");
    CHECK_CONTAINS(text, "\"check\":null");
    CHECK_INT(bl_activity_parse(text, strlen(text), &b, &err), BL_OK);
    CHECK_INT(b.launcher_pid, 1230);
    CHECK_INT(b.app_pid, 1234);
    CHECK_STR(b.running, "1.1.0");
    CHECK_INT(b.mode, BL_MODE_SUPERVISE);
    CHECK_INT(b.checking, 0);
    CHECK_INT(b.updated, T0);
    free(text);
}

static void test_no_app_and_a_check_round_trip(void)
{
    bl_activity a = running_app(), b;
    bl_error err;
    char *text = NULL;
    a.app_pid = 0;
    a.running[0] = '\0';
    a.mode = BL_MODE_EXEC;
    a.checking = 1;
    strcpy(a.stage, "downloading");
    strcpy(a.version, "1.2.0");
    a.bytes = 1000;
    a.total = 5000;
    a.rate = 250000.5;
    a.since = T0 - 10;
    CHECK_INT(bl_activity_serialize(&a, &text, &err), BL_OK);
    CHECK_CONTAINS(text, "\"app_pid\":null");
    CHECK_CONTAINS(text, "\"running\":null");
    CHECK_CONTAINS(text, "\"since\":\"2026-12-05T03:59:50Z\"");
    CHECK_INT(bl_activity_parse(text, strlen(text), &b, &err), BL_OK);
    CHECK_INT(b.app_pid, 0);
    CHECK_STR(b.running, "");
    CHECK_INT(b.mode, BL_MODE_EXEC);
    CHECK_INT(b.checking, 1);
    CHECK_STR(b.stage, "downloading");
    CHECK_STR(b.version, "1.2.0");
    CHECK_INT(b.bytes, 1000);
    CHECK_INT(b.total, 5000);
    CHECK(b.rate == 250000.5);
    CHECK_INT(b.since, T0 - 10);
    free(text);
}

static void test_refuses_what_is_not_an_activity(void)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"app_pid\":1,\"running\":null,\"mode\":\"supervise\",\"check\":null,\"updated\":1}", /* no launcher */
        "{\"launcher_pid\":-4,\"mode\":\"supervise\",\"updated\":1}",
        "{\"launcher_pid\":1.5,\"mode\":\"supervise\",\"updated\":1}",
        "{\"launcher_pid\":7,\"mode\":\"later\",\"updated\":1}",
        "{\"launcher_pid\":7,\"mode\":\"exec\",\"running\":\"../x\",\"updated\":1}",
        "{\"launcher_pid\":7,\"mode\":\"exec\",\"updated\":1,\"check\":{\"stage\":\"checking\"}}",
        "{\"launcher_pid\":7,\"mode\":\"exec\",\"updated\":1,\"check\":7}",
    };
    bl_activity a;
    bl_error err;
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        a.launcher_pid = 99;
        CHECK_INT(bl_activity_parse(bad[i], strlen(bad[i]), &a, &err), BL_ECORRUPT);
        CHECK_INT(a.launcher_pid, 0);
    }
    CHECK_INT(bl_activity_parse("{\"launcher_pid\":7,\"mode\":\"exec\",\"updated\":1,\"new\":[1]}", 55, &a, &err),
              BL_OK); /* unknown keys: a newer launcher's */
}

static void test_a_check_follows_the_progress(void)
{
    bl_activity a = running_app();
    bl_progress_view view;
    memset(&view, 0, sizeof view);
    view.stage = BL_STAGE_CHECKING;
    strcpy(view.detail, "https://updates.example.com/bomiot");
    bl_activity_from_progress(&a, &view, T0);
    CHECK_INT(a.checking, 1);
    CHECK_STR(a.stage, "checking");
    CHECK_STR(a.version, "");
    CHECK_INT(a.since, T0);

    view.stage = BL_STAGE_DOWNLOADING;
    strcpy(view.detail, "bomiot-app-1.2.0rc1.tar.gz");
    view.done = 1000;
    view.total = 5000;
    view.rate = 2500;
    bl_activity_from_progress(&a, &view, T0 + 3);
    CHECK_STR(a.stage, "downloading");
    CHECK_STR(a.version, "1.2.0rc1");
    CHECK_INT(a.bytes, 1000);
    CHECK_INT(a.total, 5000);
    CHECK(a.rate == 2500);
    CHECK_INT(a.since, T0); /* the same check */
    CHECK_INT(a.updated, T0 + 3);

    view.stage = BL_STAGE_APPLYING;
    strcpy(view.detail, "bomiot-1.2.0rc1.patch");
    bl_activity_from_progress(&a, &view, T0 + 4);
    CHECK_STR(a.stage, "applying");
    CHECK_STR(a.version, "1.2.0rc1");
    CHECK_INT(a.bytes, 0);

    view.stage = BL_STAGE_INSTALLING;
    strcpy(view.detail, "1.2.0rc1");
    bl_activity_from_progress(&a, &view, T0 + 5);
    CHECK_STR(a.stage, "installing");
    CHECK_STR(a.version, "1.2.0rc1");

    bl_activity_from_progress(&a, NULL, T0 + 6);
    CHECK_INT(a.checking, 0);
    CHECK_STR(a.running, "1.1.0"); /* the app part is not the check's */
    CHECK_INT(a.app_pid, 1234);
}

static void test_save_and_load(void)
{
    char dir[512], path[600];
    bl_activity a = running_app(), b;
    bl_error err;
    if (test_make_dir(dir, sizeof dir) != 0) {
        CHECK(0);
        return;
    }
    snprintf(path, sizeof path, "%s/activity.json", dir);
    CHECK_INT(bl_activity_load(path, &b, &err), BL_ENOTFOUND);
    CHECK_INT(bl_activity_save(path, &a, &err), BL_OK);
    a.app_pid = 4321;
    CHECK_INT(bl_activity_save(path, &a, &err), BL_OK); /* over the old one */
    CHECK_INT(bl_activity_load(path, &b, &err), BL_OK);
    CHECK_INT(b.app_pid, 4321);
    CHECK_INT(test_write_file(path, "{\"launcher_pid\":"), 0);
    CHECK_INT(bl_activity_load(path, &b, &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "activity.json");
    bl_fs_remove_tree(dir, &err);
}

int main(void)
{
    RUN(test_times_are_utc_iso_8601_both_ways);
    RUN(test_a_running_app_round_trips);
    RUN(test_no_app_and_a_check_round_trip);
    RUN(test_refuses_what_is_not_an_activity);
    RUN(test_a_check_follows_the_progress);
    RUN(test_save_and_load);
    return CHECK_DONE();
}

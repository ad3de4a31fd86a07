/* SPDX-License-Identifier: Apache-2.0 */
/* --check's events (check_event.h): from progress snapshots and results to
 * the JSON lines and the terminal's sentences. */
#include <string.h>

#include "../check.h"
#include "base/error.h"
#include "start/check_event.h"

#define MS 1000000ull

static bl_progress_view view_at(int stage, const char *release, uint64_t done, uint64_t total, double rate)
{
    bl_progress_view v;
    memset(&v, 0, sizeof v);
    v.stage = stage;
    snprintf(v.release, sizeof v.release, "%s", release);
    v.done = done;
    v.total = total;
    v.rate = rate;
    return v;
}

static void test_a_check_that_finds_nothing_says_checking_once(void)
{
    bl_check_stream s;
    bl_check_event e[3];
    bl_progress_view v = view_at(BL_STAGE_CHECKING, "", 0, 0, 0);
    memset(&s, 0, sizeof s);
    CHECK_INT(bl_check_stream_next(&s, &v, "1.1.0", 0, e), 1);
    CHECK_INT(e[0].kind, BL_CHECK_CHECKING);
    CHECK_INT(bl_check_stream_next(&s, &v, "1.1.0", 500 * MS, e), 0);
    CHECK_INT(bl_check_stream_next(&s, NULL, "1.1.0", 900 * MS, e), 0);
}

static void test_found_then_downloads_at_most_four_a_second_then_each_stage_once(void)
{
    bl_check_stream s;
    bl_check_event e[3];
    bl_progress_view v = view_at(BL_STAGE_DOWNLOADING, "1.2.0", 1000, 5000, 250000.0);
    memset(&s, 0, sizeof s);
    CHECK_INT(bl_check_stream_next(&s, &v, "1.1.0", 1000 * MS, e), 3);
    CHECK_INT(e[0].kind, BL_CHECK_CHECKING);
    CHECK_INT(e[1].kind, BL_CHECK_FOUND);
    CHECK_STR(e[1].version, "1.2.0");
    CHECK_STR(e[1].current, "1.1.0");
    CHECK_INT(e[2].kind, BL_CHECK_DOWNLOADING);
    CHECK_INT(e[2].bytes, 1000);
    CHECK_INT(e[2].total, 5000);
    v.done = 2000;
    CHECK_INT(bl_check_stream_next(&s, &v, "1.1.0", 1100 * MS, e), 0); /* 100 ms later: too soon */
    CHECK_INT(bl_check_stream_next(&s, &v, "1.1.0", 1250 * MS, e), 1);
    CHECK_INT(e[0].bytes, 2000);
    v = view_at(BL_STAGE_APPLYING, "1.2.0", 0, 0, 0);
    CHECK_INT(bl_check_stream_next(&s, &v, "1.1.0", 1300 * MS, e), 1);
    CHECK_INT(e[0].kind, BL_CHECK_APPLYING);
    CHECK_INT(bl_check_stream_next(&s, &v, "1.1.0", 1800 * MS, e), 0);
    v = view_at(BL_STAGE_INSTALLING, "1.2.0", 10, 20, 0);
    CHECK_INT(bl_check_stream_next(&s, &v, "1.1.0", 1900 * MS, e), 1);
    CHECK_INT(e[0].kind, BL_CHECK_INSTALLING);
    CHECK_STR(e[0].version, "1.2.0");
    /* a second download (the next patch) reports at once */
    v = view_at(BL_STAGE_DOWNLOADING, "1.2.0", 5, 50, 0);
    CHECK_INT(bl_check_stream_next(&s, &v, "1.1.0", 1950 * MS, e), 1);
    CHECK_INT(e[0].kind, BL_CHECK_DOWNLOADING);
}

static void test_the_final_event_and_its_exit_code(void)
{
    bl_check_event e;
    bl_check_final(BL_OK, "", 0, "", "1.1.0", &e);
    CHECK_INT(e.kind, BL_CHECK_UP_TO_DATE);
    CHECK_STR(e.version, "1.1.0");
    CHECK_INT(bl_check_exit_code(e.kind), 0);
    bl_check_final(BL_OK, "", 1, "1.2.0", "1.1.0", &e);
    CHECK_INT(e.kind, BL_CHECK_STAGED);
    CHECK_INT(bl_check_exit_code(e.kind), 10);
    bl_check_final(BL_OK, "", 0, "1.2.0", "1.1.0", &e);
    CHECK_INT(e.kind, BL_CHECK_AVAILABLE);
    CHECK_INT(bl_check_exit_code(e.kind), 12);
    bl_check_final(BL_ENETWORK, "cannot reach http://127.0.0.1:9", 0, "", "1.1.0", &e);
    CHECK_INT(e.kind, BL_CHECK_FAILED);
    CHECK_STR(e.error, "cannot reach http://127.0.0.1:9");
    CHECK_INT(bl_check_exit_code(e.kind), 1);
    CHECK_INT(bl_check_exit_code(BL_CHECK_BUSY), 11);
    CHECK(bl_check_is_final(BL_CHECK_BUSY));
    CHECK(!bl_check_is_final(BL_CHECK_INSTALLING));
}

static void test_json_lines_are_the_documented_objects(void)
{
    bl_check_event e;
    char line[512];
    memset(&e, 0, sizeof e);
    e.kind = BL_CHECK_CHECKING;
    CHECK_INT(bl_check_event_json(&e, line, sizeof line), BL_OK);
    CHECK_STR(line, "{\"event\":\"checking\"}\n");
    e.kind = BL_CHECK_DOWNLOADING;
    snprintf(e.version, sizeof e.version, "1.2.0");
    e.bytes = 1000;
    e.total = 5000;
    e.rate = 250000.0;
    CHECK_INT(bl_check_event_json(&e, line, sizeof line), BL_OK);
    CHECK_STR(line, "{\"event\":\"downloading\",\"version\":\"1.2.0\",\"bytes\":1000,\"total\":5000,\"rate\":250000}\n");
    CHECK_INT(bl_check_event_json(&e, line, 20), BL_ETOOBIG);
    bl_check_final(BL_EIO, "disk \"full\"\n", 0, "", "1.1.0", &e);
    CHECK_INT(bl_check_event_json(&e, line, sizeof line), BL_OK);
    CHECK_STR(line, "{\"event\":\"failed\",\"error\":\"disk \\\"full\\\"\\n\"}\n");
    e.kind = BL_CHECK_FOUND;
    snprintf(e.version, sizeof e.version, "1.2.0");
    snprintf(e.current, sizeof e.current, "1.1.0");
    CHECK_INT(bl_check_event_json(&e, line, sizeof line), BL_OK);
    CHECK_STR(line, "{\"event\":\"found\",\"version\":\"1.2.0\",\"current\":\"1.1.0\"}\n");
}

static void test_a_json_line_parses_back_and_anything_else_is_refused(void)
{
    static const char *bad[] = {"", "[1]", "{\"event\": 3}", "{\"event\": \"exploded\"}", "{\"event\": \"staged\""};
    const char *line = "{\"event\":\"downloading\",\"version\":\"1.2.0\",\"bytes\":1000,\"total\":5000,\"rate\":2.5}";
    bl_check_event e;
    size_t i;
    CHECK_INT(bl_check_event_parse(line, strlen(line), &e), BL_OK);
    CHECK_INT(e.kind, BL_CHECK_DOWNLOADING);
    CHECK_STR(e.version, "1.2.0");
    CHECK_INT(e.bytes, 1000);
    CHECK_INT(e.total, 5000);
    CHECK(e.rate == 2.5);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(bl_check_event_parse(bad[i], strlen(bad[i]), &e), BL_ECORRUPT);
}

static void test_terminal_sentences(void)
{
    bl_check_event e;
    char text[256];
    memset(&e, 0, sizeof e);
    e.kind = BL_CHECK_DOWNLOADING;
    snprintf(e.version, sizeof e.version, "1.2.0");
    e.bytes = 2300000;
    e.total = 5000000;
    e.rate = 1200000;
    bl_check_event_text(&e, "Bomiot", text, sizeof text);
    CHECK_STR(text, "Downloading Bomiot 1.2.0: 46% (2.3 of 5.0 MB, 1.2 MB/s)");
    e.total = 0;
    e.rate = 0;
    bl_check_event_text(&e, "Bomiot", text, sizeof text);
    CHECK_STR(text, "Downloading Bomiot 1.2.0: 2.3 MB");
    bl_check_final(BL_OK, "", 1, "1.2.0", "1.1.0", &e);
    bl_check_event_text(&e, "Bomiot", text, sizeof text);
    CHECK_STR(text, "Bomiot 1.2.0 is ready: it starts at the next launch, or restart now.");
    bl_check_final(BL_ENETWORK, "no route\x1b[2J", 0, "", "1.1.0", &e);
    bl_check_event_text(&e, "Bomiot", text, sizeof text);
    CHECK_STR(text, "The update check failed: no route?[2J");
}

int main(void)
{
    RUN(test_a_check_that_finds_nothing_says_checking_once);
    RUN(test_found_then_downloads_at_most_four_a_second_then_each_stage_once);
    RUN(test_the_final_event_and_its_exit_code);
    RUN(test_json_lines_are_the_documented_objects);
    RUN(test_a_json_line_parses_back_and_anything_else_is_refused);
    RUN(test_terminal_sentences);
    return CHECK_DONE();
}

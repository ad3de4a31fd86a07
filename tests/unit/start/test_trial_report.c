/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "check.h"
#include "start/trial.h"
#include "start/trial_report.h"
#include "testutil.h"

#define TAG "0123456789abcdef"

static void test_names_a_report_by_version_verdict_and_tag(void)
{
    char name[BL_TRIAL_REPORT_NAME_MAX];
    bl_error err;
    CHECK_INT(bl_trial_report_name("1.1.0", BL_TRIAL_CRASHED, TAG, name, sizeof name, &err), BL_OK);
    CHECK_STR(name, "1.1.0.crash." TAG ".json");
    CHECK_INT(bl_trial_report_name("2.0.0rc1+local.7", BL_TRIAL_HEALTHY, TAG, name, sizeof name, &err), BL_OK);
    CHECK_STR(name, "2.0.0rc1+local.7.healthy." TAG ".json");
}

static void test_refuses_to_name_what_no_report_carries(void)
{
    char name[BL_TRIAL_REPORT_NAME_MAX], small[20];
    bl_error err;
    CHECK_INT(bl_trial_report_name("../etc", BL_TRIAL_CRASHED, TAG, name, sizeof name, &err), BL_EINVAL);
    CHECK_INT(bl_trial_report_name("1.0/x", BL_TRIAL_CRASHED, TAG, name, sizeof name, &err), BL_EINVAL);
    CHECK_INT(bl_trial_report_name("1.0", BL_TRIAL_QUIT, TAG, name, sizeof name, &err), BL_EINVAL);
    CHECK_CONTAINS(err.msg, "a crash or a healthy run");
    CHECK_INT(bl_trial_report_name("1.0", BL_TRIAL_PENDING, TAG, name, sizeof name, &err), BL_EINVAL);
    CHECK_INT(bl_trial_report_name("1.0", BL_TRIAL_HEALTHY, "0123", name, sizeof name, &err), BL_EINVAL);
    CHECK_INT(bl_trial_report_name("1.0", BL_TRIAL_HEALTHY, "0123456789ABCDEF", name, sizeof name, &err), BL_EINVAL);
    CHECK_INT(bl_trial_report_name("1.0", BL_TRIAL_HEALTHY, TAG, small, sizeof small, &err), BL_ETOOBIG);
}

static void test_reads_a_name_back_from_the_end(void)
{
    char version[BL_VERSION_MAX_TEXT];
    int verdict = 0;
    CHECK_INT(bl_trial_report_parse_name("1.1.0.crash." TAG ".json", version, &verdict), 1);
    CHECK_STR(version, "1.1.0");
    CHECK_INT(verdict, BL_TRIAL_CRASHED);
    CHECK_INT(bl_trial_report_parse_name("1.healthy." TAG ".json", version, &verdict), 1);
    CHECK_STR(version, "1");
    CHECK_INT(verdict, BL_TRIAL_HEALTHY);
    CHECK_INT(bl_trial_report_parse_name("2!1.0.dev3.crash." TAG ".json", version, &verdict), 1);
    CHECK_STR(version, "2!1.0.dev3");
    /* the rest must be a version (PEP 440), as a version folder's name is */
    CHECK_INT(bl_trial_report_parse_name("crash.crash." TAG ".json", version, &verdict), 0);
}

static void test_takes_no_other_name_for_a_report(void)
{
    char version[BL_VERSION_MAX_TEXT];
    int verdict;
    const char *bad[] = {
        "evil.json", ".json", "1.1.0.crash." TAG, "1.1.0.crash." TAG ".json.tmp",
        "1.1.0.quit." TAG ".json", "1.1.0.Crash." TAG ".json", "1.1.0.crash.0123456789ABCDEF.json",
        "1.1.0.crash.0123456789abcde.json", "1.1.0.crash.0123456789abcdef0.json", "crash." TAG ".json",
        ".crash." TAG ".json", "..crash." TAG ".json", "1 0.crash." TAG ".json", "1/0.crash." TAG ".json",
        "1.1.0.crash..json", "",
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bl_trial_report_parse_name(bad[i], version, &verdict) != 0) {
            fprintf(stderr, "  took \"%s\" for a report's name\n", bad[i]);
            CHECK(0);
        }
    }
}

static void test_a_long_name_is_not_a_report(void)
{
    char name[400], version[BL_VERSION_MAX_TEXT];
    int verdict;
    memset(name, '1', 300);
    snprintf(name + 300, sizeof name - 300, ".crash." TAG ".json");
    CHECK_INT(bl_trial_report_parse_name(name, version, &verdict), 0);
}

static void test_a_report_reads_back_as_written(void)
{
    bl_trial_report r = {"1.1.0", BL_TRIAL_CRASHED, -1, 11, 42, 1764921600}, back;
    char text[512];
    bl_error err;
    CHECK_INT(bl_trial_report_format(&r, text, sizeof text, &err), BL_OK);
    CHECK_STR(text, "{\"version\": \"1.1.0\", \"verdict\": \"crash\", \"exit_code\": -1, \"signal\": 11, "
                    "\"ran_ms\": 42, \"time\": 1764921600}\n");
    CHECK_INT(bl_trial_report_parse("1.1.0.crash." TAG ".json", text, strlen(text), &back, &err), BL_OK);
    CHECK_STR(back.version, "1.1.0");
    CHECK_INT(back.verdict, BL_TRIAL_CRASHED);
    CHECK_INT(back.exit_code, -1);
    CHECK_INT(back.term_signal, 11);
    CHECK_INT(back.ran_ms, 42);
    CHECK_INT(back.time, 1764921600);
}

static void test_a_windows_exception_code_reads_back(void)
{
    bl_trial_report r = {"1.1.0", BL_TRIAL_CRASHED, (int)0xC0000005u, 0, 5, 1}, back;
    const char *unsigned_text = "{\"version\": \"1.1.0\", \"verdict\": \"crash\", \"exit_code\": 3221225477}";
    char text[512];
    bl_error err;
    CHECK_INT(bl_trial_report_format(&r, text, sizeof text, &err), BL_OK);
    CHECK_INT(bl_trial_report_parse("1.1.0.crash." TAG ".json", text, strlen(text), &back, &err), BL_OK);
    CHECK_INT(back.exit_code, (int)0xC0000005u);
    CHECK_INT(bl_trial_report_parse("1.1.0.crash." TAG ".json", unsigned_text, strlen(unsigned_text), &back, &err),
              BL_OK);
    CHECK_INT(back.exit_code, (int)0xC0000005u);
}

static void test_only_version_and_verdict_are_required(void)
{
    const char *text = "{\"verdict\": \"healthy\", \"version\": \"1.1.0\"}";
    bl_trial_report back;
    bl_error err;
    CHECK_INT(bl_trial_report_parse("1.1.0.healthy." TAG ".json", text, strlen(text), &back, &err), BL_OK);
    CHECK_INT(back.verdict, BL_TRIAL_HEALTHY);
    CHECK_INT(back.exit_code, -1);
    CHECK_INT(back.term_signal, 0);
}

static void test_a_report_must_say_what_its_name_says(void)
{
    const char *name = "1.1.0.crash." TAG ".json";
    const char *bad[] = {
        "{\"version\": \"1.1.0\", \"verdict\": \"healthy\"}", /* renamed by hand */
        "{\"version\": \"1.2.0\", \"verdict\": \"crash\"}",
        "{\"verdict\": \"crash\"}",
        "{\"version\": \"1.1.0\"}",
        "{\"version\": 110, \"verdict\": \"crash\"}",
        "[\"1.1.0\", \"crash\"]",
        "not json",
        "",
        "{\"version\": \"1.1.0\", \"verdict\": \"crash\", \"signal\": 300}",
        "{\"version\": \"1.1.0\", \"verdict\": \"crash\", \"signal\": \"11\"}",
        "{\"version\": \"1.1.0\", \"verdict\": \"crash\", \"ran_ms\": -5}",
        "{\"version\": \"1.1.0\", \"verdict\": \"crash\", \"ran_ms\": 1.5}",
        "{\"version\": \"1.1.0\", \"verdict\": \"crash\", \"exit_code\": 1e30}",
    };
    bl_trial_report back;
    bl_error err;
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bl_trial_report_parse(name, bad[i], strlen(bad[i]), &back, &err) != BL_EINVAL) {
            fprintf(stderr, "  took '%s' for a report\n", bad[i]);
            CHECK(0);
        }
    }
    CHECK_INT(bl_trial_report_parse("evil.json", bad[0], strlen(bad[0]), &back, &err), BL_EINVAL);
    CHECK_CONTAINS(err.msg, "not a report's name");
}

static void test_a_report_is_at_most_4_kib(void)
{
    const char *head = "{\"version\": \"1.1.0\", \"verdict\": \"crash\"}";
    char *text = malloc(BL_TRIAL_REPORT_MAX_BYTES + 2);
    bl_trial_report back;
    bl_error err;
    if (!text)
        return;
    memset(text, ' ', BL_TRIAL_REPORT_MAX_BYTES + 1);
    memcpy(text, head, strlen(head));
    CHECK_INT(bl_trial_report_parse("1.1.0.crash." TAG ".json", text, BL_TRIAL_REPORT_MAX_BYTES, &back, &err), BL_OK);
    CHECK_INT(bl_trial_report_parse("1.1.0.crash." TAG ".json", text, BL_TRIAL_REPORT_MAX_BYTES + 1, &back, &err),
              BL_EINVAL);
    CHECK_CONTAINS(err.msg, "more than a report's 4096");
    free(text);
}

static bl_trial_report report(const char *version, int verdict)
{
    bl_trial_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.version, sizeof r.version, "%s", version);
    r.verdict = verdict;
    return r;
}

static void test_a_crash_of_the_version_on_trial_rolls_back_whatever_else_was_seen(void)
{
    bl_state s;
    bl_trial_report r[4];
    int which;
    bl_state_init(&s);
    strcpy(s.current, "1.0.0");
    bl_trial_begin(&s, "1.1.0");
    r[0] = report("1.1.0", BL_TRIAL_HEALTHY);
    r[1] = report("1.0.0", BL_TRIAL_CRASHED);
    r[2] = report("1.1.0", BL_TRIAL_CRASHED);
    r[3] = report("1.1.0", BL_TRIAL_HEALTHY);
    CHECK_INT(bl_trial_report_decide(&s, r, 4, &which), BL_TRIAL_REPORT_ROLL_BACK);
    CHECK_INT(which, 2);
}

static void test_a_healthy_run_of_the_version_on_trial_confirms_it(void)
{
    bl_state s;
    bl_trial_report r[2];
    int which;
    bl_state_init(&s);
    strcpy(s.current, "1.0.0");
    bl_trial_begin(&s, "1.1.0");
    r[0] = report("1.0.0", BL_TRIAL_CRASHED);
    r[1] = report("1.1.0", BL_TRIAL_HEALTHY);
    CHECK_INT(bl_trial_report_decide(&s, r, 2, &which), BL_TRIAL_REPORT_CONFIRM);
    CHECK_INT(which, 1);
}

static void test_reports_decide_nothing_off_trial_or_about_other_versions(void)
{
    bl_state s;
    bl_trial_report r[2];
    int which = 7;
    bl_state_init(&s);
    strcpy(s.current, "1.0.0");
    bl_trial_begin(&s, "1.1.0");
    r[0] = report("1.0.0", BL_TRIAL_CRASHED);
    r[1] = report("1.2.0", BL_TRIAL_HEALTHY);
    CHECK_INT(bl_trial_report_decide(&s, r, 2, &which), BL_TRIAL_REPORT_NOTHING);
    CHECK_INT(which, -1);
    CHECK_INT(bl_trial_report_decide(&s, r, 0, &which), BL_TRIAL_REPORT_NOTHING);
    r[0] = report("1.1.0", BL_TRIAL_CRASHED);
    bl_trial_confirm(&s); /* judged already: a late crash report blocks nothing */
    CHECK_INT(bl_trial_report_decide(&s, r, 2, &which), BL_TRIAL_REPORT_NOTHING);
}

int main(void)
{
    RUN(test_names_a_report_by_version_verdict_and_tag);
    RUN(test_refuses_to_name_what_no_report_carries);
    RUN(test_reads_a_name_back_from_the_end);
    RUN(test_takes_no_other_name_for_a_report);
    RUN(test_a_long_name_is_not_a_report);
    RUN(test_a_report_reads_back_as_written);
    RUN(test_a_windows_exception_code_reads_back);
    RUN(test_only_version_and_verdict_are_required);
    RUN(test_a_report_must_say_what_its_name_says);
    RUN(test_a_report_is_at_most_4_kib);
    RUN(test_a_crash_of_the_version_on_trial_rolls_back_whatever_else_was_seen);
    RUN(test_a_healthy_run_of_the_version_on_trial_confirms_it);
    RUN(test_reports_decide_nothing_off_trial_or_about_other_versions);
    return CHECK_DONE();
}

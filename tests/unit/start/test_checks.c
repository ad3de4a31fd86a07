/* SPDX-License-Identifier: Apache-2.0 */
#include "check.h"
#include "start/checks.h"

#define HOUR 3600
#define T0 1800000000

static void test_nothing_recorded_is_due(void)
{
    bl_checks c = {0, 0, 0};
    CHECK_INT(bl_checks_due_in(&c, HOUR, T0), 0);
}

static void test_a_success_waits_the_interval(void)
{
    bl_checks c = {0, 0, 0};
    bl_checks_note(&c, 1, T0);
    CHECK_INT(c.last_ok, T0);
    CHECK_INT(bl_checks_due_in(&c, HOUR, T0), HOUR);
    CHECK_INT(bl_checks_due_in(&c, HOUR, T0 + HOUR - 1), 1);
    CHECK_INT(bl_checks_due_in(&c, HOUR, T0 + HOUR), 0);
}

static void test_interval_0_checks_every_time(void)
{
    bl_checks c = {T0, 0, T0};
    CHECK_INT(bl_checks_due_in(&c, 0, T0), 0);
}

static void test_failures_back_off_from_a_minute_up_to_the_interval(void)
{
    bl_checks c = {0, 0, T0 - 10};
    bl_checks_note(&c, 0, T0);
    CHECK_INT(c.failures, 1);
    CHECK_INT(c.last_ok, T0 - 10); /* the last success is kept */
    CHECK_INT(bl_checks_due_in(&c, HOUR, T0), 60);
    bl_checks_note(&c, 0, T0);
    CHECK_INT(bl_checks_due_in(&c, HOUR, T0), 120);
    CHECK_INT(bl_checks_retry_after(6, HOUR), 1920);
    CHECK_INT(bl_checks_retry_after(7, HOUR), HOUR);
    CHECK_INT(bl_checks_retry_after(1000000, HOUR), HOUR);
    CHECK_INT(bl_checks_retry_after(3, 100), 100);
    bl_checks_note(&c, 1, T0 + 5);
    CHECK_INT(c.failures, 0);
    CHECK_INT(bl_checks_due_in(&c, HOUR, T0 + 5), HOUR);
}

static void test_a_record_from_the_future_is_due(void)
{
    bl_checks c = {T0 + 5 * 86400, 0, T0 + 5 * 86400}; /* the clock was set back 5 days */
    CHECK_INT(bl_checks_due_in(&c, HOUR, T0), 0);
}

static void test_parse_round_trip_and_refusals(void)
{
    bl_checks c;
    bl_error err;
    CHECK_INT(bl_checks_parse("1800000000 3 1799990000\n", 24, &c, &err), BL_OK);
    CHECK_INT(c.last, 1800000000);
    CHECK_INT(c.failures, 3);
    CHECK_INT(c.last_ok, 1799990000);
    CHECK_INT(bl_checks_parse("", 0, &c, &err), BL_ECORRUPT);
    CHECK_INT(c.last, 0);
    CHECK_INT(bl_checks_parse("1800000000 3\n", 13, &c, &err), BL_ECORRUPT);
    CHECK_INT(bl_checks_parse("1800000000 -1 0\n", 16, &c, &err), BL_ECORRUPT);
    CHECK_INT(bl_checks_parse("x 0 0\n", 6, &c, &err), BL_ECORRUPT);
    CHECK_INT(bl_checks_parse("1 0 0\nmore", 10, &c, &err), BL_ECORRUPT);
}

int main(void)
{
    RUN(test_nothing_recorded_is_due);
    RUN(test_a_success_waits_the_interval);
    RUN(test_interval_0_checks_every_time);
    RUN(test_failures_back_off_from_a_minute_up_to_the_interval);
    RUN(test_a_record_from_the_future_is_due);
    RUN(test_parse_round_trip_and_refusals);
    return CHECK_DONE();
}

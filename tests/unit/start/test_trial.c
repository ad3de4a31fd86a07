/* SPDX-License-Identifier: Apache-2.0 */
#include <signal.h>
#include <uv.h> /* SIGHUP and SIGKILL on Windows */

#include "check.h"
#include "start/trial.h"
#include "testutil.h"

static void test_begin_puts_the_new_version_on_trial(void)
{
    bl_state s;
    bl_state_init(&s);
    strcpy(s.current, "1.0.0");
    s.attempts = 5;
    bl_trial_begin(&s, "1.1.0");
    CHECK_STR(s.current, "1.1.0");
    CHECK_STR(s.previous, "1.0.0");
    CHECK_INT(s.trial, 1);
    CHECK_INT(s.attempts, 0);
}

static void test_counts_unconfirmed_starts_up_to_the_limit(void)
{
    bl_state s;
    bl_state_init(&s);
    strcpy(s.current, "1.0.0");
    bl_trial_begin(&s, "1.1.0");
    CHECK_INT(bl_trial_count_start(&s, 2), 0); /* first start */
    CHECK_INT(s.attempts, 1);
    CHECK_INT(bl_trial_count_start(&s, 2), 0); /* launcher killed once */
    CHECK_INT(s.attempts, 2);
    CHECK_INT(bl_trial_count_start(&s, 2), 1); /* killed twice: roll back */
}

static void test_a_confirmed_version_is_not_counted(void)
{
    bl_state s;
    bl_state_init(&s);
    strcpy(s.current, "1.0.0");
    CHECK_INT(bl_trial_count_start(&s, 2), 0);
    CHECK_INT(s.attempts, 0);
}

static void test_judges_how_the_app_ended(void)
{
    CHECK_INT(bl_trial_judge_exit(0, SIGSEGV, 0, 50, 10000, "any"), BL_TRIAL_CRASHED);
    CHECK_INT(bl_trial_judge_exit(3, 0, 0, 50, 10000, "any"), BL_TRIAL_CRASHED);    /* early error exit */
    CHECK_INT(bl_trial_judge_exit(0, 0, 0, 50, 10000, "any"), BL_TRIAL_HEALTHY);    /* quit normally */
    CHECK_INT(bl_trial_judge_exit(3, 0, 0, 20000, 10000, "any"), BL_TRIAL_HEALTHY); /* ran long enough */
    CHECK_INT(bl_trial_judge_exit(0, SIGKILL, 0, 20000, 10000, "any"), BL_TRIAL_HEALTHY); /* killed later */
}

static void test_a_death_by_a_signal_someone_sent_is_a_quit(void)
{
    /* passed on by the launcher (logout, shutdown, systemctl stop) */
    CHECK_INT(bl_trial_judge_exit(0, SIGTERM, SIGTERM, 50, 10000, "any"), BL_TRIAL_QUIT);
    CHECK_INT(bl_trial_judge_exit(0, SIGHUP, SIGHUP, 50, 10000, "any"), BL_TRIAL_QUIT);
    /* from the terminal, to the app and the launcher alike */
    CHECK_INT(bl_trial_judge_exit(0, SIGINT, SIGINT, 50, 10000, "any"), BL_TRIAL_QUIT);
    /* signals that only ask to end, sent to the app alone */
    CHECK_INT(bl_trial_judge_exit(0, SIGTERM, 0, 50, 10000, "any"), BL_TRIAL_QUIT);
    CHECK_INT(bl_trial_judge_exit(0, SIGINT, 0, 50, 10000, "any"), BL_TRIAL_QUIT);
    CHECK_INT(bl_trial_judge_exit(0, SIGHUP, 0, 50, 10000, "any"), BL_TRIAL_QUIT);
#ifdef SIGQUIT /* POSIX signals */
    CHECK_INT(bl_trial_judge_exit(0, SIGUSR1, SIGUSR1, 50, 10000, "any"), BL_TRIAL_QUIT);
    CHECK_INT(bl_trial_judge_exit(0, SIGQUIT, SIGQUIT, 50, 10000, "any"), BL_TRIAL_QUIT);
    CHECK_INT(bl_trial_judge_exit(0, SIGPIPE, 0, 50, 10000, "any"), BL_TRIAL_QUIT); /* app | head */
#endif
}

static void test_a_death_by_a_signal_nobody_sent_is_a_crash(void)
{
    CHECK_INT(bl_trial_judge_exit(0, SIGSEGV, 0, 50, 10000, "any"), BL_TRIAL_CRASHED);
    CHECK_INT(bl_trial_judge_exit(0, SIGABRT, 0, 50, 10000, "any"), BL_TRIAL_CRASHED);
    CHECK_INT(bl_trial_judge_exit(0, SIGILL, 0, 50, 10000, "any"), BL_TRIAL_CRASHED);
    CHECK_INT(bl_trial_judge_exit(0, SIGFPE, 0, 50, 10000, "any"), BL_TRIAL_CRASHED);
    CHECK_INT(bl_trial_judge_exit(0, SIGKILL, 0, 50, 10000, "any"), BL_TRIAL_CRASHED); /* a hang killed, the OOM killer */
#ifdef SIGBUS /* POSIX signals */
    CHECK_INT(bl_trial_judge_exit(0, SIGBUS, 0, 50, 10000, "any"), BL_TRIAL_CRASHED);
    CHECK_INT(bl_trial_judge_exit(0, SIGUSR1, 0, 50, 10000, "any"), BL_TRIAL_CRASHED); /* not passed on by us */
#endif
    /* a crash while it shuts down is still a crash */
    CHECK_INT(bl_trial_judge_exit(0, SIGSEGV, SIGTERM, 50, 10000, "any"), BL_TRIAL_CRASHED);
}

static void test_an_error_exit_after_a_request_to_end_is_a_quit(void)
{
    CHECK_INT(bl_trial_judge_exit(143, 0, SIGTERM, 50, 10000, "any"), BL_TRIAL_QUIT); /* caught SIGTERM, exited */
    CHECK_INT(bl_trial_judge_exit(130, 0, SIGINT, 50, 10000, "any"), BL_TRIAL_QUIT);
    CHECK_INT(bl_trial_judge_exit(1, 0, SIGSEGV, 50, 10000, "any"), BL_TRIAL_CRASHED); /* asks for no end */
    CHECK_INT(bl_trial_judge_exit(0, 0, SIGTERM, 50, 10000, "any"), BL_TRIAL_HEALTHY); /* a clean exit confirms */
}

static void test_trial_exit_codes_say_which_exits_fail(void)
{
    CHECK(bl_trial_exit_rule_valid("any"));
    CHECK(bl_trial_exit_rule_valid("none"));
    CHECK(bl_trial_exit_rule_valid("1,3,64-78"));
    CHECK(bl_trial_exit_rule_valid(" 2 , 70-78 "));
    CHECK(!bl_trial_exit_rule_valid(""));
    CHECK(!bl_trial_exit_rule_valid("0"));
    CHECK(!bl_trial_exit_rule_valid("256"));
    CHECK(!bl_trial_exit_rule_valid("5-3"));
    CHECK(!bl_trial_exit_rule_valid("1,"));
    CHECK(!bl_trial_exit_rule_valid("1;2"));
    CHECK(!bl_trial_exit_rule_valid("all"));
    CHECK(bl_trial_exit_rule_fails("any", 1));
    CHECK(!bl_trial_exit_rule_fails("none", 70));
    CHECK(bl_trial_exit_rule_fails("1,3,64-78", 3));
    CHECK(bl_trial_exit_rule_fails("1,3,64-78", 70));
    CHECK(!bl_trial_exit_rule_fails("1,3,64-78", 2));
    CHECK(!bl_trial_exit_rule_fails("1,3,64-78", 79));
}

static void test_an_exit_the_rule_does_not_count_is_an_ordinary_answer(void)
{
    /* a CLI app: exit 1 is "no", 70 (EX_SOFTWARE) is a failure */
    CHECK_INT(bl_trial_judge_exit(1, 0, 0, 50, 10000, "64-78"), BL_TRIAL_HEALTHY);
    CHECK_INT(bl_trial_judge_exit(70, 0, 0, 50, 10000, "64-78"), BL_TRIAL_CRASHED);
    CHECK_INT(bl_trial_judge_exit(70, 0, 0, 50, 10000, "none"), BL_TRIAL_HEALTHY);
    /* a signal is judged as before, whatever the rule */
    CHECK_INT(bl_trial_judge_exit(0, SIGSEGV, 0, 50, 10000, "none"), BL_TRIAL_CRASHED);
    CHECK_INT(bl_trial_judge_exit(0, SIGTERM, SIGTERM, 50, 10000, "none"), BL_TRIAL_QUIT);
}

static void test_a_quit_leaves_the_version_on_trial_and_gives_its_start_back(void)
{
    bl_state s;
    int start;
    bl_state_init(&s);
    strcpy(s.current, "1.0.0");
    bl_trial_begin(&s, "1.1.0");
    for (start = 0; start < 5; start++) { /* quit five times with a limit of 2 */
        CHECK_INT(bl_trial_count_start(&s, 2), 0);
        bl_trial_quit(&s);
    }
    CHECK_STR(s.current, "1.1.0");
    CHECK_INT(s.trial, 1);
    CHECK_INT(s.attempts, 0);
    CHECK_INT(s.blocked_count, 0);
}

static void test_rollback_blocks_and_returns_to_previous(void)
{
    const char *names[] = {"1.0.0", "1.1.0"};
    bl_version_list complete = test_version_list(2, names);
    bl_state s;
    char why[256];
    bl_state_init(&s);
    strcpy(s.current, "1.0.0");
    bl_trial_begin(&s, "1.1.0");
    CHECK_INT(bl_trial_rollback(&s, &complete, why, sizeof why), 1);
    CHECK_STR(s.current, "1.0.0");
    CHECK_STR(s.previous, "");
    CHECK_INT(s.trial, 0);
    CHECK(bl_state_is_blocked(&s, "1.1.0"));
    CHECK_STR(why, "version 1.1.0 failed its trial; blocked it and went back to 1.0.0");
}

static void test_rollback_without_previous_takes_the_newest_good_version(void)
{
    const char *names[] = {"0.9.0", "1.0.0", "1.1.0"};
    bl_version_list complete = test_version_list(3, names);
    bl_state s;
    char why[256];
    bl_state_init(&s);
    strcpy(s.current, "1.1.0");
    strcpy(s.previous, "1.0.5"); /* pruned or lost */
    s.trial = 1;
    CHECK_INT(bl_trial_rollback(&s, &complete, why, sizeof why), 1);
    CHECK_STR(s.current, "1.0.0");
}

static void test_rollback_with_nowhere_to_go_keeps_an_app(void)
{
    const char *names[] = {"1.1.0"};
    bl_version_list complete = test_version_list(1, names);
    bl_state s;
    char why[256];
    bl_state_init(&s);
    strcpy(s.current, "1.1.0");
    s.trial = 1;
    CHECK_INT(bl_trial_rollback(&s, &complete, why, sizeof why), 0);
    CHECK_STR(s.current, "1.1.0");
    CHECK_INT(s.trial, 0);
    CHECK(bl_state_is_blocked(&s, "1.1.0"));
    CHECK_CONTAINS(why, "no other version is installed");
}

static void test_prune_keeps_current_previous_and_newest(void)
{
    const char *names[] = {"0.8.0", "0.9.0", "1.0.0", "1.1.0", "1.2.0"};
    bl_version_list complete = test_version_list(5, names);
    char out[8][BL_VERSION_MAX_TEXT];
    bl_state s;
    int n;
    bl_state_init(&s);
    strcpy(s.current, "1.1.0");
    strcpy(s.previous, "0.9.0");
    bl_state_block(&s, "1.2.0");
    n = bl_trial_prunable(&s, &complete, 2, out, 8);
    CHECK_INT(n, 3);
    CHECK_STR(out[0], "0.8.0");
    CHECK_STR(out[1], "1.0.0");
    CHECK_STR(out[2], "1.2.0");
    n = bl_trial_prunable(&s, &complete, 3, out, 8);
    CHECK_INT(n, 2); /* 1.0.0 is kept as the newest good other */
    CHECK_STR(out[0], "0.8.0");
    CHECK_STR(out[1], "1.2.0");
    n = bl_trial_prunable(&s, &complete, 1, out, 8);
    CHECK_INT(n, 4); /* only the running version stays */
}

/* A trial that fails goes back to the previous version, whose tar is then
 * the base of the next patch: it stays until the trial ends either way. */
static void test_tars_kept_follow_the_trial(void)
{
    char keep[3][BL_VERSION_MAX_TEXT];
    bl_version_list complete;
    char why[256];
    bl_state s;

    bl_state_init(&s);
    strcpy(s.current, "1.0.0");
    CHECK_INT(bl_trial_tars_kept(&s, keep), 1);
    CHECK_STR(keep[0], "1.0.0");
    strcpy(s.pending, "1.1.0"); /* staged in the background */
    CHECK_INT(bl_trial_tars_kept(&s, keep), 2);
    CHECK_STR(keep[1], "1.1.0");
    s.pending[0] = '\0';
    bl_trial_begin(&s, "1.1.0");
    CHECK_INT(bl_trial_tars_kept(&s, keep), 2);
    CHECK_STR(keep[0], "1.1.0");
    CHECK_STR(keep[1], "1.0.0");
    complete.count = 2;
    strcpy(complete.names[0], "1.0.0");
    strcpy(complete.names[1], "1.1.0");
    CHECK_INT(bl_trial_rollback(&s, &complete, why, sizeof why), 1);
    CHECK_INT(bl_trial_tars_kept(&s, keep), 1);
    CHECK_STR(keep[0], "1.0.0");
    bl_trial_begin(&s, "1.2.0");
    bl_trial_confirm(&s);
    CHECK_INT(bl_trial_tars_kept(&s, keep), 1);
    CHECK_STR(keep[0], "1.2.0");
}

int main(void)
{
    RUN(test_begin_puts_the_new_version_on_trial);
    RUN(test_counts_unconfirmed_starts_up_to_the_limit);
    RUN(test_a_confirmed_version_is_not_counted);
    RUN(test_judges_how_the_app_ended);
    RUN(test_a_death_by_a_signal_someone_sent_is_a_quit);
    RUN(test_a_death_by_a_signal_nobody_sent_is_a_crash);
    RUN(test_an_error_exit_after_a_request_to_end_is_a_quit);
    RUN(test_a_quit_leaves_the_version_on_trial_and_gives_its_start_back);
    RUN(test_trial_exit_codes_say_which_exits_fail);
    RUN(test_an_exit_the_rule_does_not_count_is_an_ordinary_answer);
    RUN(test_rollback_blocks_and_returns_to_previous);
    RUN(test_rollback_without_previous_takes_the_newest_good_version);
    RUN(test_rollback_with_nowhere_to_go_keeps_an_app);
    RUN(test_prune_keeps_current_previous_and_newest);
    RUN(test_tars_kept_follow_the_trial);
    return CHECK_DONE();
}

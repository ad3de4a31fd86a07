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
    CHECK_INT(bl_trial_judge_exit(0, 11, 50, 10000), BL_TRIAL_CRASHED);   /* SIGSEGV */
    CHECK_INT(bl_trial_judge_exit(3, 0, 50, 10000), BL_TRIAL_CRASHED);    /* early error exit */
    CHECK_INT(bl_trial_judge_exit(0, 0, 50, 10000), BL_TRIAL_HEALTHY);    /* quit normally */
    CHECK_INT(bl_trial_judge_exit(3, 0, 20000, 10000), BL_TRIAL_HEALTHY); /* ran long enough */
    CHECK_INT(bl_trial_judge_exit(0, 9, 20000, 10000), BL_TRIAL_HEALTHY); /* killed later: not the release's fault */
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

int main(void)
{
    RUN(test_begin_puts_the_new_version_on_trial);
    RUN(test_counts_unconfirmed_starts_up_to_the_limit);
    RUN(test_a_confirmed_version_is_not_counted);
    RUN(test_judges_how_the_app_ended);
    RUN(test_rollback_blocks_and_returns_to_previous);
    RUN(test_rollback_without_previous_takes_the_newest_good_version);
    RUN(test_rollback_with_nowhere_to_go_keeps_an_app);
    RUN(test_prune_keeps_current_previous_and_newest);
    return CHECK_DONE();
}

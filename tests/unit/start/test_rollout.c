/* SPDX-License-Identifier: Apache-2.0 */
#include <math.h>

#include "check.h"
#include "start/rollout.h"

#define IDS 10000

static char ids[IDS][BL_ROLLOUT_ID_HEX + 1];

static void make_ids(void)
{
    bl_error err;
    int i;
    for (i = 0; i < IDS; i++)
        bl_rollout_new_id(ids[i], sizeof ids[i], &err);
}

static void test_ids_are_random_hex(void)
{
    char a[40], b[40];
    bl_error err;
    CHECK_INT(bl_rollout_new_id(a, sizeof a, &err), BL_OK);
    CHECK_INT(bl_rollout_new_id(b, sizeof b, &err), BL_OK);
    CHECK_INT(strlen(a), BL_ROLLOUT_ID_HEX);
    CHECK_INT(strspn(a, "0123456789abcdef"), BL_ROLLOUT_ID_HEX);
    CHECK(strcmp(a, b) != 0);
    CHECK_INT(bl_rollout_new_id(a, 8, &err), BL_EINVAL);
}

static void test_bucket_is_stable_per_id_and_version(void)
{
    CHECK_INT(bl_rollout_bucket("abc", "1.2.0"), bl_rollout_bucket("abc", "1.2.0"));
    CHECK(bl_rollout_bucket("abc", "1.2.0") < 10000);
}

static void test_share_of_takers_matches_the_percentage(void)
{
    int i, takers = 0;
    double sd = sqrt(IDS * 0.1 * 0.9); /* binomial: 30 */
    for (i = 0; i < IDS; i++)
        takers += bl_rollout_takes(ids[i], "2.0.0", 10.0);
    fprintf(stderr, "  10%% rollout: %d of %d took it\n", takers, IDS);
    /* Five standard deviations: a false failure about once in 3.5 million runs. */
    CHECK(fabs(takers - IDS * 0.1) < 5 * sd);
}

static void test_raising_the_percentage_only_adds_takers(void)
{
    int i, lost = 0, at10 = 0, at50 = 0;
    for (i = 0; i < IDS; i++) {
        int t10 = bl_rollout_takes(ids[i], "2.0.0", 10.0);
        int t50 = bl_rollout_takes(ids[i], "2.0.0", 50.0);
        at10 += t10;
        at50 += t50;
        lost += t10 && !t50;
    }
    CHECK_INT(lost, 0);
    CHECK(at50 > at10);
    CHECK(fabs(at50 - IDS * 0.5) < 5 * sqrt(IDS * 0.25));
}

static void test_zero_stops_and_hundred_takes_everyone(void)
{
    int i, at0 = 0, at100 = 0;
    for (i = 0; i < IDS; i++) {
        at0 += bl_rollout_takes(ids[i], "2.0.0", 0.0);
        at100 += bl_rollout_takes(ids[i], "2.0.0", 100.0);
    }
    CHECK_INT(at0, 0);
    CHECK_INT(at100, IDS);
    CHECK_INT(bl_rollout_takes(ids[0], "2.0.0", NAN), 0);
}

/* A percentage given with two decimals means exactly that many hundredths,
 * though 0.29 * 100 is 28.999... in binary floating point. */
static void test_two_decimal_percentages_are_exact(void)
{
    int i, wrong = 0;
    for (i = 0; i < IDS; i++) {
        unsigned bucket = bl_rollout_bucket(ids[i], "2.0.0");
        double at = bucket / 100.0, after = (bucket + 1) / 100.0;
        wrong += bl_rollout_takes(ids[i], "2.0.0", at) != 0;
        wrong += bl_rollout_takes(ids[i], "2.0.0", after) != 1;
    }
    CHECK_INT(wrong, 0);
}

static void test_each_release_draws_a_different_group(void)
{
    int i, both = 0;
    for (i = 0; i < IDS; i++)
        both += bl_rollout_takes(ids[i], "2.0.0", 10.0) && bl_rollout_takes(ids[i], "2.1.0", 10.0);
    /* independent draws: about 1% take both, not the same 10% every time */
    CHECK(both < IDS * 0.1 / 2);
}

int main(void)
{
    make_ids();
    RUN(test_ids_are_random_hex);
    RUN(test_bucket_is_stable_per_id_and_version);
    RUN(test_share_of_takers_matches_the_percentage);
    RUN(test_raising_the_percentage_only_adds_takers);
    RUN(test_zero_stops_and_hundred_takes_everyone);
    RUN(test_two_decimal_percentages_are_exact);
    RUN(test_each_release_draws_a_different_group);
    return CHECK_DONE();
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "check.h"
#include "start/version.h"

static int cmp(const char *a, const char *b)
{
    return bl_version_compare_text(a, b);
}

static void test_orders_release_numbers_numerically(void)
{
    CHECK(cmp("1.2.0", "1.2.1") < 0);
    CHECK(cmp("1.2.1", "1.10.0") < 0);
    CHECK(cmp("1.10.0", "1.9.9") > 0);
    CHECK(cmp("2", "1.99.99") > 0);
}

static void test_treats_trailing_zeros_as_equal(void)
{
    CHECK_INT(cmp("1.0", "1.0.0"), 0);
    CHECK_INT(cmp("1", "1.0.0.0"), 0);
}

static void test_orders_dev_pre_final_post(void)
{
    const char *order[] = {"1.0.dev0", "1.0a0", "1.0a1", "1.0b0", "1.0rc0", "1.0rc1.post1",
                           "1.0", "1.0.post1.dev0", "1.0.post1", "1.0.1.dev3", "1.0.1"};
    size_t i, j, n = sizeof order / sizeof order[0];
    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++) {
            int c = cmp(order[i], order[j]);
            if ((i < j && c >= 0) || (i > j && c <= 0) || (i == j && c != 0))
                fprintf(stderr, "  order broken: %s vs %s gave %d\n", order[i], order[j], c);
            CHECK(i < j ? c < 0 : i > j ? c > 0 : c == 0);
        }
    }
}

static void test_normalises_spellings(void)
{
    CHECK_INT(cmp("v1.0", "1.0"), 0);
    CHECK_INT(cmp("1.0-RC.1", "1.0rc1"), 0);
    CHECK_INT(cmp("1.0alpha2", "1.0a2"), 0);
    CHECK_INT(cmp("1.0c1", "1.0rc1"), 0);
    CHECK_INT(cmp("1.0-1", "1.0.post1"), 0);
    CHECK_INT(cmp("1.0.post", "1.0.post0"), 0);
    CHECK_INT(cmp("1.0-dev", "1.0.dev0"), 0);
    CHECK_INT(cmp("1.0+Ubuntu-1", "1.0+ubuntu.1"), 0);
}

static void test_epoch_wins_over_release(void)
{
    CHECK(cmp("1!0.1", "9.9") > 0);
}

static void test_local_labels_sort_after_the_public_version(void)
{
    CHECK(cmp("1.0+1", "1.0") > 0);
    CHECK(cmp("1.0+abc", "1.0+1") < 0);
    CHECK(cmp("1.0+1.2", "1.0+1") > 0);
}

static void test_formats_the_normal_form(void)
{
    bl_version v;
    char text[64];
    CHECK_INT(bl_version_parse("V1.02-Beta_3.POST-4.Dev5", &v, NULL), BL_OK);
    CHECK_INT(bl_version_format(&v, text, sizeof text), BL_OK);
    CHECK_STR(text, "1.2b3.post4.dev5");
}

static void test_rejects_what_is_not_a_version(void)
{
    const char *bad[] = {"", "abc", "1.", "1..2", "1.0x", "1.0+", "1.0+a..b", "../1.0", "1.0/..",
                         "99999999999999999999", "1.2.3.4.5.6.7.8.9"};
    size_t i;
    bl_version v;
    bl_error err;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = bl_version_parse(bad[i], &v, &err);
        if (rc == BL_OK)
            fprintf(stderr, "  accepted '%s'\n", bad[i]);
        CHECK_INT(rc, BL_EINVAL);
    }
    CHECK_CONTAINS(err.msg, "not a PEP 440 version");
}

static void test_invalid_strings_sort_below_valid_ones(void)
{
    CHECK(cmp("garbage", "0.0.1") < 0);
    CHECK(cmp("0.0.1", "garbage") > 0);
}

static void test_knows_prereleases(void)
{
    bl_version v;
    bl_version_parse("2.0rc1", &v, NULL);
    CHECK(bl_version_is_prerelease(&v));
    bl_version_parse("2.0.dev1", &v, NULL);
    CHECK(bl_version_is_prerelease(&v));
    bl_version_parse("2.0.post1", &v, NULL);
    CHECK(!bl_version_is_prerelease(&v));
}

static void test_safe_names_cannot_escape_the_versions_folder(void)
{
    CHECK(bl_version_is_safe_name("1.2.0"));
    CHECK(bl_version_is_safe_name("1.2.0rc1+local.7"));
    CHECK(!bl_version_is_safe_name(".."));
    CHECK(!bl_version_is_safe_name("../1.0"));
    CHECK(!bl_version_is_safe_name("1.0/x"));
    CHECK(!bl_version_is_safe_name("1.0\\x"));
    CHECK(!bl_version_is_safe_name(""));
    CHECK(!bl_version_is_safe_name(" 1.0"));
    CHECK(!bl_version_is_safe_name("1.0.partial"));
}

static void test_a_prefix_takes_the_releases_that_begin_so(void)
{
    static const struct {
        const char *version, *prefix;
        int matches;
    } cases[] = {
        {"2.3", "2.3", 1},       {"2.3.0", "2.3", 1},     {"2.3.7", "2.3", 1},   {"2.3.1rc1", "2.3", 1},
        {"2.3.7.post1", "2.3", 1}, {"2", "2.0", 1},        {"2.30", "2.3", 0},    {"2.4", "2.3", 0},
        {"12.3", "2.3", 0},      {"2.3", "2.3.1", 0},     {"2.3.1", "2", 1},     {"3.0", "2", 0},
        {"1!2.3", "2.3", 0},     {"7.1", "", 1},          {"2.3", "2.", 0},      {"2.3", "x", 0},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_version v;
        CHECK_INT(bl_version_parse(cases[i].version, &v, NULL), BL_OK);
        if (bl_version_has_prefix(&v, cases[i].prefix) != cases[i].matches)
            fprintf(stderr, "%s with prefix \"%s\"\n", cases[i].version, cases[i].prefix);
        CHECK_INT(bl_version_has_prefix(&v, cases[i].prefix), cases[i].matches);
    }
}

int main(void)
{
    RUN(test_orders_release_numbers_numerically);
    RUN(test_treats_trailing_zeros_as_equal);
    RUN(test_orders_dev_pre_final_post);
    RUN(test_normalises_spellings);
    RUN(test_epoch_wins_over_release);
    RUN(test_local_labels_sort_after_the_public_version);
    RUN(test_formats_the_normal_form);
    RUN(test_rejects_what_is_not_a_version);
    RUN(test_invalid_strings_sort_below_valid_ones);
    RUN(test_knows_prereleases);
    RUN(test_safe_names_cannot_escape_the_versions_folder);
    RUN(test_a_prefix_takes_the_releases_that_begin_so);
    return CHECK_DONE();
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "check.h"
#include "update/plan.h"

static bl_release rel(const char *version, uint64_t archive, uint64_t patch)
{
    bl_release r;
    memset(&r, 0, sizeof r);
    strcpy(r.version, version);
    r.has_archive = archive > 0;
    r.archive_length = archive;
    r.has_patch = patch > 0;
    r.patch_length = patch;
    r.rollout = 100.0;
    return r;
}

static void test_sorts_by_pep440_and_drops_bad_versions(void)
{
    bl_release r[4] = {rel("1.10.0", 1, 0), rel("1.9.0", 1, 0), rel("../x", 1, 0), rel("1.9.0rc1", 1, 0)};
    int n = 4;
    bl_plan_sort(r, &n);
    CHECK_INT(n, 3);
    CHECK_STR(r[0].version, "1.9.0rc1");
    CHECK_STR(r[1].version, "1.9.0");
    CHECK_STR(r[2].version, "1.10.0");
}

static void test_target_is_the_newest_offered_version(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0), rel("1.1.0", 100, 5), rel("1.2.0", 100, 5), rel("1.3.0rc1", 100, 5)};
    bl_state s;
    char why[256];
    bl_state_init(&s);
    CHECK_INT(bl_plan_target(r, 4, "1.0.0", 0, &s, why, sizeof why), 2);
    CHECK_STR(why, "1.2.0 is newer than 1.0.0");
    CHECK_INT(bl_plan_target(r, 4, "1.0.0", 1, &s, why, sizeof why), 3);
}

static void test_target_skips_blocked_versions(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0), rel("1.1.0", 100, 5), rel("1.2.0", 100, 5)};
    bl_state s;
    char why[256];
    bl_state_init(&s);
    bl_state_block(&s, "1.2.0");
    CHECK_INT(bl_plan_target(r, 3, "1.0.0", 0, &s, why, sizeof why), 1);
    CHECK_INT(bl_plan_target(r, 3, "1.1.0", 0, &s, why, sizeof why), -1);
    CHECK_CONTAINS(why, "already up to date at 1.1.0 (newer versions are blocked");
}

static void test_target_stops_at_a_required_release(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0), rel("1.1.0", 100, 5), rel("1.2.0", 100, 5)};
    bl_state s;
    char why[256];
    bl_state_init(&s);
    r[1].required = 1;
    CHECK_INT(bl_plan_target(r, 3, "1.0.0", 0, &s, why, sizeof why), 1);
    CHECK_CONTAINS(why, "required release");
    CHECK_INT(bl_plan_target(r, 3, "1.1.0", 0, &s, why, sizeof why), 2); /* past it now */
}

static void test_a_blocked_required_release_does_not_stop_newer_ones(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0), rel("1.1.0", 100, 5), rel("1.2.0", 100, 5), rel("1.3.0", 100, 5)};
    bl_state s;
    char why[256];
    bl_state_init(&s);
    r[1].required = 1;
    r[2].required = 1;
    bl_state_block(&s, "1.1.0"); /* it failed its trial here */
    CHECK_INT(bl_plan_target(r, 4, "1.0.0", 0, &s, why, sizeof why), 2); /* the next required one */
    CHECK_CONTAINS(why, "1.2.0 is newer than 1.0.0");
    r[2].required = 0;
    CHECK_INT(bl_plan_target(r, 4, "1.0.0", 0, &s, why, sizeof why), 3);
}

/* tufup filters by channel first: a required 1.1.0rc1 is not a stable
 * channel's to install, so it does not stop the way to 1.1.0. */
static void test_required_prerelease_does_not_stop_a_stable_channel(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0), rel("1.1.0rc1", 100, 5), rel("1.1.0", 100, 5)};
    bl_state s;
    char why[256];
    bl_state_init(&s);
    r[1].required = 1;
    CHECK_INT(bl_plan_target(r, 3, "1.0.0", 0, &s, why, sizeof why), 2);
    CHECK_STR(why, "1.1.0 is newer than 1.0.0");
    CHECK_INT(bl_plan_target(r, 3, "1.0.0", 1, &s, why, sizeof why), 1); /* beta: stops there */
    CHECK_CONTAINS(why, "required release");
}

static void test_target_respects_the_rollout(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0), rel("1.1.0", 100, 5), rel("1.2.0", 100, 5)};
    bl_state s;
    char why[256];
    bl_state_init(&s);
    strcpy(s.install_id, "00000000000000000000000000000001");
    r[2].rollout = 0.0; /* halted */
    CHECK_INT(bl_plan_target(r, 3, "1.0.0", 0, &s, why, sizeof why), 1);
    CHECK_INT(bl_plan_target(r, 3, "1.1.0", 0, &s, why, sizeof why), -1);
    CHECK_CONTAINS(why, "rolling out to other installations first");
    r[2].rollout = 100.0;
    CHECK_INT(bl_plan_target(r, 3, "1.1.0", 0, &s, why, sizeof why), 2);
}

static void test_already_latest(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0)};
    bl_state s;
    char why[256];
    bl_state_init(&s);
    CHECK_INT(bl_plan_target(r, 1, "1.0.0", 0, &s, why, sizeof why), -1);
    CHECK_STR(why, "already up to date at 1.0.0");
}

static void test_path_prefers_a_cheaper_patch_chain(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0), rel("1.1.0", 100, 5), rel("1.2.0", 100, 7), rel("1.3.0", 100, 9)};
    bl_plan p;
    bl_plan_path(r, 4, "1.0.0", 3, 1, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_PATCHES);
    CHECK_INT(p.first_patch, 1);
    CHECK_INT(p.last_patch, 3);
    CHECK_INT(p.download_bytes, 21);
    CHECK_STR(p.why, "3 patch(es) (bsdiff40), 21 bytes instead of 100 for the full archive");
}

static void test_path_falls_back_to_the_archive(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0), rel("1.1.0", 100, 0), rel("1.2.0", 100, 7), rel("1.3.0", 30, 40)};
    bl_plan p;
    bl_plan_path(r, 4, "1.1.0", 2, 0, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_ARCHIVE);
    CHECK_CONTAINS(p.why, "incremental updates are off");
    bl_plan_path(r, 4, "1.1.0", 2, 1, 0, 80, &p);
    CHECK_CONTAINS(p.why, "no cached copy of 1.1.0");
    bl_plan_path(r, 4, "1.0.0", 2, 1, 1, 80, &p);
    CHECK_CONTAINS(p.why, "no patch to 1.1.0");
    bl_plan_path(r, 4, "0.9.0", 2, 1, 1, 80, &p);
    CHECK_CONTAINS(p.why, "0.9.0 is not a release of this repository");
    bl_plan_path(r, 4, "1.2.0", 3, 1, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_ARCHIVE);
    CHECK_INT(p.download_bytes, 30);
    CHECK_CONTAINS(p.why, "1 patch(es) (40 bytes) would be more than 80% of it");
}

/* tufup's MAX_SIZE_RATIO: patches that total more than 0.8 of the archive
 * go by archive, though smaller than it (before: anything smaller). */
static void test_path_takes_the_archive_above_the_percent(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0), rel("1.1.0", 100, 41), rel("1.2.0", 100, 40)};
    bl_plan p;
    bl_plan_path(r, 3, "1.0.0", 2, 1, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_ARCHIVE);
    CHECK_INT(p.download_bytes, 100);
    CHECK_CONTAINS(p.why, "2 patch(es) (81 bytes) would be more than 80% of it");
    r[1].patch_length = 40; /* exactly 80%: patches, as tufup (ratio > 0.8 only) */
    bl_plan_path(r, 3, "1.0.0", 2, 1, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_PATCHES);
    CHECK_INT(p.download_bytes, 80);
    r[1].patch_length = 55; /* configured higher */
    bl_plan_path(r, 3, "1.0.0", 2, 1, 1, 95, &p);
    CHECK_INT(p.method, BL_PLAN_PATCHES);
    bl_plan_path(r, 3, "1.0.0", 2, 1, 1, 94, &p);
    CHECK_INT(p.method, BL_PLAN_ARCHIVE);
    r[2].archive_length = UINT64_MAX; /* no overflow on huge sizes */
    r[1].patch_length = UINT64_MAX / 100 * 80;
    r[2].patch_length = 1;
    bl_plan_path(r, 3, "1.0.0", 2, 1, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_PATCHES);
    r[2].patch_length = UINT64_MAX / 100;
    bl_plan_path(r, 3, "1.0.0", 2, 1, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_ARCHIVE);
}

/* A step with both takes the zstd patch; one with only a .patch its
 * BSDIFF40 one: a chain may mix them (issue 25). */
static void test_path_takes_the_zstd_patch_of_a_step_when_listed(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0), rel("1.1.0", 100, 10), rel("1.2.0", 100, 10), rel("1.3.0", 100, 0)};
    uint64_t length;
    bl_plan p;
    r[1].has_zpatch = 1;
    r[1].zpatch_length = 6;
    CHECK_INT(bl_plan_step_format(&r[1], &length), BL_PLAN_ZSTD);
    CHECK_INT(length, 6);
    CHECK_INT(bl_plan_step_format(&r[2], &length), BL_PLAN_BSDIFF40);
    CHECK_INT(length, 10);
    CHECK_INT(bl_plan_step_format(&r[3], &length), BL_PLAN_NO_PATCH);
    CHECK_INT(length, 0);
    bl_plan_path(r, 4, "1.0.0", 1, 1, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_PATCHES);
    CHECK_INT(p.download_bytes, 6);
    CHECK_STR(p.why, "1 patch(es) (zstd), 6 bytes instead of 100 for the full archive");
    bl_plan_path(r, 4, "1.0.0", 2, 1, 1, 80, &p);
    CHECK_INT(p.download_bytes, 16);
    CHECK_STR(p.why, "2 patch(es) (1 zstd, 1 bsdiff40), 16 bytes instead of 100 for the full archive");
    /* a .zpatch alone is a patch too: a repository made with --patch-format zstd */
    r[3].has_zpatch = 1;
    r[3].zpatch_length = 5;
    bl_plan_path(r, 4, "1.2.0", 3, 1, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_PATCHES);
    CHECK_INT(p.first_patch, 3);
    CHECK_INT(p.download_bytes, 5);
}

/* Of a step listing both, the zstd patch is taken while it is no bigger
 * than the BSDIFF40 one by more than tar_size / 512 (its faster apply is
 * worth that much download); beyond, the BSDIFF40 one; the smaller one
 * when the tar's size is unknown. On text the zstd format is the bigger
 * one (issue 25's typescript pair: 264189 against 217032 bytes). */
static void test_step_weighs_the_zstd_patch_s_size_against_its_apply(void)
{
    bl_release r = rel("1.1.0", 1000000, 217032);
    uint64_t length;
    r.has_zpatch = 1;
    r.zpatch_length = 264189;
    r.tar_size = 23000000; /* worth 44921 bytes: 47157 more is too much */
    CHECK_INT(bl_plan_step_format(&r, &length), BL_PLAN_BSDIFF40);
    CHECK_INT(length, 217032);
    r.tar_size = 300000000; /* worth 585937 bytes */
    CHECK_INT(bl_plan_step_format(&r, &length), BL_PLAN_ZSTD);
    CHECK_INT(length, 264189);
    r.tar_size = 0; /* unknown: the smaller one */
    CHECK_INT(bl_plan_step_format(&r, &length), BL_PLAN_BSDIFF40);
    r.zpatch_length = 217032; /* a tie goes to the faster apply */
    CHECK_INT(bl_plan_step_format(&r, &length), BL_PLAN_ZSTD);
    r.tar_size = 512 * 100;
    r.zpatch_length = 217132; /* exactly the worth: still zstd */
    CHECK_INT(bl_plan_step_format(&r, &length), BL_PLAN_ZSTD);
    r.zpatch_length = 217133;
    CHECK_INT(bl_plan_step_format(&r, &length), BL_PLAN_BSDIFF40);
    r.tar_size = UINT64_MAX; /* no overflow */
    r.zpatch_length = UINT64_MAX;
    r.patch_length = 0;
    CHECK_INT(bl_plan_step_format(&r, &length), BL_PLAN_BSDIFF40);
}

/* The chain is priced with the lengths of the patches it takes: a zstd
 * patch above the percent sends the update to the archive even when the
 * BSDIFF40 one would be under it (the launcher does not mix to save
 * bytes: the zstd one was chosen as worth its size). */
static void test_path_prices_the_chosen_patches_against_the_archive(void)
{
    bl_release r[] = {rel("1.0.0", 100, 0), rel("1.1.0", 100, 70), rel("1.2.0", 100, 0)};
    bl_plan p;
    r[1].has_zpatch = 1;
    r[1].zpatch_length = 81;
    r[1].tar_size = 512 * 11; /* 11 bytes more are worth it */
    bl_plan_path(r, 3, "1.0.0", 1, 1, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_ARCHIVE);
    CHECK_INT(p.download_bytes, 100);
    CHECK_CONTAINS(p.why, "1 patch(es) (81 bytes) would be more than 80% of it");
    r[1].zpatch_length = 80;
    bl_plan_path(r, 3, "1.0.0", 1, 1, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_PATCHES);
    CHECK_INT(p.download_bytes, 80);
    r[2].has_zpatch = 1; /* no overflow summing zstd lengths either */
    r[2].zpatch_length = UINT64_MAX;
    r[2].archive_length = 100;
    bl_plan_path(r, 3, "1.0.0", 2, 1, 1, 80, &p);
    CHECK_INT(p.method, BL_PLAN_ARCHIVE);
}

static void test_parses_tufup_target_names(void)
{
    char v[64];
    CHECK_INT(bl_plan_parse_target_name("bomiot-1.2.0.tar.gz", "bomiot", v, sizeof v), BL_TARGET_ARCHIVE);
    CHECK_STR(v, "1.2.0");
    CHECK_INT(bl_plan_parse_target_name("bomiot-1.3.0rc1.patch", "bomiot", v, sizeof v), BL_TARGET_PATCH);
    CHECK_STR(v, "1.3.0rc1");
    CHECK_INT(bl_plan_parse_target_name("my-app-2.0.tar.gz", "my-app", v, sizeof v), BL_TARGET_ARCHIVE);
    CHECK_STR(v, "2.0");
    CHECK_INT(bl_plan_parse_target_name("my-app-2.0rc1.patch", "my-app", v, sizeof v), BL_TARGET_PATCH);
    CHECK_STR(v, "2.0rc1");
    /* app "my" does not take app "my-app"'s targets: "app-2.0" is no version */
    CHECK_INT(bl_plan_parse_target_name("my-app-2.0.tar.gz", "my", v, sizeof v), BL_TARGET_OTHER);
}

/* The zstd format's target, beside tufup's names: same version rules. */
static void test_parses_zpatch_target_names(void)
{
    char v[64];
    CHECK_INT(bl_plan_parse_target_name("bomiot-1.2.0.zpatch", "bomiot", v, sizeof v), BL_TARGET_ZPATCH);
    CHECK_STR(v, "1.2.0");
    CHECK_INT(bl_plan_parse_target_name("my-app-2.0rc1.zpatch", "my-app", v, sizeof v), BL_TARGET_ZPATCH);
    CHECK_STR(v, "2.0rc1");
    CHECK_INT(bl_plan_parse_target_name("bomiot-.zpatch", "bomiot", v, sizeof v), BL_TARGET_OTHER);
    CHECK_INT(bl_plan_parse_target_name("bomiot-../x.zpatch", "bomiot", v, sizeof v), BL_TARGET_OTHER);
    CHECK_INT(bl_plan_parse_target_name("other-1.2.0.zpatch", "bomiot", v, sizeof v), BL_TARGET_OTHER);
    CHECK_INT(bl_plan_app_of_target("bomiot-1.2.0.zpatch", v, sizeof v), 0);
}

static void test_ignores_other_targets_and_unsafe_versions(void)
{
    char v[64];
    CHECK_INT(bl_plan_parse_target_name("other-1.0.tar.gz", "bomiot", v, sizeof v), BL_TARGET_OTHER);
    CHECK_INT(bl_plan_parse_target_name("bomiotx-1.0.tar.gz", "bomiot", v, sizeof v), BL_TARGET_OTHER);
    CHECK_INT(bl_plan_parse_target_name("bomiot-1.0.zip", "bomiot", v, sizeof v), BL_TARGET_OTHER);
    CHECK_INT(bl_plan_parse_target_name("bomiot-.tar.gz", "bomiot", v, sizeof v), BL_TARGET_OTHER);
    CHECK_INT(bl_plan_parse_target_name("bomiot-../../x.tar.gz", "bomiot", v, sizeof v), BL_TARGET_OTHER);
    CHECK_INT(bl_plan_parse_target_name("bomiot-1.0/x.patch", "bomiot", v, sizeof v), BL_TARGET_OTHER);
    CHECK_INT(bl_plan_parse_target_name("bomiot-latest.tar.gz", "bomiot", v, sizeof v), BL_TARGET_OTHER);
}

/* Which app an archive belongs to, for "it lists no releases of X; it
 * lists: Y" (issue 20: that said "already up to date"). */
static void test_names_the_app_of_any_archive(void)
{
    char app[64];
    CHECK_INT(bl_plan_app_of_target("bomiot-1.2.0.tar.gz", app, sizeof app), 1);
    CHECK_STR(app, "bomiot");
    CHECK_INT(bl_plan_app_of_target("my-app-2.0rc1.tar.gz", app, sizeof app), 1);
    CHECK_STR(app, "my-app");
    CHECK_INT(bl_plan_app_of_target("bomiot-1.2.0.patch", app, sizeof app), 0);
    CHECK_INT(bl_plan_app_of_target("1.2.0.tar.gz", app, sizeof app), 0);
    CHECK_INT(bl_plan_app_of_target("-1.2.0.tar.gz", app, sizeof app), 0);
    CHECK_INT(bl_plan_app_of_target("bomiot-latest.tar.gz", app, sizeof app), 0);
    CHECK_INT(bl_plan_app_of_target("bad\x1b[2Jname-1.0.tar.gz", app, sizeof app), 0);
    CHECK_INT(bl_plan_app_of_target("bomiot-1.2.0.tar.gz", app, 6), 0);
}

static void test_a_pin_offers_only_the_releases_inside_it(void)
{
    bl_release r[] = {rel("2.2.0", 100, 0), rel("2.3.0", 100, 5), rel("2.3.4", 100, 5), rel("2.30.0", 100, 5),
                      rel("2.4.0", 100, 5), rel("3.0.0", 100, 5)};
    bl_state s;
    char why[256];
    bl_state_init(&s);
    CHECK_INT(bl_plan_target_pinned(r, 6, "2.2.0", 0, &s, "2.3", why, sizeof why), 2);
    CHECK_STR(why, "2.3.4 is newer than 2.2.0");
    CHECK_INT(bl_plan_target_pinned(r, 6, "2.3.4", 0, &s, "2.3", why, sizeof why), -1);
    CHECK_STR(why, "already up to date at 2.3.4 within the machine policy's target_version_prefix 2.3");
    CHECK_INT(bl_plan_target_pinned(r, 6, "2.2.0", 0, &s, "2", why, sizeof why), 4);
    CHECK_INT(bl_plan_target_pinned(r, 6, "2.2.0", 0, &s, "", why, sizeof why), 5); /* no pin */
    /* a required release outside the pin stops nothing */
    r[4].required = 1;
    CHECK_INT(bl_plan_target_pinned(r, 6, "2.3.0", 0, &s, "2.3", why, sizeof why), 2);
}

static void test_a_pin_goes_back_when_a_newer_release_is_installed(void)
{
    bl_release r[] = {rel("2.3.0", 100, 0), rel("2.3.4", 100, 5), rel("2.3.5rc1", 100, 5), rel("2.4.0", 100, 5)};
    bl_state s;
    bl_plan plan;
    char why[256];
    bl_state_init(&s);
    CHECK_INT(bl_plan_target_pinned(r, 4, "2.4.0", 0, &s, "2.3", why, sizeof why), 1);
    CHECK_STR(why, "2.3.4 is the newest release the machine policy allows (target_version_prefix 2.3); 2.4.0 is "
                   "outside it");
    CHECK_INT(bl_plan_target_pinned(r, 4, "2.4.0", 1, &s, "2.3", why, sizeof why), 2); /* beta */
    /* going back takes the archive: patches go forward only */
    bl_plan_path(r, 4, "2.4.0", 1, 1, 1, 80, &plan);
    CHECK_INT(plan.method, BL_PLAN_ARCHIVE);
    CHECK_STR(plan.why, "full archive (going back from 2.4.0: patches only go forward)");
    /* blocked after failing its trial: not taken again, and said so */
    bl_state_block(&s, "2.3.4");
    CHECK_INT(bl_plan_target_pinned(r, 4, "2.4.0", 0, &s, "2.3", why, sizeof why), 0);
    bl_state_block(&s, "2.3.0");
    CHECK_INT(bl_plan_target_pinned(r, 4, "2.4.0", 0, &s, "2.3", why, sizeof why), -1);
    CHECK_STR(why, "no release the machine policy allows (target_version_prefix 2.3) can be installed (those "
                   "there are blocked after failing their trial); staying at 2.4.0");
    CHECK_INT(bl_plan_target_pinned(r, 4, "2.4.0", 0, &s, "7", why, sizeof why), -1);
    CHECK_STR(why, "no release the machine policy allows (target_version_prefix 7) can be installed; staying at "
                   "2.4.0");
}

int main(void)
{
    RUN(test_parses_tufup_target_names);
    RUN(test_parses_zpatch_target_names);
    RUN(test_names_the_app_of_any_archive);
    RUN(test_a_pin_offers_only_the_releases_inside_it);
    RUN(test_a_pin_goes_back_when_a_newer_release_is_installed);
    RUN(test_ignores_other_targets_and_unsafe_versions);
    RUN(test_sorts_by_pep440_and_drops_bad_versions);
    RUN(test_target_is_the_newest_offered_version);
    RUN(test_target_skips_blocked_versions);
    RUN(test_target_stops_at_a_required_release);
    RUN(test_a_blocked_required_release_does_not_stop_newer_ones);
    RUN(test_required_prerelease_does_not_stop_a_stable_channel);
    RUN(test_target_respects_the_rollout);
    RUN(test_already_latest);
    RUN(test_path_prefers_a_cheaper_patch_chain);
    RUN(test_path_falls_back_to_the_archive);
    RUN(test_path_takes_the_archive_above_the_percent);
    RUN(test_path_takes_the_zstd_patch_of_a_step_when_listed);
    RUN(test_step_weighs_the_zstd_patch_s_size_against_its_apply);
    RUN(test_path_prices_the_chosen_patches_against_the_archive);
    return CHECK_DONE();
}

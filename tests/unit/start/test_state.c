/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "check.h"
#include "start/state.h"
#include "testutil.h"

static int parse(const char *text, bl_state *out, bl_error *err)
{
    return bl_state_parse(text, strlen(text), out, err);
}

static void test_round_trips_every_field(void)
{
    bl_state in, out;
    bl_error err;
    char *text = NULL;
    bl_state_init(&in);
    strcpy(in.current, "1.2.0");
    strcpy(in.previous, "1.1.0");
    in.trial = 1;
    in.attempts = 2;
    bl_state_block(&in, "1.1.5");
    bl_state_block(&in, "1.2.0rc1");
    strcpy(in.install_id, "0123456789abcdef0123456789abcdef");
    strcpy(in.pending, "1.3.0");
    CHECK_INT(bl_state_serialize(&in, &text, &err), BL_OK);
    CHECK_INT(parse(text, &out, &err), BL_OK);
    CHECK_STR(out.current, "1.2.0");
    CHECK_STR(out.previous, "1.1.0");
    CHECK_INT(out.trial, 1);
    CHECK_INT(out.attempts, 2);
    CHECK_INT(out.blocked_count, 2);
    CHECK_STR(out.blocked[1], "1.2.0rc1");
    CHECK_STR(out.install_id, "0123456789abcdef0123456789abcdef");
    CHECK_STR(out.pending, "1.3.0");
    free(text);
}

static void test_accepts_a_minimal_file(void)
{
    bl_state s;
    bl_error err;
    CHECK_INT(parse("{\"current\": \"1.0.0\"}", &s, &err), BL_OK);
    CHECK_STR(s.current, "1.0.0");
    CHECK_STR(s.previous, "");
    CHECK_INT(s.trial, 0);
    CHECK_INT(s.blocked_count, 0);
}

static void test_ignores_keys_a_newer_launcher_may_write(void)
{
    bl_state s;
    bl_error err;
    CHECK_INT(parse("{\"current\": \"1.0.0\", \"channel_seen\": \"beta\"}", &s, &err), BL_OK);
}

static void test_rejects_corrupt_content_with_a_reason(void)
{
    static const struct {
        const char *text, *fragment;
    } cases[] = {
        {"", "not a JSON object"},
        {"{\"current\": \"1.0.0\"", "not a JSON object"},
        {"{}", "'current' is missing"},
        {"{\"current\": 42}", "'current' must be a version string"},
        {"{\"current\": \"../../etc\"}", "'current' must be a version string"},
        {"{\"current\": \"1.0\", \"previous\": \"x/y\"}", "'previous' must be a version string"},
        {"{\"current\": \"1.0\", \"trial\": \"yes\"}", "'trial' must be true or false"},
        {"{\"current\": \"1.0\", \"attempts\": -1}", "'attempts' must be an integer"},
        {"{\"current\": \"1.0\", \"attempts\": 1.5}", "'attempts' must be an integer"},
        {"{\"current\": \"1.0\", \"blocked\": \"1.1\"}", "'blocked' must be a list"},
        {"{\"current\": \"1.0\", \"blocked\": [\"1.1\", 7]}", "'blocked' must be a list of version strings"},
        {"{\"format\": 99, \"current\": \"1.0\"}", "format 99 is newer"},
        {"{\"current\": \"1.0\", \"install_id\": \"XYZ\"}", "'install_id' must be lower-case hex"},
        {"{\"current\": \"1.0\", \"install_id\": 5}", "'install_id' must be lower-case hex"},
        {"{\"current\": \"1.0\", \"pending\": \"../x\"}", "'pending' must be a version string"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_state s;
        bl_error err;
        CHECK_INT(parse(cases[i].text, &s, &err), BL_ECORRUPT);
        CHECK_CONTAINS(err.msg, cases[i].fragment);
    }
}

static void test_blocked_versions_compare_by_pep440(void)
{
    bl_state s;
    bl_state_init(&s);
    bl_state_block(&s, "1.1");
    bl_state_block(&s, "1.1.0"); /* the same version: kept once */
    CHECK_INT(s.blocked_count, 1);
    CHECK(bl_state_is_blocked(&s, "1.1.0"));
    CHECK(!bl_state_is_blocked(&s, "1.1.1"));
}

static void test_blocked_list_keeps_the_newest_when_full(void)
{
    bl_state s;
    char v[32];
    int i;
    bl_state_init(&s);
    for (i = 0; i < BL_STATE_MAX_BLOCKED + 5; i++) {
        snprintf(v, sizeof v, "1.%d", i);
        bl_state_block(&s, v);
    }
    CHECK_INT(s.blocked_count, BL_STATE_MAX_BLOCKED);
    CHECK(!bl_state_is_blocked(&s, "1.0"));
    CHECK(bl_state_is_blocked(&s, v));
}

static void test_save_is_atomic_and_leaves_no_temp_file(void)
{
    char dir[512], path[600];
    bl_state in, out;
    bl_error err;
    int entries = 0;
    uv_fs_t req;
    uv_dirent_t ent;

    CHECK_INT(test_make_dir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/state.json", dir);
    bl_state_init(&in);
    strcpy(in.current, "2.0.0");
    CHECK_INT(bl_state_save(path, &in, &err), BL_OK);
    strcpy(in.current, "2.0.1"); /* replace an existing file */
    CHECK_INT(bl_state_save(path, &in, &err), BL_OK);
    CHECK_INT(bl_state_load(path, &out, &err), BL_OK);
    CHECK_STR(out.current, "2.0.1");
    uv_fs_scandir(NULL, &req, dir, 0, NULL);
    while (uv_fs_scandir_next(&req, &ent) != UV_EOF)
        entries++;
    uv_fs_req_cleanup(&req);
    CHECK_INT(entries, 1);
    bl_fs_remove_tree(dir, &err);
}

static void test_load_tells_missing_from_corrupt(void)
{
    char dir[512], path[600];
    bl_state s;
    bl_error err;
    CHECK_INT(test_make_dir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/state.json", dir);
    CHECK_INT(bl_state_load(path, &s, &err), BL_ENOTFOUND);
    test_write_file(path, "{\"current\": tru");
    CHECK_INT(bl_state_load(path, &s, &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "state.json: not a JSON object");
    bl_fs_remove_tree(dir, &err);
}

static void test_unblock_takes_a_version_off_the_blocked_list(void)
{
    bl_state s;
    bl_state_init(&s);
    bl_state_block(&s, "1.1.0");
    bl_state_block(&s, "1.2.0");
    bl_state_block(&s, "1.3.0");
    CHECK_INT(bl_state_unblock(&s, "1.2.0"), 1);
    CHECK_INT(s.blocked_count, 2);
    CHECK_STR(s.blocked[0], "1.1.0");
    CHECK_STR(s.blocked[1], "1.3.0");
    CHECK(!bl_state_is_blocked(&s, "1.2.0"));
    CHECK_INT(bl_state_unblock(&s, "1.2.0"), 0); /* not blocked: nothing to do */
    CHECK_INT(bl_state_unblock(&s, "1.1"), 1);   /* the same version as 1.1.0 */
    CHECK_INT(s.blocked_count, 1);
    CHECK_STR(s.blocked[0], "1.3.0");
}

int main(void)
{
    RUN(test_round_trips_every_field);
    RUN(test_accepts_a_minimal_file);
    RUN(test_ignores_keys_a_newer_launcher_may_write);
    RUN(test_rejects_corrupt_content_with_a_reason);
    RUN(test_blocked_versions_compare_by_pep440);
    RUN(test_blocked_list_keeps_the_newest_when_full);
    RUN(test_unblock_takes_a_version_off_the_blocked_list);
    RUN(test_save_is_atomic_and_leaves_no_temp_file);
    RUN(test_load_tells_missing_from_corrupt);
    return CHECK_DONE();
}

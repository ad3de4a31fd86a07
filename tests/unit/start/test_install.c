/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "platform.h"
#include "start/install.h"
#include "testutil.h"

static void make_version(const bl_layout *layout, const char *name, int complete)
{
    char dir[BL_PATH_MAX], file[BL_PATH_MAX];
    bl_error err;
    bl_fs_join(dir, sizeof dir, layout->versions_dir, name);
    bl_fs_mkdir_p(dir, &err);
    bl_fs_join(file, sizeof file, dir, "bomiot");
    test_write_file(file, "app");
    if (complete)
        bl_install_mark_complete(dir, name, &err);
}

static void new_layout(bl_layout *layout)
{
    char root[512];
    bl_error err;
    test_make_dir(root, sizeof root);
    bl_layout_init(root, layout, &err);
}

static void count_reports(void *ctx, const char *msg)
{
    (void)msg;
    (*(int *)ctx)++;
}

static void test_only_marked_folders_count_as_complete(void)
{
    bl_layout l;
    bl_version_list list;
    bl_error err;
    new_layout(&l);
    make_version(&l, "1.0.0", 1);
    make_version(&l, "1.10.0", 1);
    make_version(&l, "1.9.0", 1);
    make_version(&l, "2.0.0", 0);
    CHECK(bl_install_is_complete(&l, "1.0.0"));
    CHECK(!bl_install_is_complete(&l, "2.0.0"));
    CHECK_INT(bl_install_list_complete(&l, &list, &err), BL_OK);
    CHECK_INT(list.count, 3);
    CHECK_STR(list.names[0], "1.0.0");
    CHECK_STR(list.names[1], "1.9.0");
    CHECK_STR(list.names[2], "1.10.0");
    bl_fs_remove_tree(l.root, &err);
}

static void test_removes_incomplete_and_partial_folders_only(void)
{
    bl_layout l;
    bl_error err;
    char path[BL_PATH_MAX];
    int reported = 0;
    new_layout(&l);
    make_version(&l, "1.0.0", 1);
    make_version(&l, "1.1.0", 0);
    make_version(&l, "1.2.0.partial", 0);
    make_version(&l, "notes", 0);
    CHECK_INT(bl_install_remove_incomplete(&l, count_reports, &reported, &err), BL_OK);
    CHECK_INT(reported, 3);
    bl_fs_join(path, sizeof path, l.versions_dir, "1.0.0/bomiot");
    CHECK(bl_fs_exists(path));
    bl_fs_join(path, sizeof path, l.versions_dir, "1.1.0");
    CHECK(!bl_fs_exists(path));
    bl_fs_join(path, sizeof path, l.versions_dir, "1.2.0.partial");
    CHECK(!bl_fs_exists(path));
    bl_fs_remove_tree(l.root, &err);
}

static void test_missing_versions_folder_means_nothing_installed(void)
{
    bl_layout l;
    bl_version_list list;
    bl_error err;
    new_layout(&l);
    CHECK_INT(bl_install_list_complete(&l, &list, &err), BL_OK);
    CHECK_INT(list.count, 0);
    CHECK_INT(bl_install_remove_incomplete(&l, NULL, NULL, &err), BL_OK);
    bl_fs_remove_tree(l.root, &err);
}

static void test_pick_prefers_the_state_current_version(void)
{
    const char *names[] = {"1.0.0", "1.1.0"};
    bl_version_list list = test_version_list(2, names);
    bl_state s;
    char picked[64], why[256];
    bl_state_init(&s);
    strcpy(s.current, "1.0.0");
    CHECK_INT(bl_install_pick(&s, 1, &list, picked, why, sizeof why), BL_OK);
    CHECK_STR(picked, "1.0.0");
    CHECK_STR(why, "");
}

static void test_pick_recovers_the_newest_complete_version(void)
{
    const char *names[] = {"1.0.0", "1.1.0", "1.2.0"};
    bl_version_list list = test_version_list(3, names);
    bl_state s;
    char picked[64], why[256];
    bl_state_init(&s);
    CHECK_INT(bl_install_pick(&s, 0, &list, picked, why, sizeof why), BL_OK);
    CHECK_STR(picked, "1.2.0");
    CHECK_CONTAINS(why, "state.json was missing or unreadable");
    strcpy(s.current, "1.3.0"); /* names a version that is not there */
    bl_state_block(&s, "1.2.0");
    CHECK_INT(bl_install_pick(&s, 1, &list, picked, why, sizeof why), BL_OK);
    CHECK_STR(picked, "1.1.0");
    CHECK_CONTAINS(why, "current version 1.3.0 is not installed completely");
}

static void test_pick_starts_something_even_if_all_are_blocked(void)
{
    const char *names[] = {"1.0.0"};
    bl_version_list list = test_version_list(1, names);
    bl_state s;
    char picked[64], why[256];
    bl_state_init(&s);
    bl_state_block(&s, "1.0.0");
    CHECK_INT(bl_install_pick(&s, 0, &list, picked, why, sizeof why), BL_OK);
    CHECK_STR(picked, "1.0.0");
    list.count = 0;
    CHECK_INT(bl_install_pick(&s, 0, &list, picked, why, sizeof why), BL_ENOTFOUND);
}

static void test_commit_makes_a_partial_folder_a_complete_version(void)
{
    bl_layout l;
    bl_error err;
    char partial[BL_PATH_MAX], file[BL_PATH_MAX];
    new_layout(&l);
    CHECK_INT(bl_layout_partial_dir(&l, "2.0.0", partial, sizeof partial, &err), BL_OK);
    CHECK_CONTAINS(partial, "/versions/2.0.0.partial");
    bl_fs_mkdir_p(partial, &err);
    bl_fs_join(file, sizeof file, partial, "bomiot");
    test_write_file(file, "app");
    CHECK(!bl_install_is_complete(&l, "2.0.0"));
    CHECK_INT(bl_install_commit(&l, "2.0.0", &err), BL_OK);
    CHECK(bl_install_is_complete(&l, "2.0.0"));
    CHECK(!bl_fs_exists(partial));
    CHECK_INT(bl_install_commit(&l, "2.0.0", &err), BL_EINVAL); /* never over an installed version */
    bl_fs_remove_tree(l.root, &err);
}

static void test_reports_free_space(void)
{
    uint64_t free_bytes = 0;
    bl_error err;
    CHECK_INT(bl_fs_free_bytes("/", &free_bytes, &err), BL_OK);
    CHECK(free_bytes > 0);
    CHECK_INT(bl_fs_free_bytes("/nonexistent/x", &free_bytes, &err), BL_EIO);
}

static void test_prune_tars_keeps_the_named_versions_and_what_is_not_a_tar_of_the_app(void)
{
    const char keep[2][BL_VERSION_MAX_TEXT] = {"1.0.0", "1.2.0"};
    const char *names[] = {"bomiot-1.0.0.tar", "bomiot-1.1.0.tar", "bomiot-1.2.0.tar", "bomiot-1.2.0.tar.tmp",
                           "bomiot-1.0.0.tar.tmp.Ab12Cd", "other-1.1.0.tar", "bomiot-1.0.tar", "bomiot-1.0.0.tarx"};
    const int kept[] = {1, 0, 1, 1, 1, 1, 0, 1};
    char path[BL_PATH_MAX];
    bl_layout l;
    bl_error err;
    int i, reports = 0;

    new_layout(&l);
    CHECK_INT(bl_fs_mkdir_p(l.tars_dir, &err), BL_OK);
    for (i = 0; i < 8; i++) {
        bl_fs_join(path, sizeof path, l.tars_dir, names[i]);
        test_write_file(path, "tar");
    }
    bl_install_prune_tars(&l, "bomiot", keep, 2, count_reports, &reports);
    CHECK_INT(reports, 2);
    for (i = 0; i < 8; i++) {
        bl_fs_join(path, sizeof path, l.tars_dir, names[i]);
        CHECK_INT(bl_fs_exists(path), kept[i]);
    }
    bl_fs_remove_tree(l.root, &err);
}

int main(void)
{
    RUN(test_commit_makes_a_partial_folder_a_complete_version);
    RUN(test_reports_free_space);
    RUN(test_prune_tars_keeps_the_named_versions_and_what_is_not_a_tar_of_the_app);
    RUN(test_only_marked_folders_count_as_complete);
    RUN(test_removes_incomplete_and_partial_folders_only);
    RUN(test_missing_versions_folder_means_nothing_installed);
    RUN(test_pick_prefers_the_state_current_version);
    RUN(test_pick_recovers_the_newest_complete_version);
    RUN(test_pick_starts_something_even_if_all_are_blocked);
    return CHECK_DONE();
}

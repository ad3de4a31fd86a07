/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <uv.h>
#ifdef __linux__
#include <sys/fsuid.h>
#endif
#ifndef _WIN32
#include <unistd.h>
#endif

#include "base/fsutil.h"
#include "check.h"
#include "testutil.h"

/* The OS's reason reaches the message as itself, with the project's code. */

static void test_a_missing_file_is_not_found_and_says_so(void)
{
    char dir[512], path[600];
    char *data = NULL;
    size_t len = 0;
    bl_error err;

    CHECK_INT(test_make_dir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/state.json", dir);
    CHECK_INT(bl_fs_read_all(path, 1024, &data, &len, &err), BL_ENOTFOUND);
    CHECK(data == NULL);
    CHECK_CONTAINS(err.msg, "cannot open ");
    CHECK_CONTAINS(err.msg, "state.json: no such file or directory");
    bl_fs_remove_tree(dir, &err);
}

/* Anything but a regular file where one is read is refused as such, at
 * once (issue 20: a fifo hung the launcher). A folder stands for every kind
 * here, being the one that all OSes have; tests/integration covers fifos. */
static void test_a_folder_where_a_file_is_read_is_refused_as_not_a_regular_file(void)
{
    char dir[512], path[600];
    char *data = NULL;
    size_t len = 0;
    uv_file fd = 0;
    bl_error err;

    CHECK_INT(test_make_dir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/state.json", dir);
    CHECK_INT(bl_fs_mkdir_p(path, &err), BL_OK);
    CHECK_INT(bl_fs_read_all(path, 1024, &data, &len, &err), BL_EINVAL);
    CHECK(data == NULL);
    CHECK_CONTAINS(err.msg, "state.json is a folder, not a regular file");
    CHECK_INT(bl_fs_open_regular(path, UV_FS_O_RDONLY, 0, &fd, &err), BL_EINVAL);
    CHECK_INT(fd, -1);
    bl_fs_remove_tree(dir, &err);
}

/* A regular file where a folder should be: ENOTDIR, whoever runs the test. */
static void test_listing_a_regular_file_says_it_is_not_a_folder(void)
{
    char dir[512], path[600];
    bl_error err;

    CHECK_INT(test_make_dir(dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/plain", dir);
    CHECK_INT(test_write_file(path, "x"), 0);
    CHECK_INT(bl_fs_list_dir(path, NULL, NULL, &err), BL_EIO);
    CHECK_CONTAINS(err.msg, "cannot list ");
    CHECK_CONTAINS(err.msg, "plain: not a directory");
    bl_fs_remove_tree(dir, &err);
}

#ifndef _WIN32
static int set_mode(const char *path, int mode)
{
    uv_fs_t req;
    int rc = uv_fs_chmod(NULL, &req, path, mode, NULL);
    uv_fs_req_cleanup(&req);
    return rc;
}

/* Root writes anywhere: as root, the test checks as 'nobody' (65534), with
 * setfsuid, which gives up root's file permissions for this thread's file
 * calls until it is set back. Returns the fsuid to go back to, or -1 if this
 * user is not root and checks as itself. */
static int check_as_nobody(void)
{
#ifdef __linux__
    if (geteuid() == 0) {
        setfsuid(65534);
        return 0;
    }
#endif
    return -1;
}

static void check_as_yourself(int fsuid)
{
#ifdef __linux__
    if (fsuid >= 0)
        setfsuid((uid_t)fsuid);
#else
    (void)fsuid;
#endif
}

/* A folder this user may not write to. (On Windows a folder's mode does not
 * stop writes: there is no such folder, and the test is not run there.) */
static void test_a_folder_without_write_permission_is_denied_and_says_so(void)
{
    char dir[512], locked[600], probe[700], path[700];
    uv_fs_t req;
    bl_error err;
    int rc, fsuid;

    CHECK_INT(test_make_dir(dir, sizeof dir), 0);
    snprintf(locked, sizeof locked, "%s/locked", dir);
    snprintf(probe, sizeof probe, "%s/probe", locked);
    snprintf(path, sizeof path, "%s/versions/1.0.0", locked);
    CHECK_INT(bl_fs_mkdir_p(locked, &err), BL_OK);
    CHECK_INT(set_mode(dir, 0755), 0); /* nobody may look into it, not write */
    CHECK_INT(set_mode(locked, 0555), 0);
    fsuid = check_as_nobody();
    rc = uv_fs_mkdir(NULL, &req, probe, 0755, NULL);
    uv_fs_req_cleanup(&req);
    if (rc != 0) {
        CHECK_INT(bl_fs_mkdir_p(path, &err), BL_EDENIED);
        CHECK_CONTAINS(err.msg, "cannot create folder ");
        CHECK_CONTAINS(err.msg, "locked/versions: permission denied");
        CHECK(!bl_fs_exists(path));
    }
    check_as_yourself(fsuid);
    set_mode(locked, 0700);
    CHECK_INT(bl_fs_remove_tree(dir, &err), BL_OK);
    if (rc == 0)
        SKIP_TEST("this user writes into a folder of mode 0555 (a file system without modes?)");
}
#endif

int main(void)
{
    RUN(test_a_missing_file_is_not_found_and_says_so);
    RUN(test_listing_a_regular_file_says_it_is_not_a_folder);
    RUN(test_a_folder_where_a_file_is_read_is_refused_as_not_a_regular_file);
#ifndef _WIN32
    RUN(test_a_folder_without_write_permission_is_denied_and_says_so);
#endif
    return CHECK_DONE();
}

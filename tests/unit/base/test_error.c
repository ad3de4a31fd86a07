/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>
#include <uv.h>

#include "base/error.h"
#include "check.h"

static void test_a_missing_file_is_not_found_in_the_os_words(void)
{
    bl_error err;
    CHECK_INT(bl_error_sys(&err, UV_ENOENT, "cannot open %s", "state.json"), BL_ENOTFOUND);
    CHECK_INT(err.code, BL_ENOTFOUND);
    CHECK_STR(err.msg, "cannot open state.json: no such file or directory");
}

static void test_permission_denied_is_denied_and_says_so(void)
{
    bl_error err;
    CHECK_INT(bl_error_sys(&err, UV_EACCES, "cannot write %s", "/opt/app/state.json"), BL_EDENIED);
    CHECK_STR(err.msg, "cannot write /opt/app/state.json: permission denied");
    CHECK_INT(bl_error_sys(&err, UV_EPERM, "cannot create folder %s", "x"), BL_EDENIED);
    CHECK_STR(err.msg, "cannot create folder x: operation not permitted");
}

static void test_a_read_only_file_system_is_denied_and_says_so(void)
{
    bl_error err;
    CHECK_INT(bl_error_sys(&err, UV_EROFS, "cannot write %s", "/media/cd/app.tar"), BL_EDENIED);
    CHECK_STR(err.msg, "cannot write /media/cd/app.tar: read-only file system");
}

static void test_a_full_disk_is_enospc(void)
{
    bl_error err;
    CHECK_INT(bl_error_sys(&err, UV_ENOSPC, "cannot write %s", "app.tar.tmp"), BL_ENOSPC);
    CHECK_STR(err.msg, "cannot write app.tar.tmp: no space left on device");
#ifdef EDQUOT /* POSIX: libuv 1.44 has no UV_EDQUOT, its translation gives -EDQUOT */
    CHECK_INT(bl_error_sys(&err, uv_translate_sys_error(EDQUOT), "cannot write %s", "app.tar.tmp"), BL_ENOSPC);
    CHECK_STR(err.msg, "cannot write app.tar.tmp: disk quota exceeded");
#endif
}

static void test_busy_and_out_of_memory_keep_their_codes(void)
{
    bl_error err;
    CHECK_INT(bl_error_sys(&err, UV_EBUSY, "cannot replace %s", "a"), BL_EBUSY);
    CHECK_STR(err.msg, "cannot replace a: resource busy or locked");
    CHECK_INT(bl_error_sys(&err, UV_ENOMEM, "cannot read %s", "a"), BL_ENOMEM);
}

static void test_other_errors_are_io_errors_in_the_os_words(void)
{
    bl_error err;
    CHECK_INT(bl_error_sys(&err, UV_ENOTDIR, "cannot open %s", "a/b"), BL_EIO);
    CHECK_STR(err.msg, "cannot open a/b: not a directory");
    /* A code libuv has no name for still says which it was. */
    CHECK_INT(bl_error_sys(&err, -99999, "cannot open %s", "a"), BL_EIO);
    CHECK_CONTAINS(err.msg, "cannot open a: ");
    CHECK_CONTAINS(err.msg, "-99999");
}

static void test_a_long_message_keeps_the_reason(void)
{
    char path[400];
    bl_error err;
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    CHECK_INT(bl_error_sys(&err, UV_EROFS, "cannot write %s", path), BL_EDENIED);
    CHECK_INT(strlen(err.msg), sizeof err.msg - 1);
    CHECK(strncmp(err.msg, "cannot write ppp", 16) == 0);
    CHECK_CONTAINS(err.msg, "ppp: read-only file system");
}

static void test_no_error_to_fill_still_gives_the_code(void)
{
    CHECK_INT(bl_error_sys(NULL, UV_EACCES, "cannot write %s", "a"), BL_EDENIED);
}

static void test_every_code_has_words(void)
{
    int code;
    for (code = BL_OK; code <= BL_EDENIED; code++)
        CHECK(strcmp(bl_strerror(code), "unknown error") != 0);
    CHECK_STR(bl_strerror(BL_EDENIED), "permission denied or read-only file system");
    /* New codes come at the end: callers and logs keep the old numbers. */
    CHECK_INT(BL_ENOSPC, 14);
    CHECK_INT(BL_ETOOBIG, 16);
    CHECK_INT(BL_EDENIED, 17);
}

int main(void)
{
    RUN(test_a_missing_file_is_not_found_in_the_os_words);
    RUN(test_permission_denied_is_denied_and_says_so);
    RUN(test_a_read_only_file_system_is_denied_and_says_so);
    RUN(test_a_full_disk_is_enospc);
    RUN(test_busy_and_out_of_memory_keep_their_codes);
    RUN(test_other_errors_are_io_errors_in_the_os_words);
    RUN(test_a_long_message_keeps_the_reason);
    RUN(test_no_error_to_fill_still_gives_the_code);
    RUN(test_every_code_has_words);
    return CHECK_DONE();
}

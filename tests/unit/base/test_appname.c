/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "base/appname.h"
#include "check.h"

static void test_letters_digits_underscore_and_dash_are_app_names(void)
{
    bl_error err;
    CHECK_INT(bl_app_name_check("bomiot", &err), BL_OK);
    CHECK_INT(bl_app_name_check("my-app", &err), BL_OK); /* tufup's [\w-]+ */
    CHECK_INT(bl_app_name_check("My_App2", &err), BL_OK);
    CHECK_INT(bl_app_name_check("7zip", &err), BL_OK);
}

static void test_a_dot_is_refused_and_the_message_says_what_is_allowed(void)
{
    bl_error err;
    CHECK_INT(bl_app_name_check("my.app", &err), BL_EINVAL);
    CHECK_STR(err.msg, "the app name 'my.app' holds '.', which is not allowed: an app name is " BL_APP_NAME_RULE);
    CHECK_INT(bl_app_name_check("a/b", &err), BL_EINVAL);
    CHECK_CONTAINS(err.msg, "holds '/'");
    CHECK_INT(bl_app_name_check("bo miot", &err), BL_EINVAL);
    CHECK_CONTAINS(err.msg, "holds ' '");
}

static void test_a_leading_dash_or_underscore_is_refused(void)
{
    bl_error err;
    CHECK_INT(bl_app_name_check("-app", &err), BL_EINVAL);
    CHECK_CONTAINS(err.msg, "starts with '-'");
    CHECK_INT(bl_app_name_check("_app", &err), BL_EINVAL);
    CHECK_CONTAINS(err.msg, "starts with '_'");
}

static void test_empty_long_and_non_ascii_names_are_refused(void)
{
    char longest[BL_APP_NAME_MAX];
    bl_error err;

    CHECK_INT(bl_app_name_check("", &err), BL_EINVAL);
    CHECK_CONTAINS(err.msg, "an app name is needed");
    CHECK_INT(bl_app_name_check(NULL, &err), BL_EINVAL);
    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    CHECK_INT(bl_app_name_check(longest, &err), BL_OK); /* 63 bytes */
    {
        char too_long[BL_APP_NAME_MAX + 1];
        memset(too_long, 'a', sizeof too_long - 1);
        too_long[sizeof too_long - 1] = '\0';
        CHECK_INT(bl_app_name_check(too_long, &err), BL_EINVAL);
        CHECK_CONTAINS(err.msg, "64 bytes long");
    }
    CHECK_INT(bl_app_name_check("na\xc3\xafve", &err), BL_EINVAL);
    CHECK_CONTAINS(err.msg, "byte 0xc3 at 2");
    CHECK_INT(bl_app_name_check("a\tb", &err), BL_EINVAL);
    CHECK_CONTAINS(err.msg, "byte 0x09 at 1");
    CHECK_INT(bl_app_name_check("x.y", NULL), BL_EINVAL); /* no message wanted */
}

int main(void)
{
    RUN(test_letters_digits_underscore_and_dash_are_app_names);
    RUN(test_a_dot_is_refused_and_the_message_says_what_is_allowed);
    RUN(test_a_leading_dash_or_underscore_is_refused);
    RUN(test_empty_long_and_non_ascii_names_are_refused);
    return CHECK_DONE();
}

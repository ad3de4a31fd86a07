/* SPDX-License-Identifier: Apache-2.0 */
/* platform.h's locks as the version-in-use protocol uses them (machine.c):
 * a running app's launcher holds its version's marker shared, the pruner
 * takes it exclusively; where a read-only launcher logs; the user's language. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "platform.h"
#include "testutil.h"

static void test_shared_locks_stack_and_keep_out_an_exclusive_one(void)
{
    char dir[512], marker[600];
    bl_plat_lock *reader1 = NULL, *reader2 = NULL, *pruner = NULL;
    bl_error err;
    CHECK_INT(test_make_dir(dir, sizeof dir), 0);
    snprintf(marker, sizeof marker, "%s/.bomiot-complete", dir);
    CHECK_INT(test_write_file(marker, "{\"version\": \"1.0.0\"}\n"), 0);

    CHECK_INT(bl_plat_lock_shared_try(marker, &reader1, &err), BL_OK);
    CHECK_INT(bl_plat_lock_shared_try(marker, &reader2, &err), BL_OK); /* two users run the same version */
    CHECK_INT(bl_plat_lock_try(marker, &pruner, &err), BL_EBUSY);
    CHECK(pruner == NULL);
    bl_plat_lock_release(reader1);
    CHECK_INT(bl_plat_lock_try(marker, &pruner, &err), BL_EBUSY); /* one still runs it */
    bl_plat_lock_release(reader2);
    CHECK_INT(bl_plat_lock_try(marker, &pruner, &err), BL_OK); /* nobody does */
    CHECK_INT(bl_plat_lock_shared_try(marker, &reader1, &err), BL_EBUSY); /* being removed */
    CHECK(reader1 == NULL);
    CHECK_CONTAINS(err.msg, "being removed");
    bl_plat_lock_release(pruner);
    CHECK_INT(bl_plat_lock_shared_try(marker, &reader1, &err), BL_OK);
    bl_plat_lock_release(reader1);
    bl_fs_remove_tree(dir, &err);
}

static void test_a_shared_lock_needs_the_file_and_never_creates_it(void)
{
    char dir[512], marker[600];
    bl_plat_lock *lock = NULL;
    bl_error err;
    CHECK_INT(test_make_dir(dir, sizeof dir), 0);
    snprintf(marker, sizeof marker, "%s/.bomiot-complete", dir);
    CHECK_INT(bl_plat_lock_shared_try(marker, &lock, &err), BL_ENOTFOUND);
    CHECK(lock == NULL);
    CHECK(!bl_fs_exists(marker));
    bl_fs_remove_tree(dir, &err);
}

static void test_a_folder_is_writable_until_it_is_gone(void)
{
    char dir[512], missing[600];
    bl_error err;
    CHECK_INT(test_make_dir(dir, sizeof dir), 0);
    CHECK(bl_plat_dir_writable(dir));
    snprintf(missing, sizeof missing, "%s/missing", dir);
    CHECK(!bl_plat_dir_writable(missing));
    bl_fs_remove_tree(dir, &err);
}

#ifndef _WIN32
static void test_the_users_state_folder_follows_xdg_state_home_then_home(void)
{
    char out[512];
    bl_error err;
    setenv("HOME", "/home/ann", 1);
    setenv("XDG_STATE_HOME", "/srv/state", 1);
    CHECK_INT(bl_plat_user_state_dir("bomiot", out, sizeof out, &err), BL_OK);
    CHECK_STR(out, "/srv/state/bomiot/bomiot");
    setenv("XDG_STATE_HOME", "relative/state", 1); /* the XDG spec: ignored */
    CHECK_INT(bl_plat_user_state_dir("org.acme.Notes", out, sizeof out, &err), BL_OK);
    CHECK_STR(out, "/home/ann/.local/state/bomiot/org.acme.Notes");
    unsetenv("XDG_STATE_HOME");
    CHECK_INT(bl_plat_user_state_dir("bomiot", out, 20, &err), BL_ETOOBIG);
    unsetenv("HOME");
    CHECK_INT(bl_plat_user_state_dir("bomiot", out, sizeof out, &err), BL_ENOTFOUND);
}

/* POSIX's precedence for the messages' language: LC_ALL, LC_MESSAGES, LANG,
 * the first set and not empty. */
static void test_the_users_language_is_the_first_of_lc_all_lc_messages_lang(void)
{
    char out[64];
    setenv("LC_ALL", "", 1);
    setenv("LC_MESSAGES", "zh_CN.UTF-8", 1);
    setenv("LANG", "en_US.UTF-8", 1);
    CHECK_STR(bl_plat_user_language(out, sizeof out), "LC_MESSAGES");
    CHECK_STR(out, "zh_CN.UTF-8");
    setenv("LC_ALL", "C", 1);
    CHECK_STR(bl_plat_user_language(out, sizeof out), "LC_ALL");
    CHECK_STR(out, "C");
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    CHECK_STR(bl_plat_user_language(out, sizeof out), "LANG");
    CHECK_STR(out, "en_US.UTF-8");
    unsetenv("LANG");
    strcpy(out, "stale");
    CHECK(bl_plat_user_language(out, sizeof out) == NULL);
    CHECK_STR(out, "");
}
#else
/* The user's UI language, as a locale name ("en-US" under Wine's default). */
static void test_the_users_language_is_the_ui_languages_name(void)
{
    char out[64];
    CHECK_STR(bl_plat_user_language(out, sizeof out), "the user's UI language");
    CHECK(strlen(out) >= 2);
    CHECK(strchr(out, '-') != NULL || strlen(out) == 2);
}
#endif

int main(void)
{
    RUN(test_shared_locks_stack_and_keep_out_an_exclusive_one);
    RUN(test_a_shared_lock_needs_the_file_and_never_creates_it);
    RUN(test_a_folder_is_writable_until_it_is_gone);
#ifndef _WIN32
    RUN(test_the_users_state_folder_follows_xdg_state_home_then_home);
    RUN(test_the_users_language_is_the_first_of_lc_all_lc_messages_lang);
#else
    RUN(test_the_users_language_is_the_ui_languages_name);
#endif
    return CHECK_DONE();
}

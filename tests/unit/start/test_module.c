/* SPDX-License-Identifier: Apache-2.0 */
/* module.c and the built-in loader (module_builtin.c): the ABI check that
 * keeps a module from another build out, the file names a self-update copies,
 * and the log forwarding that keeps a module's lines in the launcher's log.
 * Loading from a shared object is driven by tests/integration/test_modules.py. */
#include "check.h"
#include "start/log.h"
#include "start/module.h"
#include "update/background.h"
#include "update/update.h"
#include "update/update_module.h"

static void test_a_module_of_this_build_is_accepted(void)
{
    char abi[BL_MODULE_ABI_MAX];
    bl_module_host host = {abi, bl_log_text};
    bl_error err;
    bl_module_abi(abi);
    CHECK(strncmp(abi, BL_VERSION_STRING " ", strlen(BL_VERSION_STRING) + 1) == 0);
    CHECK_INT(bl_module_accept(&host, "update", &err), BL_OK);
}

static void test_a_module_of_another_build_is_refused_with_both_abis(void)
{
    char abi[BL_MODULE_ABI_MAX];
    bl_module_host other = {"0.0.9 cfg1 st2", bl_log_text}, none = {NULL, bl_log_text};
    bl_error err;
    bl_module_abi(abi);
    CHECK_INT(bl_module_accept(&other, "update", &err), BL_EUNSUPPORTED);
    CHECK_CONTAINS(err.msg, "the update module belongs to another launcher build");
    CHECK_CONTAINS(err.msg, "0.0.9 cfg1 st2");
    CHECK_CONTAINS(err.msg, abi);
    CHECK_INT(bl_module_accept(&none, "splash", &err), BL_EUNSUPPORTED);
    CHECK_INT(bl_module_accept(NULL, "splash", &err), BL_EUNSUPPORTED);
}

static void test_module_files_are_named_after_the_launcher_version(void)
{
    char update[128], splash[128];
    bl_module_file_name("update", update, sizeof update);
    bl_module_file_name("splash", splash, sizeof splash);
    if (!update[0]) { /* a build with built-in modules has no files */
        CHECK_STR(splash, "");
        CHECK_INT(bl_module_is_file("bomiot-update-0.1.0.so"), 0);
        CHECK_INT(bl_module_is_file("bomiot-update-0.1.0.dll"), 0);
        return;
    }
    CHECK(strstr(update, "bomiot-update-" BL_VERSION_STRING) == update);
    CHECK(strstr(splash, "bomiot-splash-" BL_VERSION_STRING) == splash);
    CHECK_INT(bl_module_is_file(update), 1);
    CHECK_INT(bl_module_is_file(splash), 1);
    CHECK_INT(bl_module_is_file("bomiot-launcher"), 0);
    CHECK_INT(bl_module_is_file("bomiot-launcher.old"), 0);
    CHECK_INT(bl_module_is_file("libcurl.so"), 0);
    CHECK_INT(bl_module_is_file(strchr(update, '.')), 0); /* the suffix alone */
}

static void test_built_in_modules_load_by_name(void)
{
    const void *table = NULL;
    bl_error err;
    CHECK_INT(bl_module_load(NULL, "update", &table, &err), BL_OK);
    CHECK(table != NULL);
    if (table)
        CHECK(((const bl_update_module *)table)->update_run == bl_update_run);
    CHECK_INT(bl_module_load(NULL, "no-such-module", &table, &err), BL_EINVAL);
    CHECK_CONTAINS(err.msg, "no-such-module");
}

static int forwarded;
static char forwarded_text[256];

static void sink(int level, const char *module, const char *text)
{
    forwarded++;
    snprintf(forwarded_text, sizeof forwarded_text, "%d %s %s", level, module, text);
}

static void test_a_module_log_forwards_whole_lines(void)
{
    bl_log_forward(sink);
    bl_log(BL_LOG_WARN, "fetch", "server said %d", 503);
    bl_log_forward(NULL);
    bl_log(BL_LOG_DEBUG, "fetch", "not forwarded");
    CHECK_INT(forwarded, 1);
    CHECK_STR(forwarded_text, "2 fetch server said 503");
}

int main(void)
{
    RUN(test_a_module_of_this_build_is_accepted);
    RUN(test_a_module_of_another_build_is_refused_with_both_abis);
    RUN(test_module_files_are_named_after_the_launcher_version);
    RUN(test_built_in_modules_load_by_name);
    RUN(test_a_module_log_forwards_whole_lines);
    return CHECK_DONE();
}

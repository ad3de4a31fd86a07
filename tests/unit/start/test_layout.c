/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "check.h"
#include "platform.h"
#include "start/layout.h"

static void test_layout_names_every_path(void)
{
    bl_layout l;
    bl_error err;
    CHECK_INT(bl_layout_init("/opt/bomiot", &l, &err), BL_OK);
    CHECK_STR(l.root, "/opt/bomiot");
    CHECK_STR(l.versions_dir, "/opt/bomiot/versions");
    CHECK_STR(l.cache_dir, "/opt/bomiot/cache");
    CHECK_STR(l.state_path, "/opt/bomiot/state.json");
    CHECK_STR(l.config_path, "/opt/bomiot/launcher.json");
    CHECK_STR(l.user_config_path, "/opt/bomiot/launcher.user.json");
    CHECK_STR(l.shipped_root, "/opt/bomiot/resources/root.json");
    CHECK_STR(l.staged_launcher, "/opt/bomiot/bomiot-launcher.new" BL_EXE_SUFFIX);
    CHECK_STR(l.old_launcher, "/opt/bomiot/bomiot-launcher.old" BL_EXE_SUFFIX);
    CHECK_STR(l.log_path, "/opt/bomiot/cache/update.log");
    CHECK_STR(l.lock_path, "/opt/bomiot/cache/launcher.lock");
    CHECK_STR(l.metadata_dir, "/opt/bomiot/cache/metadata");
    CHECK_STR(l.cached_root, "/opt/bomiot/cache/metadata/root.json");
    CHECK_STR(l.downloads_dir, "/opt/bomiot/cache/downloads");
    CHECK_STR(l.tars_dir, "/opt/bomiot/cache/tars");
    CHECK_STR(l.health_file, "/opt/bomiot/cache/app-healthy");
    CHECK_STR(l.ready_file, "/opt/bomiot/cache/update-ready");
    CHECK_STR(l.failures_path, "/opt/bomiot/cache/update-failures");
    CHECK_STR(l.checks_path, "/opt/bomiot/cache/last-check");
    CHECK_STR(l.activity_path, "/opt/bomiot/cache/activity.json");
    CHECK_STR(l.reports_dir, "/opt/bomiot/reports");
}

/* The paths are packed into one buffer: the longest root that fits the
 * longest path still gives every path whole, and a longer one is refused by
 * name, with no path left pointing at half-written text. */
static void test_layout_takes_long_roots_whole_and_refuses_longer_ones(void)
{
    static bl_layout l;
    static char root[BL_PATH_MAX + 1];
    const char *longest_tail = "/cache/metadata/root.json";
    size_t longest = BL_PATH_MAX - 1 - strlen(longest_tail);
    bl_error err;

    memset(root, 'r', sizeof root - 1);
    root[0] = '/';
    root[longest] = '\0';
    CHECK_INT(bl_layout_init(root, &l, &err), BL_OK);
    CHECK_INT((int)strlen(l.cached_root), BL_PATH_MAX - 1);
    CHECK(strncmp(l.cached_root, root, longest) == 0);
    CHECK_STR(l.cached_root + longest, longest_tail);
    CHECK_STR(l.lock_path + longest, "/cache/launcher.lock");
    CHECK_STR(l.root, root);
    root[longest] = 'r';
    root[longest + 1] = '\0';
    CHECK_INT(bl_layout_init(root, &l, &err), BL_ETOOBIG);
    CHECK(strstr(err.msg, "install folder path too long") != NULL);
    CHECK_STR(l.cached_root, "");
    CHECK_STR(l.failures_path, "");
}

static void test_version_paths_stay_inside_versions(void)
{
    bl_layout l;
    bl_error err;
    char path[BL_PATH_MAX];
    bl_layout_init("/opt/b", &l, &err);
    CHECK_INT(bl_layout_version_dir(&l, "1.2.0", path, sizeof path, &err), BL_OK);
    CHECK_STR(path, "/opt/b/versions/1.2.0");
    CHECK_INT(bl_layout_partial_dir(&l, "1.2.0", path, sizeof path, &err), BL_OK);
    CHECK_STR(path, "/opt/b/versions/1.2.0.partial");
    CHECK_INT(bl_layout_version_dir(&l, "../..", path, sizeof path, &err), BL_EINVAL);
    CHECK_INT(bl_layout_partial_dir(&l, "a/b", path, sizeof path, &err), BL_EINVAL);
    CHECK_INT(bl_layout_version_dir(&l, "1.2.0", path, 10, &err), BL_ETOOBIG);
}

static void test_app_path_adds_the_platform_suffix_once(void)
{
    bl_layout l;
    bl_error err;
    char path[BL_PATH_MAX];
    bl_layout_init("/opt/b", &l, &err);
    CHECK_INT(bl_layout_app_path(&l, "bomiot", "1.0", path, sizeof path, &err), BL_OK);
    CHECK_STR(path, "/opt/b/versions/1.0/bomiot" BL_EXE_SUFFIX);
    CHECK_INT(bl_layout_app_path(&l, "bomiot" BL_EXE_SUFFIX, "1.0", path, sizeof path, &err), BL_OK);
    CHECK_STR(path, "/opt/b/versions/1.0/bomiot" BL_EXE_SUFFIX);
    CHECK_INT(bl_layout_app_path(&l, BL_LAYOUT_LAUNCHER, "1.0", path, sizeof path, &err), BL_OK);
    CHECK_STR(path, "/opt/b/versions/1.0/bomiot-launcher" BL_EXE_SUFFIX);
    CHECK_INT(bl_layout_app_path(&l, "bomiot", "../..", path, sizeof path, &err), BL_EINVAL);
}

static void test_tar_path_is_in_the_tar_cache(void)
{
    bl_layout l;
    bl_error err;
    char path[BL_PATH_MAX];
    bl_layout_init("/opt/b", &l, &err);
    CHECK_INT(bl_layout_tar_path(&l, "bomiot", "2.0.1", path, sizeof path, &err), BL_OK);
    CHECK_STR(path, "/opt/b/cache/tars/bomiot-2.0.1.tar");
    CHECK_INT(bl_layout_tar_path(&l, "bomiot", "2.0.1", path, 20, &err), BL_ETOOBIG);
    CHECK(strstr(err.msg, "bomiot 2.0.1") != NULL);
}

/* launcher.json's paths are the install root's, whatever the working folder
 * (issue 20: a relative ca_file was read from the working folder). */
static void test_config_paths_are_relative_to_the_root(void)
{
    char out[BL_PATH_MAX];
    bl_layout l;
    bl_error err;
    CHECK_INT(bl_layout_init("/opt/bomiot", &l, &err), BL_OK);
    CHECK_INT(bl_layout_resolve(&l, "resources/ca.pem", out, sizeof out, &err), BL_OK);
    CHECK_STR(out, "/opt/bomiot/resources/ca.pem");
    CHECK_INT(bl_layout_resolve(&l, "/etc/ssl/ca.pem", out, sizeof out, &err), BL_OK);
    CHECK_STR(out, "/etc/ssl/ca.pem");
    CHECK_INT(bl_layout_resolve(&l, "C:/certs/ca.pem", out, sizeof out, &err), BL_OK);
    CHECK_STR(out, "C:/certs/ca.pem");
    CHECK_INT(bl_layout_resolve(&l, "\\\\server\\ca.pem", out, sizeof out, &err), BL_OK);
    CHECK_STR(out, "\\\\server\\ca.pem");
    CHECK_INT(bl_layout_resolve(&l, "resources/ca.pem", out, 12, &err), BL_ETOOBIG);
}

int main(void)
{
    RUN(test_layout_names_every_path);
    RUN(test_layout_takes_long_roots_whole_and_refuses_longer_ones);
    RUN(test_version_paths_stay_inside_versions);
    RUN(test_app_path_adds_the_platform_suffix_once);
    RUN(test_tar_path_is_in_the_tar_cache);
    RUN(test_config_paths_are_relative_to_the_root);
    return CHECK_DONE();
}

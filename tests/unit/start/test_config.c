/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "check.h"
#include "platform.h"
#include "start/config.h"
#include "start/log.h"

/* Collects reported problems so each test can assert on them. */
typedef struct {
    int count;
    char last[512];
} reports;

static void collect(void *ctx, const char *message)
{
    reports *r = ctx;
    r->count++;
    snprintf(r->last, sizeof r->last, "%s", message);
}

/* A fake environment: NULL-terminated name/value pairs. */
static const char *fake_getenv(void *ctx, const char *name)
{
    const char **pairs = ctx;
    for (; pairs[0]; pairs += 2) {
        if (strcmp(pairs[0], name) == 0)
            return pairs[1];
    }
    return NULL;
}

static int apply(bl_config *cfg, const char *json, reports *r)
{
    return bl_config_apply_json(cfg, json, strlen(json), "launcher.json", collect, r);
}

static void test_defaults_match_the_python_system(void)
{
    bl_config cfg;
    bl_config_defaults(&cfg);
    CHECK_STR(cfg.update_url, "http://localhost:8000/updates");
    CHECK_INT(cfg.update_interval, 3600);
    CHECK_INT(cfg.auto_update, 1);
    CHECK_INT(cfg.incremental_update, 1);
    CHECK_INT(cfg.patch_max_percent, 80); /* tufup's MAX_SIZE_RATIO */
    CHECK_INT(cfg.file_watcher, 0);
    CHECK_STR(cfg.app_name, "bomiot");
    CHECK_STR(cfg.app_executable, "bomiot" BL_EXE_SUFFIX);
    CHECK_INT(cfg.keep_versions, 2);
    CHECK_INT(cfg.log_level, BL_LOG_INFO);
    CHECK_INT(cfg.mode, BL_MODE_SUPERVISE);
    CHECK_INT(cfg.healthy_seconds, 10);
    CHECK_INT(cfg.trial_attempts, 2);
    CHECK_STR(cfg.channel, "stable");
    CHECK_INT(cfg.check_ms, 900); /* issue 23: README, "The time box at launch" */
    CHECK_INT(cfg.download_seconds, 30);
    CHECK_INT(cfg.update_at_launch, 1);
    CHECK_STR(cfg.ca_file, "");
    CHECK_INT(cfg.splash, 1);
    CHECK_STR(cfg.splash_image, "resources/splash.png");
    CHECK_INT(cfg.splash_linger_ms, 0);
    CHECK_INT(cfg.restart_exit_code, 85);
    CHECK_INT(cfg.apply_on_exit, 1);
    CHECK_INT(cfg.source[BL_CFG_UPDATE_URL], BL_SOURCE_DEFAULT);
}

static void test_file_values_apply_and_remember_their_source(void)
{
    bl_config cfg;
    reports r = {0};
    bl_config_defaults(&cfg);
    CHECK_INT(apply(&cfg,
                    "{\"update_url\": \"https://updates.example.com/bomiot\", \"update_interval\": 60,"
                    " \"auto_update\": false, \"keep_versions\": 3, \"log_level\": \"debug\","
                    " \"mode\": \"exec\", \"app_executable\": \"bin/bomiot\"}",
                    &r),
              BL_OK);
    CHECK_INT(r.count, 0);
    CHECK_STR(cfg.update_url, "https://updates.example.com/bomiot");
    CHECK_INT(cfg.update_interval, 60);
    CHECK_INT(cfg.auto_update, 0);
    CHECK_INT(cfg.keep_versions, 3);
    CHECK_INT(cfg.log_level, BL_LOG_DEBUG);
    CHECK_INT(cfg.mode, BL_MODE_EXEC);
    CHECK_STR(cfg.app_executable, "bin/bomiot");
    CHECK_INT(cfg.source[BL_CFG_UPDATE_INTERVAL], BL_SOURCE_FILE);
    CHECK_INT(cfg.source[BL_CFG_FILE_WATCHER], BL_SOURCE_DEFAULT);
}

static void test_environment_overrides_the_file(void)
{
    bl_config cfg;
    reports r = {0};
    const char *env[] = {"BOMIOT_UPDATE_URL", "file:///media/usb/updates", "BOMIOT_UPDATE_INTERVAL", "0",
                         "BOMIOT_AUTO_UPDATE", "FALSE", "BOMIOT_INCREMENTAL_UPDATE", "no",
                         "BOMIOT_FILE_WATCHER", "1", NULL};
    bl_config_defaults(&cfg);
    apply(&cfg, "{\"update_url\": \"https://a.example/u\", \"update_interval\": 60}", &r);
    bl_config_apply_env(&cfg, fake_getenv, env, collect, &r);
    CHECK_INT(r.count, 0);
    CHECK_STR(cfg.update_url, "file:///media/usb/updates");
    CHECK_INT(cfg.update_interval, 0);
    CHECK_INT(cfg.auto_update, 0);
    CHECK_INT(cfg.incremental_update, 0);
    CHECK_INT(cfg.file_watcher, 1);
    CHECK_INT(cfg.source[BL_CFG_UPDATE_URL], BL_SOURCE_ENV);
}

/* update_url "https://h/updates/" named https://h/updates//metadata/...:
 * a static server may answer that, a bucket (S3 keys) does not. */
static void test_update_url_loses_its_trailing_slashes(void)
{
    bl_config cfg;
    reports r = {0};
    const char *env[] = {"BOMIOT_UPDATE_URL", "file:///media/usb/updates//", NULL};
    bl_config_defaults(&cfg);
    apply(&cfg, "{\"update_url\": \"https://updates.example.com/app/\"}", &r);
    CHECK_INT(r.count, 0);
    CHECK_STR(cfg.update_url, "https://updates.example.com/app");
    apply(&cfg, "{\"update_url\": \"http://127.0.0.1:8000/\"}", &r);
    CHECK_STR(cfg.update_url, "http://127.0.0.1:8000");
    bl_config_apply_env(&cfg, fake_getenv, env, collect, &r);
    CHECK_INT(r.count, 0);
    CHECK_STR(cfg.update_url, "file:///media/usb/updates");
}

static void test_malformed_file_is_reported_and_defaults_kept(void)
{
    bl_config cfg;
    reports r = {0};
    bl_config_defaults(&cfg);
    CHECK_INT(apply(&cfg, "{\"update_interval\": 60,", &r), BL_ECORRUPT);
    CHECK_INT(r.count, 1);
    CHECK_CONTAINS(r.last, "launcher.json: not valid JSON");
    CHECK_INT(cfg.update_interval, 3600);
    r.count = 0;
    CHECK_INT(apply(&cfg, "[1, 2]", &r), BL_ECORRUPT);
    CHECK_CONTAINS(r.last, "expected a JSON object");
}

static void test_each_bad_value_names_file_key_and_expectation(void)
{
    static const struct {
        const char *json, *fragment;
    } cases[] = {
        {"{\"update_url\": \"ftp://x\"}", "'update_url' must be an http://, https:// or file:// URL, got \"ftp://x\"; using \"http://localhost:8000/updates\""},
        {"{\"update_url\": 5}", "'update_url' must be"},
        {"{\"update_interval\": -1}", "'update_interval' must be seconds from 0 (off) to 2592000, got -1; using 3600"},
        {"{\"update_interval\": 1.5}", "'update_interval' must be"},
        {"{\"update_interval\": 1e300}", "'update_interval' must be"},
        {"{\"update_interval\": \"soon\"}", "got \"soon\""},
        {"{\"auto_update\": \"maybe\"}", "'auto_update' must be true or false"},
        {"{\"auto_update\": 1}", "'auto_update' must be true or false"},
        {"{\"keep_versions\": 0}", "'keep_versions' must be an integer from 1 to 100, got 0; using 2"},
        {"{\"patch_max_percent\": 0}", "'patch_max_percent' must be a percentage from 1 to 100, got 0; using 80"},
        {"{\"patch_max_percent\": 101}", "'patch_max_percent' must be a percentage from 1 to 100"},
        {"{\"log_level\": \"loud\"}", "'log_level' must be debug, info, warn or error"},
        {"{\"mode\": \"fork\"}", "'mode' must be supervise or exec"},
        {"{\"healthy_seconds\": 0}", "'healthy_seconds' must be seconds from 1 to 3600, got 0; using 10"},
        {"{\"channel\": \"nightly\"}", "'channel' must be stable or beta, got \"nightly\"; using \"stable\""},
        {"{\"check_seconds\": 0}", "'check_seconds' must be seconds from 0.1 to 600, at most 3 decimals, got 0; "
                                   "using 0.9"},
        {"{\"check_seconds\": -1}", "'check_seconds' must be seconds from 0.1 to 600"},
        {"{\"check_seconds\": 0.05}", "'check_seconds' must be seconds from 0.1 to 600"},
        {"{\"check_seconds\": 600.001}", "'check_seconds' must be seconds from 0.1 to 600"},
        {"{\"check_seconds\": 1e9}", "'check_seconds' must be seconds from 0.1 to 600, at most 3 decimals, got "
                                     "1000000000; using 0.9"},
        {"{\"check_seconds\": 1e300}", "'check_seconds' must be seconds from 0.1 to 600"},
        {"{\"check_seconds\": 0.9005}", "'check_seconds' must be seconds from 0.1 to 600, at most 3 decimals"},
        {"{\"check_seconds\": \"abc\"}", "'check_seconds' must be seconds from 0.1 to 600, at most 3 decimals, "
                                         "got \"abc\"; using 0.9"},
        {"{\"check_seconds\": \"0.9005\"}", "'check_seconds' must be seconds from 0.1 to 600"},
        {"{\"check_seconds\": \"-1\"}", "'check_seconds' must be seconds from 0.1 to 600"},
        {"{\"check_seconds\": \"1.\"}", "'check_seconds' must be seconds from 0.1 to 600"},
        {"{\"check_seconds\": \".5\"}", "'check_seconds' must be seconds from 0.1 to 600"},
        {"{\"check_seconds\": \"1e3\"}", "'check_seconds' must be seconds from 0.1 to 600"},
        {"{\"check_seconds\": \"99999999999999999999\"}", "'check_seconds' must be seconds from 0.1 to 600"},
        {"{\"check_seconds\": true}", "'check_seconds' must be seconds from 0.1 to 600"},
        {"{\"download_seconds\": 0}", "'download_seconds' must be seconds from 1 to 3600, got 0; using 30"},
        {"{\"trial_attempts\": 1000}", "'trial_attempts' must be an integer from 1 to 100, got 1000; using 2"},
        {"{\"app_name\": \"bo miot\"}", "'app_name' must be 1 to 63 ASCII letters"},
        {"{\"app_executable\": \"../evil\"}", "'app_executable' must be a relative path"},
        {"{\"app_executable\": \"/bin/sh\"}", "'app_executable' must be a relative path"},
        {"{\"app_executable\": \"C:\\\\evil.exe\"}", "'app_executable' must be a relative path"},
        {"{\"app_executable\": \"bin/\"}", "'app_executable' must be a relative path"},
        {"{\"splash\": \"sometimes\"}", "'splash' must be true or false"},
        {"{\"splash_image\": \"\"}", "'splash_image' must be the path of a PNG or BMP image"},
        {"{\"splash_linger_ms\": 60001}", "'splash_linger_ms' must be milliseconds from 0 to 60000, got 60001; using 0"},
        {"{\"restart_exit_code\": 126}", "'restart_exit_code' must be an exit code from 1 to 254, not 125, 126 or "
                                         "127 (the launcher's own), got 126; using 85"},
        {"{\"restart_exit_code\": \"125\"}", "'restart_exit_code' must be an exit code from 1 to 254"},
        {"{\"restart_exit_code\": 255}", "'restart_exit_code' must be an exit code from 1 to 254"},
        {"{\"apply_on_exit\": \"later\"}", "'apply_on_exit' must be true or false"},
        {"{\"display_name\": \"Bomiot\\n[Desktop Entry]\"}", "'display_name' must be UTF-8 text of at most 127 bytes"},
        {"{\"display_name\": \"Bomiot\\u0085\"}", "'display_name' must be UTF-8 text"}, /* C1's NEL */
        {"{\"display_name\": \"   \"}", "'display_name' must be UTF-8 text"},
        {"{\"display_name\": \"\\u3000\"}", "'display_name' must be UTF-8 text"}, /* an ideographic space */
        {"{\"display_name\": 42}", "'display_name' must be UTF-8 text"},
        {"{\"language\": \"fr\"}", "'language' must be \"auto\" (the user's locale) or a language the launcher "
                                     "has words for (po/LINGUAS), such as \"en\" or \"zh_CN\", got \"fr\"; "
                                     "using \"auto\""},
        {"{\"language\": \"zh_TW\"}", "'language' must be \"auto\""},
        {"{\"language\": \"\"}", "'language' must be \"auto\""},
        {"{\"updte_url\": \"http://x\"}", "unknown key 'updte_url' ignored"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_config cfg, defaults;
        reports r = {0};
        bl_config_defaults(&cfg);
        bl_config_defaults(&defaults);
        CHECK_INT(apply(&cfg, cases[i].json, &r), BL_OK);
        CHECK_INT(r.count, 1);
        CHECK_CONTAINS(r.last, cases[i].fragment);
        CHECK_CONTAINS(r.last, "launcher.json: ");
        CHECK(memcmp(&cfg, &defaults, offsetof(bl_config, source)) == 0);
    }
}

/* cJSON's strings end at a NUL: "bomiot\u0000.sh" would be "bomiot". */
static void test_strings_holding_a_nul_are_refused(void)
{
    static const struct {
        const char *json;
        size_t len;
        const char *fragment;
    } cases[] = {
        {"{\"app_executable\": \"bin/app\\u0000.sh\"}", 0,
         "'app_executable' must be a relative path inside the version folder, without '..', got a string "
         "holding a NUL character (\\u0000); using \"bomiot" BL_EXE_SUFFIX "\""},
        {"{\"channel\": \"beta\\u0000x\"}", 0, "'channel' must be stable or beta, got a string holding a NUL"},
        {"{\"update_interval\": \"60\\u0000\"}", 0, "'update_interval' must be seconds"},
        {"{\"channel\\u0000x\": \"beta\"}", 0, "a key holding a NUL character (\\u0000), 'channel...', ignored"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_config cfg, defaults;
        reports r = {0};
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].json);
        bl_config_defaults(&cfg);
        bl_config_defaults(&defaults);
        CHECK_INT(bl_config_apply_json(&cfg, cases[i].json, len, "launcher.json", collect, &r), BL_OK);
        CHECK_INT(r.count, 1);
        CHECK_CONTAINS(r.last, cases[i].fragment);
        CHECK(memcmp(&cfg, &defaults, offsetof(bl_config, source)) == 0);
    }
    {   /* a raw NUL byte: cJSON refuses the file (find_nuls would mark it too) */
        bl_config cfg;
        reports r = {0};
        bl_config_defaults(&cfg);
        CHECK_INT(bl_config_apply_json(&cfg, "{\"channel\": \"beta\0x\"}", 20, "launcher.json", collect, &r),
                  BL_ECORRUPT);
        CHECK_STR(cfg.channel, "stable");
    }
    {   /* the NUL of one member does not spill onto the next, nor nested commas */
        static const char json[] = "{\"x\": [\"a,b\", {\"c\": 1}], \"channel\": \"beta\", "
                                   "\"ca_file\": \"a\\u0000\", \"app_name\": \"\\\\u0000\"}";
        bl_config cfg;
        reports r = {0};
        bl_config_defaults(&cfg);
        CHECK_INT(apply(&cfg, json, &r), BL_OK);
        CHECK_STR(cfg.channel, "beta");
        CHECK_STR(cfg.ca_file, "");
        CHECK_INT(r.count, 3); /* unknown x, ca_file's NUL, app_name's '\\' (an escaped backslash, no NUL) */
        CHECK_CONTAINS(r.last, "'app_name' must be 1 to 63 ASCII letters");
    }
}

static void test_bad_environment_value_keeps_the_file_value(void)
{
    bl_config cfg;
    reports r = {0};
    const char *env[] = {"BOMIOT_UPDATE_INTERVAL", "hourly", "BOMIOT_AUTO_UPDATE", "", NULL};
    bl_config_defaults(&cfg);
    apply(&cfg, "{\"update_interval\": 60}", &r);
    bl_config_apply_env(&cfg, fake_getenv, env, collect, &r);
    CHECK_INT(r.count, 2);
    CHECK_INT(cfg.update_interval, 60);
    CHECK_INT(cfg.source[BL_CFG_UPDATE_INTERVAL], BL_SOURCE_FILE);
    CHECK_INT(cfg.auto_update, 1);
    CHECK_CONTAINS(r.last, "environment: BOMIOT_AUTO_UPDATE must be true or false");
}

static void test_numbers_may_be_written_as_strings(void)
{
    bl_config cfg;
    reports r = {0};
    bl_config_defaults(&cfg);
    apply(&cfg, "{\"update_interval\": \"120\", \"file_watcher\": \"true\"}", &r);
    CHECK_INT(r.count, 0);
    CHECK_INT(cfg.update_interval, 120);
    CHECK_INT(cfg.file_watcher, 1);
}

static void test_print_shows_value_and_source(void)
{
    bl_config cfg;
    reports r = {0};
    const char *env[] = {"BOMIOT_FILE_WATCHER", "true", NULL};
    char out[4096] = "";
    FILE *f = tmpfile();
    size_t n;
    bl_config_defaults(&cfg);
    apply(&cfg, "{\"keep_versions\": 4}", &r);
    bl_config_apply_env(&cfg, fake_getenv, env, collect, &r);
    bl_config_print(&cfg, f);
    rewind(f);
    n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    CHECK_CONTAINS(out, "update_url");
    CHECK_CONTAINS(out, "http://localhost:8000/updates");
    CHECK_CONTAINS(out, "(default)");
    CHECK_CONTAINS(out, "(launcher.json)");
    CHECK_CONTAINS(out, "(environment BOMIOT_FILE_WATCHER)");
}

static void test_splash_keys_from_the_file_and_the_environment(void)
{
    bl_config cfg;
    reports r = {0};
    const char *env[] = {"BOMIOT_SPLASH", "false", NULL};
    bl_config_defaults(&cfg);
    apply(&cfg, "{\"splash\": true, \"splash_image\": \"/opt/brand/splash.bmp\", \"splash_linger_ms\": 2500}", &r);
    CHECK_INT(r.count, 0);
    CHECK_INT(cfg.splash, 1);
    CHECK_STR(cfg.splash_image, "/opt/brand/splash.bmp");
    CHECK_INT(cfg.splash_linger_ms, 2500);
    bl_config_apply_env(&cfg, fake_getenv, env, collect, &r);
    CHECK_INT(r.count, 0);
    CHECK_INT(cfg.splash, 0);
    CHECK_INT(cfg.source[BL_CFG_SPLASH], BL_SOURCE_ENV);
    CHECK_STR(bl_config_env_name(BL_CFG_SPLASH), "BOMIOT_SPLASH");
    CHECK(bl_config_env_name(BL_CFG_SPLASH_IMAGE) == NULL);
}

static int apply_user(bl_config *cfg, const char *json, reports *r);

/* Issue 28: the app's name in any script, and the splash's language. */
static void test_display_name_and_language_from_the_file(void)
{
    bl_config cfg;
    reports r = {0};
    char longest[BL_DISPLAY_NAME_MAX + 64];
    size_t i;
    bl_config_defaults(&cfg);
    CHECK_STR(cfg.display_name, "");
    CHECK_STR(cfg.language, "auto");
    apply(&cfg, "{\"display_name\": \"Bomiot 仓储管理\", \"language\": \"zh_CN\"}", &r);
    CHECK_INT(r.count, 0);
    CHECK_STR(cfg.display_name, "Bomiot 仓储管理");
    CHECK_STR(cfg.language, "zh_CN");
    CHECK_INT(cfg.source[BL_CFG_DISPLAY_NAME], BL_SOURCE_FILE);
    apply(&cfg, "{\"display_name\": \"\", \"language\": \"en\"}", &r); /* "": back to app_name */
    CHECK_INT(r.count, 0);
    CHECK_STR(cfg.display_name, "");
    CHECK_STR(cfg.language, "en");
    /* 42 CJK characters are 126 bytes and fit; 43 do not */
    snprintf(longest, sizeof longest, "{\"display_name\": \"");
    for (i = 0; i < 42; i++)
        strcat(longest, "仓");
    strcat(longest, "\"}");
    apply(&cfg, longest, &r);
    CHECK_INT(r.count, 0);
    CHECK_INT(strlen(cfg.display_name), 126);
    snprintf(longest + strlen(longest) - 2, 8, "仓\"}");
    apply(&cfg, longest, &r);
    CHECK_INT(r.count, 1);
    CHECK_INT(strlen(cfg.display_name), 126); /* kept */
}

static void test_the_user_may_choose_the_language_but_not_the_name(void)
{
    bl_config cfg;
    reports r = {0};
    bl_config_defaults(&cfg);
    apply_user(&cfg, "{\"language\": \"en\", \"display_name\": \"Mine\"}", &r);
    CHECK_INT(r.count, 1);
    CHECK_STR(r.last, "launcher.user.json: 'display_name' is the publisher's setting (launcher.json), not the user's; "
                      "ignored");
    CHECK_STR(cfg.language, "en");
    CHECK_INT(cfg.source[BL_CFG_LANGUAGE], BL_SOURCE_USER_FILE);
    CHECK_STR(cfg.display_name, "");
}

static void test_missing_file_is_not_a_problem(void)
{
    bl_config cfg;
    reports r = {0};
    bl_config_defaults(&cfg);
    CHECK_INT(bl_config_load_file(&cfg, "/nonexistent/launcher.json", collect, &r), BL_OK);
    CHECK_INT(r.count, 0);
}

/* What was written to f (a tmpfile: open_memstream is not on Windows), after
 * a '\n' so that every line, the first too, starts after one. */
static void read_back(FILE *f, char *out, size_t size)
{
    size_t n;
    rewind(f);
    out[0] = '\n';
    n = fread(out + 1, 1, size - 2, f);
    out[n + 1] = '\0';
    fclose(f);
}

/* --help's variables come from the table (curl's generated help): each one
 * the table names starts an entry whose first line gives its key and the
 * default --print-config shows, no key without a variable is listed, and no
 * line needs more than an 80-column terminal. */
static void test_help_lists_every_environment_variable_with_its_key_and_default(void)
{
    static char help[16384], printed[16384];
    char want[320], value[256];
    const char *line, *at;
    bl_config cfg;
    FILE *f;
    int k, listed = 0;

    CHECK((f = tmpfile()) != NULL);
    if (!f)
        return;
    bl_config_print_env_help(f);
    read_back(f, help, sizeof help);
    CHECK((f = tmpfile()) != NULL);
    if (!f)
        return;
    bl_config_defaults(&cfg);
    bl_config_print(&cfg, f);
    read_back(f, printed, sizeof printed);

    for (k = 0; k < BL_CFG_KEY_COUNT; k++) {
        const char *env = bl_config_env_name(k), *key = bl_config_key_name(k);
        size_t len;
        if (!env) {
            snprintf(want, sizeof want, " %s, default ", key);
            CHECK(strstr(help, want) == NULL);
            continue;
        }
        listed++;
        /* --print-config's line: key, spaces, the value ("text" for strings) */
        snprintf(want, sizeof want, "\n%s ", key);
        CHECK_CONTAINS(printed, want);
        at = strstr(printed, want) ? strstr(printed, want) + strlen(want) : "";
        at += strspn(at, " ");
        at += *at == '"';
        len = strcspn(at, "\" ");
        snprintf(value, sizeof value, "%.*s", (int)len, at);
        if (!len) /* "" */
            snprintf(value, sizeof value, "none");

        snprintf(want, sizeof want, "\n  %s ", env);
        CHECK_CONTAINS(help, want);
        line = strstr(help, want) ? strstr(help, want) + 1 : "";
        snprintf(want, sizeof want, " %s, default %s\n", key, value);
        CHECK_CONTAINS(line, want);
        CHECK(strstr(line, want) && strstr(line, want) < line + strcspn(line, "\n"));
    }
    CHECK(listed > 0);
    for (line = help + 1; *line; line += strcspn(line, "\n") + 1) {
        CHECK(strcspn(line, "\n") < 80);
        if (!line[strcspn(line, "\n")])
            break;
    }
}

static void test_trial_keys_take_a_rule_or_a_list(void)
{
    bl_config cfg;
    reports r = {0};
    bl_config_defaults(&cfg);
    CHECK_STR(cfg.trial_exit_codes, "any");
    CHECK_INT(cfg.rerun_after_rollback, 1);
    CHECK_INT(apply(&cfg, "{\"trial_exit_codes\": \"64-78\", \"rerun_after_rollback\": false}", &r), BL_OK);
    CHECK_INT(r.count, 0);
    CHECK_STR(cfg.trial_exit_codes, "64-78");
    CHECK_INT(cfg.rerun_after_rollback, 0);
    CHECK_INT(cfg.source[BL_CFG_TRIAL_EXIT_CODES], BL_SOURCE_FILE);
    CHECK_INT(apply(&cfg, "{\"trial_exit_codes\": [2, 70]}", &r), BL_OK);
    CHECK_STR(cfg.trial_exit_codes, "2,70");
    CHECK_INT(apply(&cfg, "{\"trial_exit_codes\": []}", &r), BL_OK);
    CHECK_STR(cfg.trial_exit_codes, "none");
    CHECK_INT(r.count, 0);
    CHECK_INT(apply(&cfg, "{\"trial_exit_codes\": \"1..3\"}", &r), BL_OK);
    CHECK_INT(r.count, 1);
    CHECK_CONTAINS(r.last, "'trial_exit_codes' must be \"any\", \"none\", or a list");
    CHECK_STR(cfg.trial_exit_codes, "none"); /* kept */
    CHECK_INT(apply(&cfg, "{\"trial_exit_codes\": [0]}", &r), BL_OK);
    CHECK_INT(r.count, 2);
}

/* The restart code (issue 24) is never one of the launcher's own exit codes. */
static void test_restart_exit_code_avoids_the_launchers_codes(void)
{
    bl_config cfg;
    reports r = {0};
    bl_config_defaults(&cfg);
    CHECK_INT(cfg.restart_exit_code, 85);
    CHECK_INT(apply(&cfg, "{\"restart_exit_code\": 42}", &r), BL_OK);
    CHECK_INT(r.count, 0);
    CHECK_INT(cfg.restart_exit_code, 42);
    CHECK_INT(apply(&cfg, "{\"restart_exit_code\": \"75\"}", &r), BL_OK);
    CHECK_INT(cfg.restart_exit_code, 75);
    CHECK_INT(apply(&cfg, "{\"restart_exit_code\": 126}", &r), BL_OK);
    CHECK_INT(r.count, 1);
    CHECK_CONTAINS(r.last, "not 125, 126 or 127");
    CHECK_INT(apply(&cfg, "{\"restart_exit_code\": \"125\"}", &r), BL_OK);
    CHECK_INT(apply(&cfg, "{\"restart_exit_code\": 0}", &r), BL_OK);
    CHECK_INT(apply(&cfg, "{\"restart_exit_code\": 255}", &r), BL_OK);
    CHECK_INT(r.count, 4);
    CHECK_INT(cfg.restart_exit_code, 75); /* kept */
}

/* launcher.user.json (issue 21, item 10): the user's choices win over the
 * publisher's launcher.json, whichever order the keys come in. */
static int apply_user(bl_config *cfg, const char *json, reports *r)
{
    return bl_config_apply_user_json(cfg, json, strlen(json), "launcher.user.json", collect, r);
}

static void test_user_file_wins_over_the_publishers_for_the_users_keys(void)
{
    bl_config cfg;
    reports r = {0};
    bl_config_defaults(&cfg);
    apply(&cfg, "{\"channel\": \"stable\", \"auto_update\": true, \"keep_versions\": 3, \"log_level\": \"warn\"}",
          &r);
    CHECK_INT(apply_user(&cfg, "{\"channel\": \"beta\", \"auto_update\": false, \"update_interval\": 0,"
                               " \"keep_versions\": 5, \"splash\": false}",
                         &r),
              BL_OK);
    CHECK_INT(r.count, 0);
    CHECK_STR(cfg.channel, "beta");
    CHECK_INT(cfg.auto_update, 0);
    CHECK_INT(cfg.update_interval, 0);
    CHECK_INT(cfg.keep_versions, 5);
    CHECK_INT(cfg.splash, 0);
    CHECK_INT(cfg.log_level, BL_LOG_WARN); /* the publisher's, the user set none */
    CHECK_INT(cfg.source[BL_CFG_CHANNEL], BL_SOURCE_USER_FILE);
    CHECK_INT(cfg.source[BL_CFG_LOG_LEVEL], BL_SOURCE_FILE);
    CHECK_STR(cfg.user_file_path, "launcher.user.json");
    CHECK_STR(cfg.file_path, "launcher.json");
}

static void test_user_file_cannot_set_the_publishers_keys(void)
{
    static const char *publishers[] = {"update_url", "ca_file", "app_name", "app_executable", "mode",
                                       "healthy_seconds", "trial_attempts", "trial_exit_codes", "watch_dir",
                                       "file_watcher", "patch_max_percent", "splash_image", "rerun_after_rollback",
                                       "restart_exit_code"};
    bl_config cfg;
    reports r = {0};
    size_t i;
    int k;
    bl_config_defaults(&cfg);
    apply(&cfg, "{\"update_url\": \"https://updates.example.com/app\"}", &r);
    CHECK_INT(apply_user(&cfg, "{\"update_url\": \"https://mirror.example.net/app\", \"channel\": \"beta\"}",
                         &r),
              BL_OK);
    CHECK_INT(r.count, 1);
    CHECK_STR(r.last, "launcher.user.json: 'update_url' is the publisher's setting (launcher.json), not the user's; "
                      "ignored");
    CHECK_STR(cfg.update_url, "https://updates.example.com/app");
    CHECK_INT(cfg.source[BL_CFG_UPDATE_URL], BL_SOURCE_FILE);
    CHECK_STR(cfg.channel, "beta"); /* the rest of the file still applies */
    for (i = 0; i < sizeof publishers / sizeof publishers[0]; i++) {
        for (k = 0; k < BL_CFG_KEY_COUNT && strcmp(bl_config_key_name(k), publishers[i]) != 0; k++)
            ;
        CHECK(k < BL_CFG_KEY_COUNT);
        CHECK_INT(bl_config_user_may_set(k), 0);
    }
    CHECK_INT(bl_config_user_may_set(BL_CFG_CHANNEL), 1);
    CHECK_INT(bl_config_user_may_set(BL_CFG_APPLY_ON_EXIT), 1); /* when an update applies is the user's */
}

static void test_environment_wins_over_the_user_file(void)
{
    bl_config cfg;
    reports r = {0};
    const char *env[] = {"BOMIOT_CHANNEL", "stable", NULL};
    bl_config_defaults(&cfg);
    apply_user(&cfg, "{\"channel\": \"beta\"}", &r);
    bl_config_apply_env(&cfg, fake_getenv, env, collect, &r);
    CHECK_INT(r.count, 0);
    CHECK_STR(cfg.channel, "stable");
    CHECK_INT(cfg.source[BL_CFG_CHANNEL], BL_SOURCE_ENV);
}

static void test_malformed_user_file_is_ignored_and_the_publishers_values_stay(void)
{
    bl_config cfg;
    reports r = {0};
    bl_config_defaults(&cfg);
    apply(&cfg, "{\"keep_versions\": 3}", &r);
    CHECK_INT(apply_user(&cfg, "{\"keep_versions\": 5,", &r), BL_ECORRUPT);
    CHECK_INT(r.count, 1);
    CHECK_CONTAINS(r.last, "launcher.user.json: not valid JSON");
    CHECK_CONTAINS(r.last, "ignoring the file");
    CHECK_INT(cfg.keep_versions, 3);
    r.count = 0;
    CHECK_INT(apply_user(&cfg, "{\"keep_versions\": 0, \"chanel\": \"beta\"}", &r), BL_OK);
    CHECK_INT(r.count, 2);
    CHECK_CONTAINS(r.last, "launcher.user.json: unknown key 'chanel' ignored");
    CHECK_INT(cfg.keep_versions, 3);
}

static void test_print_names_the_user_file_as_a_source(void)
{
    bl_config cfg;
    reports r = {0};
    char out[4096];
    FILE *f = tmpfile();
    CHECK(f != NULL);
    bl_config_defaults(&cfg);
    apply(&cfg, "{\"keep_versions\": 4}", &r);
    apply_user(&cfg, "{\"channel\": \"beta\"}", &r);
    bl_config_print(&cfg, f);
    read_back(f, out, sizeof out);
    CHECK_CONTAINS(out, "\nchannel ");
    CHECK_CONTAINS(out, "\"beta\"");
    CHECK_CONTAINS(out, "(launcher.user.json)\n");
    CHECK_CONTAINS(out, "(launcher.json)\n");
}

static void test_help_lists_the_keys_a_user_file_may_set(void)
{
    char help[2048];
    FILE *f = tmpfile();
    int k, listed = 0;
    CHECK(f != NULL);
    bl_config_print_user_help(f);
    read_back(f, help, sizeof help);
    for (k = 0; k < BL_CFG_KEY_COUNT; k++) {
        char word[80];
        snprintf(word, sizeof word, " %s", bl_config_key_name(k));
        if (bl_config_user_may_set(k)) {
            listed++;
            CHECK(strstr(help, word) != NULL);
        } else {
            snprintf(word, sizeof word, " %s,", bl_config_key_name(k));
            CHECK(strstr(help, word) == NULL);
        }
    }
    CHECK_INT(listed, 12);
}

/* Issue 23: a budget under a second needs fractions; stored in ms so no
 * caller multiplies seconds by 1e9 by mistake, printed as it was written. */
static void test_check_seconds_takes_fractions_of_a_second(void)
{
    static const struct {
        const char *json;
        int64_t ms;
        const char *printed;
    } cases[] = {
        {"{\"check_seconds\": 0.9}", 900, "0.9"},
        {"{\"check_seconds\": 2.5}", 2500, "2.5"},
        {"{\"check_seconds\": 60}", 60000, "60"},
        {"{\"check_seconds\": 0.1}", 100, "0.1"},
        {"{\"check_seconds\": 600}", 600000, "600"},
        {"{\"check_seconds\": 1.234}", 1234, "1.234"},
        {"{\"check_seconds\": 0.3}", 300, "0.3"},      /* 0.3 * 1000 is 300.00000000000006 */
        {"{\"check_seconds\": 599.999}", 599999, "599.999"},
        {"{\"check_seconds\": 9e-1}", 900, "0.9"},
        {"{\"check_seconds\": \"1.25\"}", 1250, "1.25"},
        {"{\"check_seconds\": \"1.250\"}", 1250, "1.25"},
        {"{\"check_seconds\": \"7\"}", 7000, "7"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_config cfg;
        reports r = {0};
        char out[4096], line[96];
        FILE *f = tmpfile();
        CHECK(f != NULL);
        bl_config_defaults(&cfg);
        CHECK_INT(apply(&cfg, cases[i].json, &r), BL_OK);
        CHECK_INT(r.count, 0);
        CHECK_INT(cfg.check_ms, cases[i].ms);
        CHECK_INT(cfg.source[BL_CFG_CHECK_SECONDS], BL_SOURCE_FILE);
        bl_config_print(&cfg, f);
        read_back(f, out, sizeof out);
        snprintf(line, sizeof line, "\n%-21s %-40s (launcher.json)\n", "check_seconds", cases[i].printed);
        CHECK_CONTAINS(out, line);
    }
    {   /* a user's key, from their file; --print-config shows the default as written */
        bl_config cfg;
        reports r = {0};
        char out[4096], line[96];
        FILE *f = tmpfile();
        CHECK(f != NULL);
        bl_config_defaults(&cfg);
        bl_config_print(&cfg, f);
        read_back(f, out, sizeof out);
        snprintf(line, sizeof line, "\n%-21s %-40s (default)\n", "check_seconds", "0.9");
        CHECK_CONTAINS(out, line);
        apply(&cfg, "{\"check_seconds\": 5}", &r);
        CHECK_INT(apply_user(&cfg, "{\"check_seconds\": 0.25}", &r), BL_OK);
        CHECK_INT(r.count, 0);
        CHECK_INT(cfg.check_ms, 250);
        CHECK_INT(cfg.source[BL_CFG_CHECK_SECONDS], BL_SOURCE_USER_FILE);
        CHECK(bl_config_env_name(BL_CFG_CHECK_SECONDS) == NULL); /* no variable, as before */
        CHECK_INT(apply_user(&cfg, "{\"check_seconds\": 0}", &r), BL_OK);
        CHECK_INT(r.count, 1);
        CHECK_CONTAINS(r.last, "launcher.user.json: 'check_seconds' must be seconds from 0.1 to 600, at most 3 "
                               "decimals, got 0; using 0.25");
        CHECK_INT(cfg.check_ms, 250);
    }
}

static int apply_policy(bl_config *cfg, const char *json, reports *r)
{
    return bl_config_apply_policy_json(cfg, json, strlen(json), "/etc/bomiot/policy.json", collect, r);
}

static void test_machine_policy_wins_over_every_other_source(void)
{
    static const char *env[] = {"BOMIOT_AUTO_UPDATE", "true", "BOMIOT_CHANNEL", "beta",
                                "BOMIOT_UPDATE_URL", "https://user.example/u", NULL};
    bl_config cfg;
    reports r = {0};
    char out[8192], line[160];
    FILE *f = tmpfile();
    CHECK(f != NULL);
    bl_config_defaults(&cfg);
    apply(&cfg, "{\"update_interval\": 60, \"keep_versions\": 3}", &r);
    apply_user(&cfg, "{\"auto_update\": true, \"update_interval\": 10}", &r);
    bl_config_apply_env(&cfg, fake_getenv, env, collect, &r);
    CHECK_INT(r.count, 0);
    CHECK_INT(apply_policy(&cfg, "{\"auto_update\": false, \"update_interval\": \"86400\", \"channel\": \"stable\","
                                 " \"update_url\": \"https://mirror.corp.example/bomiot/\","
                                 " \"ca_file\": \"/etc/bomiot/corp-ca.pem\", \"target_version_prefix\": \"2.3\"}",
                           &r),
              BL_OK);
    CHECK_INT(r.count, 0);
    CHECK_INT(cfg.auto_update, 0);
    CHECK_INT(cfg.update_interval, 86400);
    CHECK_STR(cfg.channel, "stable");
    CHECK_STR(cfg.update_url, "https://mirror.corp.example/bomiot");
    CHECK_STR(cfg.ca_file, "/etc/bomiot/corp-ca.pem");
    CHECK_STR(cfg.target_version_prefix, "2.3");
    CHECK_INT(cfg.keep_versions, 3); /* not the policy's: the publisher's stays */
    CHECK_INT(cfg.source[BL_CFG_AUTO_UPDATE], BL_SOURCE_POLICY);
    CHECK_INT(cfg.source[BL_CFG_TARGET_VERSION_PREFIX], BL_SOURCE_POLICY);
    CHECK_INT(cfg.source[BL_CFG_KEEP_VERSIONS], BL_SOURCE_FILE);
    bl_config_print(&cfg, f);
    read_back(f, out, sizeof out);
    snprintf(line, sizeof line, "\n%-21s %-40s (machine policy /etc/bomiot/policy.json)\n", "auto_update", "false");
    CHECK_CONTAINS(out, line);
    snprintf(line, sizeof line, "\n%-21s %-40s (machine policy /etc/bomiot/policy.json)\n",
             "target_version_prefix", "\"2.3\"");
    CHECK_CONTAINS(out, line);
}

static void test_machine_policy_keys_and_values_are_checked(void)
{
    static const char *not_policy[] = {"app_name", "keep_versions", "splash", "check_seconds", "mode",
                                       "restart_exit_code"};
    bl_config cfg;
    reports r = {0};
    size_t i;
    char json[128], expected[256];
    bl_config_defaults(&cfg);
    for (i = 0; i < sizeof not_policy / sizeof not_policy[0]; i++) {
        snprintf(json, sizeof json, "{\"%s\": 1}", not_policy[i]);
        r.count = 0;
        CHECK_INT(apply_policy(&cfg, json, &r), BL_OK);
        CHECK_INT(r.count, 1);
        snprintf(expected, sizeof expected, "/etc/bomiot/policy.json: '%s' is not a machine policy setting",
                 not_policy[i]);
        CHECK_CONTAINS(r.last, expected);
        CHECK(cfg.source[BL_CFG_KEEP_VERSIONS] == BL_SOURCE_DEFAULT);
    }
    /* a pin only the policy may set */
    r.count = 0;
    apply(&cfg, "{\"target_version_prefix\": \"1\"}", &r);
    apply_user(&cfg, "{\"target_version_prefix\": \"1\"}", &r);
    CHECK_INT(r.count, 2);
    CHECK_CONTAINS(r.last, "launcher.user.json: 'target_version_prefix' is the machine policy's setting (");
    CHECK_STR(cfg.target_version_prefix, "");
    /* bad prefixes keep the previous value, one message each */
    {
        static const char *bad[] = {"2.", ".2", "2..3", "v2", "2.3-rc", "1234567890"};
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            snprintf(json, sizeof json, "{\"target_version_prefix\": \"%s\"}", bad[i]);
            r.count = 0;
            CHECK_INT(apply_policy(&cfg, json, &r), BL_OK);
            CHECK_INT(r.count, 1);
            CHECK_CONTAINS(r.last, "'target_version_prefix' must be a version prefix such as \"2\" or \"2.3\"");
            CHECK_STR(cfg.target_version_prefix, "");
        }
    }
    /* a malformed policy: one message, nothing applied, the rest of the config stands */
    r.count = 0;
    CHECK_INT(apply_policy(&cfg, "{\"auto_update\": false,", &r), BL_ECORRUPT);
    CHECK_INT(r.count, 1);
    CHECK_CONTAINS(r.last, "/etc/bomiot/policy.json: not valid JSON (error near byte");
    CHECK_CONTAINS(r.last, "ignoring the policy");
    CHECK_INT(cfg.auto_update, 1);
    /* the registry's form on Windows: every value a string */
    r.count = 0;
    CHECK_INT(apply_policy(&cfg, "{\"auto_update\": \"0\", \"update_interval\": \"7200\"}", &r), BL_OK);
    CHECK_INT(r.count, 0);
    CHECK_INT(cfg.auto_update, 0);
    CHECK_INT(cfg.update_interval, 7200);
}

int main(void)
{
    RUN(test_defaults_match_the_python_system);
    RUN(test_file_values_apply_and_remember_their_source);
    RUN(test_environment_overrides_the_file);
    RUN(test_update_url_loses_its_trailing_slashes);
    RUN(test_malformed_file_is_reported_and_defaults_kept);
    RUN(test_each_bad_value_names_file_key_and_expectation);
    RUN(test_strings_holding_a_nul_are_refused);
    RUN(test_bad_environment_value_keeps_the_file_value);
    RUN(test_numbers_may_be_written_as_strings);
    RUN(test_print_shows_value_and_source);
    RUN(test_splash_keys_from_the_file_and_the_environment);
    RUN(test_display_name_and_language_from_the_file);
    RUN(test_the_user_may_choose_the_language_but_not_the_name);
    RUN(test_missing_file_is_not_a_problem);
    RUN(test_trial_keys_take_a_rule_or_a_list);
    RUN(test_help_lists_every_environment_variable_with_its_key_and_default);
    RUN(test_user_file_wins_over_the_publishers_for_the_users_keys);
    RUN(test_restart_exit_code_avoids_the_launchers_codes);
    RUN(test_user_file_cannot_set_the_publishers_keys);
    RUN(test_environment_wins_over_the_user_file);
    RUN(test_malformed_user_file_is_ignored_and_the_publishers_values_stay);
    RUN(test_print_names_the_user_file_as_a_source);
    RUN(test_help_lists_the_keys_a_user_file_may_set);
    RUN(test_check_seconds_takes_fractions_of_a_second);
    RUN(test_machine_policy_wins_over_every_other_source);
    RUN(test_machine_policy_keys_and_values_are_checked);
    return CHECK_DONE();
}

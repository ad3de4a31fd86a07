/* SPDX-License-Identifier: Apache-2.0 */
#include <cJSON.h>
#include <stdlib.h>

#include "check.h"
#include "start/status.h"

#define NOW 1796443200 /* 2026-12-05T04:00:00Z */

typedef struct {
    bl_config cfg;
    bl_state state;
    bl_version_list installed;
    bl_checks checks;
    bl_activity activity;
    bl_status s;
} fixture;

/* 1.1.0 current and confirmed, 1.0.0 before it, 1.2.0 staged (120 MB), a
 * successful check 3 minutes ago, no live launcher. */
static void setup(fixture *f)
{
    memset(f, 0, sizeof *f);
    bl_config_defaults(&f->cfg);
    bl_state_init(&f->state);
    strcpy(f->state.current, "1.1.0");
    strcpy(f->state.previous, "1.0.0");
    strcpy(f->state.pending, "1.2.0");
    strcpy(f->state.install_id, "00ff");
    strcpy(f->state.blocked[0], "1.0.5");
    f->state.blocked_count = 1;
    strcpy(f->installed.names[0], "1.0.0");
    strcpy(f->installed.names[1], "1.1.0");
    strcpy(f->installed.names[2], "1.2.0");
    f->installed.count = 3;
    f->checks.last = f->checks.last_ok = NOW - 180;
    f->s.launcher_version = "0.9.0";
    f->s.launcher_path = "/opt/bomiot/bomiot-launcher";
    f->s.root = "/opt/bomiot";
    f->s.cfg = &f->cfg;
    f->s.state = &f->state;
    f->s.installed = &f->installed;
    f->s.current = "1.1.0";
    f->s.checks = &f->checks;
    f->s.staged = "1.2.0";
    f->s.staged_size = 120000000;
    f->s.now = NOW;
}

static cJSON *status_json(const bl_status *s)
{
    bl_error err;
    char *text = NULL;
    cJSON *root;
    CHECK_INT(bl_status_json(s, &text, &err), BL_OK);
    CHECK(text && !strchr(text, '\n'));
    root = cJSON_Parse(text);
    free(text);
    CHECK(root != NULL);
    return root;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : "(not a string)";
}

static double num(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(item) ? item->valuedouble : -1;
}

static int is_null(const cJSON *obj, const char *key)
{
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static void test_json_has_every_fact_of_schema_1(void)
{
    fixture f;
    cJSON *root, *item;
    setup(&f);
    root = status_json(&f.s);
    if (!root)
        return;
    CHECK_INT((int)num(root, "schema"), 1);
    CHECK_STR(str(cJSON_GetObjectItem(root, "launcher"), "version"), "0.9.0");
    CHECK_STR(str(cJSON_GetObjectItem(root, "launcher"), "path"), "/opt/bomiot/bomiot-launcher");
    CHECK_STR(str(root, "root"), "/opt/bomiot");
    CHECK_STR(str(root, "current"), "1.1.0");
    CHECK(is_null(root, "running"));
    CHECK_STR(str(root, "previous"), "1.0.0");
    item = cJSON_GetObjectItem(root, "installed");
    CHECK_INT(cJSON_GetArraySize(item), 3);
    CHECK_STR(cJSON_GetArrayItem(item, 0)->valuestring, "1.0.0");
    CHECK(is_null(root, "trial"));
    CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "blocked"), 0)->valuestring, "1.0.5");
    CHECK_STR(str(root, "channel"), "stable");
    CHECK_STR(str(root, "update_url"), "http://localhost:8000/updates");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(root, "auto_update")));
    CHECK_INT((int)num(root, "update_interval"), 3600);
    CHECK_STR(str(cJSON_GetObjectItem(root, "rollout"), "install_id"), "00ff");
    item = cJSON_GetObjectItem(root, "last_check");
    CHECK_STR(str(item, "at"), "2026-12-05T03:57:00Z");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(item, "ok")));
    CHECK_INT((int)num(item, "failures_in_a_row"), 0);
    CHECK_STR(str(item, "last_ok"), "2026-12-05T03:57:00Z");
    CHECK_STR(str(item, "next_due"), "2026-12-05T04:57:00Z");
    item = cJSON_GetObjectItem(root, "staged");
    CHECK_STR(str(item, "version"), "1.2.0");
    CHECK(num(item, "size") == 120000000);
    CHECK(is_null(root, "check"));
    CHECK(!cJSON_GetObjectItem(root, "error"));
    cJSON_Delete(root);
}

static void test_json_shows_a_live_launcher_its_app_and_its_check(void)
{
    fixture f;
    cJSON *root, *item;
    setup(&f);
    f.activity.launcher_pid = 1230;
    f.activity.app_pid = 1234;
    strcpy(f.activity.running, "1.1.0");
    f.activity.checking = 1;
    strcpy(f.activity.stage, "downloading");
    strcpy(f.activity.version, "1.3.0");
    f.activity.bytes = 1000;
    f.activity.total = 5000;
    f.activity.rate = 250000.0;
    f.activity.since = NOW - 5;
    f.s.activity = &f.activity;
    f.state.trial = 1;
    f.state.attempts = 1;
    f.checks.failures = 2;
    f.checks.last = NOW - 60;
    f.s.staged = "";
    root = status_json(&f.s);
    if (!root)
        return;
    item = cJSON_GetObjectItem(root, "running");
    CHECK_STR(str(item, "version"), "1.1.0");
    CHECK_INT((int)num(item, "launcher_pid"), 1230);
    CHECK_INT((int)num(item, "app_pid"), 1234);
    CHECK_STR(str(item, "mode"), "supervise");
    item = cJSON_GetObjectItem(root, "trial");
    CHECK_STR(str(item, "version"), "1.1.0");
    CHECK_INT((int)num(item, "attempts"), 1);
    CHECK_INT((int)num(item, "max_attempts"), 2);
    item = cJSON_GetObjectItem(root, "check");
    CHECK_STR(str(item, "stage"), "downloading");
    CHECK_STR(str(item, "version"), "1.3.0");
    CHECK_INT((int)num(item, "bytes"), 1000);
    CHECK_INT((int)num(item, "total"), 5000);
    CHECK(num(item, "rate") == 250000.0);
    CHECK_STR(str(item, "since"), "2026-12-05T03:59:55Z");
    item = cJSON_GetObjectItem(root, "last_check");
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(item, "ok")));
    CHECK_INT((int)num(item, "failures_in_a_row"), 2);
    CHECK_STR(str(item, "next_due"), "2026-12-05T04:01:00Z"); /* 2 failures: retry after 2 min */
    CHECK(is_null(root, "staged"));
    cJSON_Delete(root);
}

static void test_json_of_a_launcher_without_its_app_has_no_running(void)
{
    fixture f;
    cJSON *root;
    setup(&f);
    f.activity.launcher_pid = 1230; /* a --check holding the lock: a check, no app */
    f.s.activity = &f.activity;
    f.checks.last = 0;
    f.cfg.update_interval = 0;
    root = status_json(&f.s);
    if (!root)
        return;
    CHECK(is_null(root, "running"));
    CHECK(is_null(root, "last_check"));
    cJSON_Delete(root);
}

static void test_json_of_no_installation_says_why(void)
{
    fixture f;
    cJSON *root;
    setup(&f);
    f.s.error = "no versions folder beside the launcher";
    f.s.cfg = NULL;
    f.s.state = NULL;
    root = status_json(&f.s);
    if (!root)
        return;
    CHECK_INT((int)num(root, "schema"), 1);
    CHECK_STR(str(root, "error"), "no versions folder beside the launcher");
    CHECK_STR(str(root, "root"), "/opt/bomiot");
    CHECK(!cJSON_GetObjectItem(root, "current"));
    cJSON_Delete(root);
}

static void test_text_reads_as_aligned_sentences(void)
{
    fixture f;
    bl_error err;
    char *text = NULL;
    setup(&f);
    CHECK_INT(bl_status_text(&f.s, &text, &err), BL_OK);
    CHECK_CONTAINS(text, "Version:      1.1.0 (confirmed)\n");
    CHECK_CONTAINS(text, "Update ready: 1.2.0 (120.0 MB) - restart to use it\n");
    CHECK_CONTAINS(text, "Last check:   3 min ago, succeeded\n");
    CHECK_CONTAINS(text, "Next check:   in 57 min\n");
    CHECK_CONTAINS(text, "Installed:    1.0.0, 1.1.0, 1.2.0\n");
    CHECK_CONTAINS(text, "Previous:     1.0.0\n");
    CHECK_CONTAINS(text, "Blocked:      1.0.5 (");
    CHECK_CONTAINS(text, "Install root: /opt/bomiot\n");
    free(text);

    f.activity.launcher_pid = 1230;
    f.activity.app_pid = 1234;
    strcpy(f.activity.running, "1.1.0");
    f.activity.checking = 1;
    strcpy(f.activity.stage, "downloading");
    strcpy(f.activity.version, "1.3.0");
    f.activity.bytes = 2300000;
    f.activity.total = 5000000;
    f.s.activity = &f.activity;
    f.state.trial = 1;
    f.state.attempts = 1;
    f.s.staged = "";
    f.checks.failures = 1;
    f.checks.last = NOW - 7200;
    f.checks.last_ok = NOW - 3 * 86400;
    CHECK_INT(bl_status_text(&f.s, &text, &err), BL_OK);
    CHECK_CONTAINS(text, "Version:      1.1.0 (running, on trial: start 1 of 2)\n");
    CHECK_CONTAINS(text, "Checking:     downloading 1.3.0: 46% (2.3 MB of 5.0 MB)\n");
    CHECK_CONTAINS(text, "Last check:   2 h ago, failed (1 in a row; last success 3 days ago)\n");
    CHECK_CONTAINS(text, "Next check:   due now");
    CHECK(!strstr(text, "Update ready"));
    free(text);
}

static void test_text_escapes_what_came_from_outside(void)
{
    fixture f;
    bl_error err;
    char *text = NULL;
    setup(&f);
    f.s.root = "/tmp/evil\x1b[2J";
    CHECK_INT(bl_status_text(&f.s, &text, &err), BL_OK);
    CHECK(!strchr(text, '\x1b'));
    CHECK_CONTAINS(text, "Install root: /tmp/evil\\x1b[2J\n");
    free(text);
}

/* issue 29: the way a check goes, the proxy's URL without its password */
static void test_proxy_is_shown_with_its_source(void)
{
    fixture f;
    bl_proxy_choice proxy;
    bl_error err;
    char *text = NULL;
    cJSON *root, *item;
    setup(&f);
    memset(&proxy, 0, sizeof proxy);
    strcpy(proxy.url, "http://alice:s3cret@proxy.corp:3128");
    strcpy(proxy.shown, "http://proxy.corp:3128");
    strcpy(proxy.source, "environment https_proxy");
    f.s.proxy = &proxy;
    root = status_json(&f.s);
    if (!root)
        return;
    item = cJSON_GetObjectItem(root, "proxy");
    CHECK_STR(str(item, "url"), "http://proxy.corp:3128");
    CHECK_STR(str(item, "source"), "environment https_proxy");
    cJSON_Delete(root);
    CHECK_INT(bl_status_text(&f.s, &text, &err), BL_OK);
    CHECK_CONTAINS(text, "Proxy:        http://proxy.corp:3128 (environment https_proxy)\n");
    CHECK(!strstr(text, "s3cret"));
    free(text);

    memset(&proxy, 0, sizeof proxy);
    strcpy(proxy.source, "launcher.json no_proxy");
    root = status_json(&f.s);
    if (!root)
        return;
    CHECK(is_null(cJSON_GetObjectItem(root, "proxy"), "url"));
    cJSON_Delete(root);
    CHECK_INT(bl_status_text(&f.s, &text, &err), BL_OK);
    CHECK_CONTAINS(text, "Proxy:        none (launcher.json no_proxy)\n");
    free(text);
}

int main(void)
{
    RUN(test_proxy_is_shown_with_its_source);
    RUN(test_json_has_every_fact_of_schema_1);
    RUN(test_json_shows_a_live_launcher_its_app_and_its_check);
    RUN(test_json_of_a_launcher_without_its_app_has_no_running);
    RUN(test_json_of_no_installation_says_why);
    RUN(test_text_reads_as_aligned_sentences);
    RUN(test_text_escapes_what_came_from_outside);
    return CHECK_DONE();
}

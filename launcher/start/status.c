/* SPDX-License-Identifier: Apache-2.0 */
#include "status.h"

#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static cJSON *text_or_null(const char *text)
{
    return text && text[0] ? cJSON_CreateString(text) : cJSON_CreateNull();
}

static cJSON *time_or_null(int64_t t)
{
    char text[32];
    if (t <= 0)
        return cJSON_CreateNull();
    bl_activity_format_time(t, text, sizeof text);
    return cJSON_CreateString(text);
}

static cJSON *version_array(const char (*names)[BL_VERSION_MAX_TEXT], int n)
{
    cJSON *array = cJSON_CreateArray();
    int i;
    for (i = 0; array && i < n; i++)
        cJSON_AddItemToArray(array, cJSON_CreateString(names[i]));
    return array;
}

static cJSON *running_object(const bl_activity *a)
{
    cJSON *obj;
    if (!a || a->app_pid <= 0 || !(obj = cJSON_CreateObject()))
        return cJSON_CreateNull();
    cJSON_AddItemToObject(obj, "version", text_or_null(a->running));
    cJSON_AddNumberToObject(obj, "launcher_pid", (double)a->launcher_pid);
    cJSON_AddNumberToObject(obj, "app_pid", (double)a->app_pid);
    cJSON_AddStringToObject(obj, "mode", a->mode == BL_MODE_EXEC ? "exec" : "supervise");
    return obj;
}

static cJSON *check_object(const bl_activity *a)
{
    cJSON *obj;
    if (!a || !a->checking || !(obj = cJSON_CreateObject()))
        return cJSON_CreateNull();
    cJSON_AddStringToObject(obj, "stage", a->stage);
    cJSON_AddItemToObject(obj, "version", text_or_null(a->version));
    cJSON_AddNumberToObject(obj, "bytes", (double)a->bytes);
    cJSON_AddNumberToObject(obj, "total", (double)a->total);
    cJSON_AddNumberToObject(obj, "rate", a->rate);
    cJSON_AddItemToObject(obj, "since", time_or_null(a->since));
    return obj;
}

/* next_due: null when update_interval is 0 (no periodic checks: one at
 * every launch). */
static cJSON *last_check_object(const bl_status *s)
{
    const bl_checks *c = s->checks;
    cJSON *obj;
    if (!c || c->last <= 0 || !(obj = cJSON_CreateObject()))
        return cJSON_CreateNull();
    cJSON_AddItemToObject(obj, "at", time_or_null(c->last));
    cJSON_AddBoolToObject(obj, "ok", c->failures == 0);
    cJSON_AddNumberToObject(obj, "failures_in_a_row", c->failures);
    cJSON_AddItemToObject(obj, "last_ok", time_or_null(c->last_ok));
    cJSON_AddItemToObject(obj, "next_due",
                          s->cfg->update_interval > 0
                              ? time_or_null(s->now + bl_checks_due_in(c, s->cfg->update_interval, s->now))
                              : cJSON_CreateNull());
    return obj;
}

static void add_installation(cJSON *root, const bl_status *s)
{
    const bl_state *st = s->state;
    cJSON *obj;

    cJSON_AddItemToObject(root, "current", text_or_null(s->current));
    cJSON_AddItemToObject(root, "running", running_object(s->activity));
    cJSON_AddItemToObject(root, "previous", text_or_null(st->previous));
    cJSON_AddItemToObject(root, "installed",
                          version_array((const char (*)[BL_VERSION_MAX_TEXT])s->installed->names, s->installed->count));
    if (st->trial && st->current[0] && (obj = cJSON_CreateObject())) {
        cJSON_AddStringToObject(obj, "version", st->current);
        cJSON_AddNumberToObject(obj, "attempts", st->attempts);
        cJSON_AddNumberToObject(obj, "max_attempts", (double)s->cfg->trial_attempts);
        cJSON_AddItemToObject(root, "trial", obj);
    } else {
        cJSON_AddNullToObject(root, "trial");
    }
    cJSON_AddItemToObject(root, "blocked",
                          version_array((const char (*)[BL_VERSION_MAX_TEXT])st->blocked, st->blocked_count));
    cJSON_AddStringToObject(root, "channel", s->cfg->channel);
    cJSON_AddStringToObject(root, "update_url", s->cfg->update_url);
    cJSON_AddBoolToObject(root, "auto_update", s->cfg->auto_update);
    cJSON_AddNumberToObject(root, "update_interval", (double)s->cfg->update_interval);
    if ((obj = cJSON_CreateObject())) {
        cJSON_AddItemToObject(obj, "install_id", text_or_null(st->install_id));
        cJSON_AddItemToObject(root, "rollout", obj);
    }
    cJSON_AddItemToObject(root, "last_check", last_check_object(s));
    if (s->staged && s->staged[0] && (obj = cJSON_CreateObject())) {
        cJSON_AddStringToObject(obj, "version", s->staged);
        cJSON_AddNumberToObject(obj, "size", (double)s->staged_size);
        cJSON_AddItemToObject(root, "staged", obj);
    } else {
        cJSON_AddNullToObject(root, "staged");
    }
    cJSON_AddItemToObject(root, "check", check_object(s->activity));
    if (s->proxy && (obj = cJSON_CreateObject())) { /* the proxy's URL without its credentials */
        cJSON_AddItemToObject(obj, "url", text_or_null(s->proxy->shown));
        cJSON_AddStringToObject(obj, "source", s->proxy->source);
        cJSON_AddItemToObject(root, "proxy", obj);
    }
}

int bl_status_json(const bl_status *s, char **out, bl_error *err)
{
    cJSON *root = cJSON_CreateObject(), *launcher;
    char *text = NULL;

    *out = NULL;
    if (root && cJSON_AddNumberToObject(root, "schema", BL_STATUS_SCHEMA) &&
        (launcher = cJSON_AddObjectToObject(root, "launcher"))) {
        cJSON_AddStringToObject(launcher, "version", s->launcher_version);
        cJSON_AddStringToObject(launcher, "path", s->launcher_path);
        cJSON_AddItemToObject(root, "root", text_or_null(s->root));
        if (s->error)
            cJSON_AddStringToObject(root, "error", s->error);
        else
            add_installation(root, s);
        text = cJSON_PrintUnformatted(root);
    }
    cJSON_Delete(root);
    if (!text)
        return bl_error_set(err, BL_ENOMEM, "out of memory writing the status");
    *out = text;
    return BL_OK;
}

/* Text from outside (a path, the update URL from the environment) as one
 * line that cannot drive the terminal (log.h). */
static const char *escaped(const char *in, char *out, size_t size)
{
    bl_log_escape(in ? in : "unknown", out, size);
    return out;
}

/* The human form, built in a growing buffer. */
typedef struct {
    char *text;
    size_t len, size;
    int failed;
} text_buf;

static void put(text_buf *b, const char *fmt, ...) BL_PRINTF(2, 3);

static void put(text_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *bigger;
    if (b->failed)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(b->text ? b->text + b->len : NULL, b->text ? b->size - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->text && (size_t)n < b->size - b->len) {
            b->len += (size_t)n;
            return;
        }
        if (!(bigger = realloc(b->text, b->size + (size_t)n + 1024))) {
            b->failed = 1;
            return;
        }
        b->text = bigger;
        b->size += (size_t)n + 1024;
    }
}

/* "3 min ago", "2 h ago", "just now"; "in 5 min" for the future. */
static void describe_age(int64_t t, int64_t now, char *out, size_t size)
{
    int64_t d = now - t, a = d < 0 ? -d : d;
    const char *before = d < 0 ? "in " : "", *after = d < 0 ? "" : " ago";
    if (a < 60)
        snprintf(out, size, "%s", d < 0 ? "in under a minute" : "just now");
    else if (a < 3600)
        snprintf(out, size, "%s%lld min%s", before, (long long)(a / 60), after);
    else if (a < 2 * 86400)
        snprintf(out, size, "%s%lld h%s", before, (long long)(a / 3600), after);
    else
        snprintf(out, size, "%s%lld days%s", before, (long long)(a / 86400), after);
}

/* Bytes for a person: "950 kB", "120 MB", "1.2 GB" (powers of 1000, like the check's output). */
static void describe_size(uint64_t bytes, char *out, size_t size)
{
    if (bytes < 1000000)
        snprintf(out, size, "%llu kB", (unsigned long long)((bytes + 999) / 1000));
    else if (bytes < 10000000000ULL)
        snprintf(out, size, "%.1f MB", (double)bytes / 1e6);
    else
        snprintf(out, size, "%.1f GB", (double)bytes / 1e9);
}

static void put_version_line(text_buf *b, const bl_status *s)
{
    const bl_activity *a = s->activity;
    const int running = a && a->app_pid > 0 && strcmp(a->running, s->current) == 0;
    if (!s->current[0]) {
        put(b, "Version:      none installed\n");
        return;
    }
    put(b, "Version:      %s (%s", s->current, running ? "running, " : "");
    if (s->state->trial && strcmp(s->state->current, s->current) == 0)
        put(b, "on trial: start %d of %lld)\n", s->state->attempts, (long long)s->cfg->trial_attempts);
    else
        put(b, "confirmed)\n");
    if (a && a->app_pid > 0 && !running) /* the file names another version: the app runs it still */
        put(b, "Running:      %s\n", a->running[0] ? a->running : "an app");
}

static void put_check_lines(text_buf *b, const bl_status *s)
{
    const bl_activity *a = s->activity;
    const bl_checks *c = s->checks;
    char age[48], done[32], total[32];

    if (a && a->checking) {
        put(b, "Checking:     %s%s%s", a->stage, a->version[0] ? " " : "", a->version);
        if (a->total > 0) {
            describe_size(a->bytes, done, sizeof done);
            describe_size(a->total, total, sizeof total);
            put(b, ": %d%% (%s of %s)", (int)(a->bytes * 100 / a->total), done, total);
        }
        put(b, "\n");
    }
    if (!c || c->last <= 0) {
        put(b, "Last check:   never\n");
    } else {
        describe_age(c->last, s->now, age, sizeof age);
        if (c->failures == 0) {
            put(b, "Last check:   %s, %s\n", age,
                s->staged[0] || !s->cfg->auto_update ? "succeeded" : "up to date");
        } else {
            put(b, "Last check:   %s, failed (%d in a row", age, c->failures);
            if (c->last_ok > 0) {
                describe_age(c->last_ok, s->now, age, sizeof age);
                put(b, "; last success %s", age);
            }
            put(b, ")\n");
        }
    }
    if (s->cfg->update_interval > 0) {
        int64_t due = c ? bl_checks_due_in(c, s->cfg->update_interval, s->now) : 0;
        describe_age(s->now + due, s->now, age, sizeof age);
        put(b, "Next check:   %s\n", due > 0 ? age : "due now (at the next launch, or soon while the app runs)");
    } else {
        put(b, "Next check:   at the next launch (update_interval 0)\n");
    }
}

int bl_status_text(const bl_status *s, char **out, bl_error *err)
{
    text_buf b = {NULL, 0, 0, 0};
    char size[32], safe[4 * BL_PATH_MAX];
    int i;

    *out = NULL;
    if (s->error) {
        put(&b, "Not an installation: %s\n", escaped(s->error, safe, sizeof safe));
    } else {
        put_version_line(&b, s);
        if (s->staged[0]) {
            describe_size(s->staged_size, size, sizeof size);
            put(&b, "Update ready: %s (%s) - restart to use it\n", s->staged, size);
        }
        put_check_lines(&b, s);
        put(&b, "Updates:      %s, channel %s, from %s\n", s->cfg->auto_update ? "automatic" : "off (auto_update false)",
            s->cfg->channel, escaped(s->cfg->update_url, safe, sizeof safe));
        if (s->proxy) {
            put(&b, "Proxy:        %s", s->proxy->shown[0] ? escaped(s->proxy->shown, safe, sizeof safe) : "none");
            put(&b, " (%s)\n", escaped(s->proxy->source, safe, sizeof safe));
        }
        put(&b, "Installed:    ");
        for (i = 0; i < s->installed->count; i++)
            put(&b, "%s%s", i ? ", " : "", s->installed->names[i]);
        put(&b, "%s\n", s->installed->count ? "" : "none");
        if (s->state->previous[0])
            put(&b, "Previous:     %s\n", s->state->previous);
        if (s->state->blocked_count) {
            put(&b, "Blocked:      ");
            for (i = 0; i < s->state->blocked_count; i++)
                put(&b, "%s%s", i ? ", " : "", s->state->blocked[i]);
            put(&b, " (failed a trial here; --unblock VERSION lets updates offer it again)\n");
        }
    }
    put(&b, "Install root: %s\n", escaped(s->root, safe, sizeof safe));
    put(&b, "Launcher:     %s (%s)\n", s->launcher_version, escaped(s->launcher_path, safe, sizeof safe));
    if (b.failed) {
        free(b.text);
        return bl_error_set(err, BL_ENOMEM, "out of memory writing the status");
    }
    *out = b.text;
    return BL_OK;
}

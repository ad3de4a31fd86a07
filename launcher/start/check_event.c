/* SPDX-License-Identifier: Apache-2.0 */
#include "check_event.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* The JSON names, indexed by enum bl_check_kind. */
static const char *const names[BL_CHECK_KIND_COUNT] = {
    "checking", "found",      "downloading", "applying", "verifying", "installing",
    "up-to-date", "staged", "available", "failed", "busy",
};

static void set_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static void event_init(bl_check_event *e, int kind, const char *version)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    set_text(e->version, sizeof e->version, version);
}

int bl_check_stream_next(bl_check_stream *s, const bl_progress_view *view, const char *current, uint64_t now_ns,
                         bl_check_event out[3])
{
    int n = 0, kind = -1;
    if (!s->started) {
        event_init(&out[n++], BL_CHECK_CHECKING, NULL);
        s->started = 1;
        s->stage = BL_STAGE_CHECKING;
    }
    if (!view)
        return n;
    if (!s->found && view->release[0]) {
        event_init(&out[n], BL_CHECK_FOUND, view->release);
        set_text(out[n++].current, sizeof out[0].current, current);
        s->found = 1;
    }
    if (!s->found) /* the stages before a release is chosen are all "checking" */
        return n;
    switch (view->stage) {
    case BL_STAGE_DOWNLOADING: kind = BL_CHECK_DOWNLOADING; break;
    case BL_STAGE_APPLYING: kind = BL_CHECK_APPLYING; break;
    case BL_STAGE_VERIFYING: kind = BL_CHECK_VERIFYING; break;
    case BL_STAGE_INSTALLING: kind = BL_CHECK_INSTALLING; break;
    default: return n;
    }
    if (kind == BL_CHECK_DOWNLOADING) {
        /* the first of a download at once, then at most every ..._EVERY_NS */
        if (s->stage == BL_STAGE_DOWNLOADING && now_ns - s->last_download_ns < BL_CHECK_DOWNLOAD_EVERY_NS)
            return n;
        event_init(&out[n], kind, view->release);
        out[n].bytes = view->done;
        out[n].total = view->total;
        out[n++].rate = view->rate;
        s->last_download_ns = now_ns;
    } else if (s->stage != view->stage) {
        event_init(&out[n++], kind, view->release);
    }
    s->stage = view->stage;
    return n;
}

void bl_check_final(int rc, const char *error, int installed, const char *version, const char *current,
                    bl_check_event *out)
{
    if (rc != BL_OK) {
        event_init(out, BL_CHECK_FAILED, NULL);
        set_text(out->error, sizeof out->error, error && *error ? error : "the update check failed");
    } else if (installed && version && *version) {
        event_init(out, BL_CHECK_STAGED, version);
    } else if (version && *version) {
        event_init(out, BL_CHECK_AVAILABLE, version);
    } else {
        event_init(out, BL_CHECK_UP_TO_DATE, current);
    }
}

int bl_check_is_final(int kind)
{
    return kind >= BL_CHECK_UP_TO_DATE && kind < BL_CHECK_KIND_COUNT;
}

int bl_check_exit_code(int kind)
{
    switch (kind) {
    case BL_CHECK_UP_TO_DATE: return 0;
    case BL_CHECK_STAGED: return BL_CHECK_EXIT_STAGED;
    case BL_CHECK_AVAILABLE: return BL_CHECK_EXIT_AVAILABLE;
    case BL_CHECK_BUSY: return BL_CHECK_EXIT_BUSY;
    default: return 1;
    }
}

int bl_check_event_json(const bl_check_event *e, char *out, size_t size)
{
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    int rc = BL_ENOMEM, kind = e->kind;
    size_t len;

    if (!o || kind < 0 || kind >= BL_CHECK_KIND_COUNT || !cJSON_AddStringToObject(o, "event", names[kind]))
        goto cleanup;
    if (kind == BL_CHECK_FAILED || kind == BL_CHECK_BUSY) {
        if (!cJSON_AddStringToObject(o, "error", e->error))
            goto cleanup;
    } else if (kind != BL_CHECK_CHECKING && !cJSON_AddStringToObject(o, "version", e->version)) {
        goto cleanup;
    }
    if (kind == BL_CHECK_FOUND && !cJSON_AddStringToObject(o, "current", e->current))
        goto cleanup;
    if (kind == BL_CHECK_DOWNLOADING &&
        (!cJSON_AddNumberToObject(o, "bytes", (double)e->bytes) ||
         !cJSON_AddNumberToObject(o, "total", (double)e->total) || !cJSON_AddNumberToObject(o, "rate", e->rate)))
        goto cleanup;
    if (!(text = cJSON_PrintUnformatted(o)))
        goto cleanup;
    len = strlen(text);
    rc = BL_ETOOBIG;
    if (len + 2 > size)
        goto cleanup;
    memcpy(out, text, len);
    out[len] = '\n';
    out[len + 1] = '\0';
    rc = BL_OK;
cleanup:
    free(text);
    cJSON_Delete(o);
    return rc;
}

static void copy_string(const cJSON *o, const char *key, char *dst, size_t size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(item))
        set_text(dst, size, item->valuestring);
}

static uint64_t get_count(const cJSON *o, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(item) && item->valuedouble > 0 ? (uint64_t)item->valuedouble : 0;
}

int bl_check_event_parse(const char *line, size_t len, bl_check_event *out)
{
    cJSON *o = cJSON_ParseWithLength(line, len);
    const cJSON *event = cJSON_GetObjectItemCaseSensitive(o, "event"), *rate;
    int kind, rc = BL_ECORRUPT;

    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(o) || !cJSON_IsString(event))
        goto cleanup;
    for (kind = 0; kind < BL_CHECK_KIND_COUNT && strcmp(names[kind], event->valuestring) != 0; kind++)
        ;
    if (kind == BL_CHECK_KIND_COUNT)
        goto cleanup;
    out->kind = kind;
    copy_string(o, "version", out->version, sizeof out->version);
    copy_string(o, "current", out->current, sizeof out->current);
    copy_string(o, "error", out->error, sizeof out->error);
    out->bytes = get_count(o, "bytes");
    out->total = get_count(o, "total");
    rate = cJSON_GetObjectItemCaseSensitive(o, "rate");
    out->rate = cJSON_IsNumber(rate) && rate->valuedouble > 0 ? rate->valuedouble : 0;
    rc = BL_OK;
cleanup:
    cJSON_Delete(o);
    return rc;
}

/* Text from a server or a peer reaches a terminal without its control
 * characters (an escape sequence could rewrite the screen). */
static void clean(const char *src, char *dst, size_t size)
{
    size_t i;
    set_text(dst, size, src);
    for (i = 0; dst[i]; i++) {
        if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
            dst[i] = '?';
    }
}

static void megabytes(uint64_t bytes, char *out, size_t size)
{
    snprintf(out, size, "%.1f", (double)bytes / 1e6);
}

void bl_check_event_text(const bl_check_event *e, const char *title, char *out, size_t size)
{
    char v[BL_VERSION_MAX_TEXT], cur[BL_VERSION_MAX_TEXT], error[256], done[32], total[32], rate[32];
    clean(e->version, v, sizeof v);
    clean(e->current, cur, sizeof cur);
    clean(e->error, error, sizeof error);
    switch (e->kind) {
    case BL_CHECK_CHECKING: snprintf(out, size, "Checking for updates..."); break;
    case BL_CHECK_FOUND: snprintf(out, size, "%s %s is available (this is %s).", title, v, cur); break;
    case BL_CHECK_DOWNLOADING:
        megabytes(e->bytes, done, sizeof done);
        megabytes(e->total, total, sizeof total);
        if (e->rate > 0)
            snprintf(rate, sizeof rate, ", %.1f MB/s", e->rate / 1e6);
        else
            rate[0] = '\0';
        if (e->total > 0)
            snprintf(out, size, "Downloading %s %s: %d%% (%s of %s MB%s)", title, v,
                     (int)(e->bytes >= e->total ? 100 : e->bytes * 100 / e->total), done, total, rate);
        else
            snprintf(out, size, "Downloading %s %s: %s MB%s", title, v, done, rate);
        break;
    case BL_CHECK_APPLYING: snprintf(out, size, "Applying the patch towards %s %s...", title, v); break;
    case BL_CHECK_VERIFYING: snprintf(out, size, "Verifying %s %s...", title, v); break;
    case BL_CHECK_INSTALLING: snprintf(out, size, "Installing %s %s...", title, v); break;
    case BL_CHECK_UP_TO_DATE: snprintf(out, size, "%s %s is up to date.", title, v); break;
    case BL_CHECK_STAGED:
        snprintf(out, size, "%s %s is ready: it starts at the next launch, or restart now.", title, v);
        break;
    case BL_CHECK_AVAILABLE:
        snprintf(out, size, "%s %s is available; automatic updates are off, so it was not downloaded.", title, v);
        break;
    case BL_CHECK_FAILED: snprintf(out, size, "The update check failed: %s", error); break;
    case BL_CHECK_BUSY: snprintf(out, size, "%s", error); break;
    default: snprintf(out, size, "?"); break;
    }
}

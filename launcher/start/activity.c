/* SPDX-License-Identifier: Apache-2.0 */
#include "activity.h"

#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "config.h"

/* Days since 1970-01-01 of a proleptic Gregorian date, and back: the civil
 * calendar in 400-year eras of 146097 days, so no time zone or gmtime
 * variant (gmtime_r, gmtime_s) is involved. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void bl_activity_format_time(int64_t t, char *out, size_t size)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), secs = t - days * 86400, y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, size, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
}

int bl_activity_parse_time(const char *text, int64_t *out)
{
    int y, mo, d, h, mi, s, n = 0;
    if (strlen(text) != 20 || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
        n != 20 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || h < 0 || mi < 0 || s < 0)
        return BL_EINVAL;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return BL_OK;
}

static const char *stage_name(int stage)
{
    switch (stage) {
    case BL_STAGE_STARTING:
    case BL_STAGE_CHECKING:
        return "checking";
    case BL_STAGE_DOWNLOADING:
        return "downloading";
    case BL_STAGE_APPLYING:
        return "applying";
    case BL_STAGE_VERIFYING:
        return "verifying";
    default:
        return "installing";
    }
}

/* The version a stage's detail names: itself, or the part of a download's
 * name "<app>-<version>.tar.gz" / "<app>-<version>.patch" between the last
 * '-' and the suffix. 0 when it names none. */
static int version_in_detail(const char *detail, char *out, size_t size)
{
    static const char *const suffixes[] = {".tar.gz", ".patch"};
    const char *start = strrchr(detail, '-');
    char name[BL_VERSION_MAX_TEXT];
    bl_version parsed;
    bl_error err;
    size_t i, len, cut;

    if (bl_version_is_safe_name(detail) && bl_version_parse(detail, &parsed, &err) == BL_OK)
        return snprintf(out, size, "%s", detail) < (int)size;
    if (!start)
        return 0;
    len = strlen(++start);
    for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        cut = strlen(suffixes[i]);
        if (len > cut && len - cut < sizeof name && strcmp(start + len - cut, suffixes[i]) == 0) {
            memcpy(name, start, len - cut);
            name[len - cut] = '\0';
            if (bl_version_is_safe_name(name) && bl_version_parse(name, &parsed, &err) == BL_OK)
                return snprintf(out, size, "%s", name) < (int)size;
        }
    }
    return 0;
}

void bl_activity_from_progress(bl_activity *a, const bl_progress_view *view, int64_t now)
{
    a->updated = now;
    if (!view) {
        a->checking = 0;
        a->stage[0] = a->version[0] = '\0';
        a->bytes = a->total = 0;
        a->rate = 0;
        a->since = 0;
        return;
    }
    if (!a->checking) {
        a->checking = 1;
        a->since = now;
        a->version[0] = '\0';
    }
    snprintf(a->stage, sizeof a->stage, "%s", stage_name(view->stage));
    version_in_detail(view->detail, a->version, sizeof a->version);
    a->bytes = view->stage == BL_STAGE_DOWNLOADING ? view->done : 0;
    a->total = view->stage == BL_STAGE_DOWNLOADING ? view->total : 0;
    a->rate = view->stage == BL_STAGE_DOWNLOADING && view->rate > 0 ? view->rate : 0;
}

static cJSON *string_or_null(const char *text)
{
    return text[0] ? cJSON_CreateString(text) : cJSON_CreateNull();
}

static cJSON *check_object(const bl_activity *a)
{
    char since[32];
    cJSON *check = cJSON_CreateObject();
    if (!check)
        return NULL;
    bl_activity_format_time(a->since, since, sizeof since);
    cJSON_AddStringToObject(check, "stage", a->stage);
    cJSON_AddItemToObject(check, "version", string_or_null(a->version));
    cJSON_AddNumberToObject(check, "bytes", (double)a->bytes);
    cJSON_AddNumberToObject(check, "total", (double)a->total);
    cJSON_AddNumberToObject(check, "rate", a->rate);
    cJSON_AddStringToObject(check, "since", since);
    return check;
}

int bl_activity_serialize(const bl_activity *a, char **out, bl_error *err)
{
    cJSON *root = cJSON_CreateObject();
    char *text = NULL;

    *out = NULL;
    if (root) {
        cJSON_AddNumberToObject(root, "launcher_pid", (double)a->launcher_pid);
        cJSON_AddItemToObject(root, "app_pid", a->app_pid > 0 ? cJSON_CreateNumber((double)a->app_pid)
                                                              : cJSON_CreateNull());
        cJSON_AddItemToObject(root, "running", string_or_null(a->running));
        cJSON_AddStringToObject(root, "mode", a->mode == BL_MODE_EXEC ? "exec" : "supervise");
        cJSON_AddItemToObject(root, "check", a->checking ? check_object(a) : cJSON_CreateNull());
        cJSON_AddNumberToObject(root, "updated", (double)a->updated);
        text = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
    }
    if (!text)
        return bl_error_set(err, BL_ENOMEM, "out of memory writing the activity file");
    *out = text;
    return BL_OK;
}

/* A whole number in [min, 2^53] (exact in a double), or null/absent when
 * allowed (0 then). */
static int read_integer(const cJSON *obj, const char *key, int nullable, double min, double *out, bl_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = 0;
    if (nullable && (!item || cJSON_IsNull(item)))
        return BL_OK;
    if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble) || item->valuedouble < min ||
        item->valuedouble > 9007199254740992.0)
        return bl_error_set(err, BL_ECORRUPT, "'%s' must be a whole number", key);
    *out = item->valuedouble;
    return BL_OK;
}

static int read_version(const cJSON *obj, const char *key, char *out, bl_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    out[0] = '\0';
    if (!item || cJSON_IsNull(item))
        return BL_OK;
    if (!cJSON_IsString(item) || !bl_version_is_safe_name(item->valuestring))
        return bl_error_set(err, BL_ECORRUPT, "'%s' must be a version or null", key);
    strcpy(out, item->valuestring); /* safe name: shorter than BL_VERSION_MAX_TEXT */
    return BL_OK;
}

static int parse_check(const cJSON *check, bl_activity *out, bl_error *err)
{
    const cJSON *stage = cJSON_GetObjectItemCaseSensitive(check, "stage");
    const cJSON *since = cJSON_GetObjectItemCaseSensitive(check, "since");
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(check, "rate");
    double bytes, total;
    int rc;

    if (!cJSON_IsString(stage) || strlen(stage->valuestring) >= sizeof out->stage)
        return bl_error_set(err, BL_ECORRUPT, "'check.stage' must be a stage name");
    if (!cJSON_IsString(since) || bl_activity_parse_time(since->valuestring, &out->since) != BL_OK)
        return bl_error_set(err, BL_ECORRUPT, "'check.since' must be a UTC time like 2026-12-05T03:00:00Z");
    if (!cJSON_IsNumber(rate) || !(rate->valuedouble >= 0) || isinf(rate->valuedouble))
        return bl_error_set(err, BL_ECORRUPT, "'check.rate' must be a number of bytes per second");
    if ((rc = read_version(check, "version", out->version, err)) != BL_OK ||
        (rc = read_integer(check, "bytes", 0, 0, &bytes, err)) != BL_OK ||
        (rc = read_integer(check, "total", 0, 0, &total, err)) != BL_OK)
        return rc;
    strcpy(out->stage, stage->valuestring);
    out->bytes = (uint64_t)bytes;
    out->total = (uint64_t)total;
    out->rate = rate->valuedouble;
    out->checking = 1;
    return BL_OK;
}

int bl_activity_parse(const char *text, size_t len, bl_activity *out, bl_error *err)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *mode, *check;
    double launcher_pid, app_pid, updated;
    int rc;

    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(root)) {
        rc = bl_error_set(err, BL_ECORRUPT, "not a JSON object");
        goto cleanup;
    }
    mode = cJSON_GetObjectItemCaseSensitive(root, "mode");
    check = cJSON_GetObjectItemCaseSensitive(root, "check");
    if ((rc = read_integer(root, "launcher_pid", 0, 1, &launcher_pid, err)) != BL_OK ||
        (rc = read_integer(root, "app_pid", 1, 1, &app_pid, err)) != BL_OK ||
        (rc = read_integer(root, "updated", 0, 0, &updated, err)) != BL_OK ||
        (rc = read_version(root, "running", out->running, err)) != BL_OK)
        goto cleanup;
    if (!cJSON_IsString(mode) || (strcmp(mode->valuestring, "supervise") != 0 && strcmp(mode->valuestring, "exec") != 0)) {
        rc = bl_error_set(err, BL_ECORRUPT, "'mode' must be \"supervise\" or \"exec\"");
        goto cleanup;
    }
    if (check && !cJSON_IsNull(check)) {
        if (!cJSON_IsObject(check)) {
            rc = bl_error_set(err, BL_ECORRUPT, "'check' must be an object or null");
            goto cleanup;
        }
        if ((rc = parse_check(check, out, err)) != BL_OK)
            goto cleanup;
    }
    out->launcher_pid = (int64_t)launcher_pid;
    out->app_pid = (int64_t)app_pid;
    out->updated = (int64_t)updated;
    out->mode = strcmp(mode->valuestring, "exec") == 0 ? BL_MODE_EXEC : BL_MODE_SUPERVISE;
    rc = BL_OK;
cleanup:
    cJSON_Delete(root);
    if (rc != BL_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* A cache rewritten twice a second during a download: a flush each time
 * would make the supervising loop wait on the disk the download fills. */
static int write_unflushed(const char *path, const char *text, bl_error *err)
{
    char tmp[BL_PATH_MAX];
    uv_fs_t req;
    uv_buf_t buf;
    uv_file fd;
    int rc;

    if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)uv_os_getpid()) >= (int)sizeof tmp)
        return bl_error_set(err, BL_ETOOBIG, "path too long: %s", path);
    rc = uv_fs_open(NULL, &req, tmp, UV_FS_O_WRONLY | UV_FS_O_CREAT | UV_FS_O_TRUNC, 0644, NULL);
    uv_fs_req_cleanup(&req);
    if (rc < 0)
        return bl_error_sys(err, rc, "cannot write %s", tmp);
    fd = rc;
    buf = uv_buf_init((char *)text, (unsigned int)strlen(text));
    rc = uv_fs_write(NULL, &req, fd, &buf, 1, 0, NULL);
    uv_fs_req_cleanup(&req);
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    if (rc >= 0 && (size_t)rc != buf.len)
        rc = UV_EIO;
    if (rc >= 0) {
        rc = uv_fs_rename(NULL, &req, tmp, path, NULL);
        uv_fs_req_cleanup(&req);
    }
    if (rc < 0) {
        uv_fs_unlink(NULL, &req, tmp, NULL);
        uv_fs_req_cleanup(&req);
        return bl_error_sys(err, rc, "cannot write %s", path);
    }
    return BL_OK;
}

int bl_activity_save(const char *path, const bl_activity *a, bl_error *err)
{
    char *text = NULL;
    int rc = bl_activity_serialize(a, &text, err);
    if (rc == BL_OK)
        rc = write_unflushed(path, text, err);
    free(text);
    return rc;
}

int bl_activity_load(const char *path, bl_activity *out, bl_error *err)
{
    char *text = NULL;
    size_t len;
    int rc = bl_fs_read_all(path, BL_ACTIVITY_FILE_MAX, &text, &len, err);
    memset(out, 0, sizeof *out);
    if (rc == BL_ETOOBIG)
        rc = bl_error_set(err, BL_ECORRUPT, "%s: too long for an activity file", path);
    if (rc == BL_OK && (rc = bl_activity_parse(text, len, out, err)) != BL_OK)
        bl_error_prefix(err, "%s: ", path);
    free(text);
    return rc;
}

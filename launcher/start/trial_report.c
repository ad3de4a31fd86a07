/* SPDX-License-Identifier: Apache-2.0 */
#include "trial_report.h"

#include <cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "trial.h"

#define REPORT_SUFFIX ".json"

const char *bl_trial_report_verdict_name(int verdict)
{
    return verdict == BL_TRIAL_HEALTHY ? "healthy" : verdict == BL_TRIAL_CRASHED ? "crash" : NULL;
}

static int verdict_from_name(const char *text, size_t len)
{
    if (len == strlen("healthy") && memcmp(text, "healthy", len) == 0)
        return BL_TRIAL_HEALTHY;
    if (len == strlen("crash") && memcmp(text, "crash", len) == 0)
        return BL_TRIAL_CRASHED;
    return BL_TRIAL_PENDING;
}

static int is_tag(const char *text, size_t len)
{
    size_t i;
    if (len != BL_TRIAL_REPORT_TAG_LEN)
        return 0;
    for (i = 0; i < len; i++)
        if (!strchr("0123456789abcdef", text[i]) || !text[i])
            return 0;
    return 1;
}

int bl_trial_report_name(const char *version, int verdict, const char *tag, char *out, size_t size, bl_error *err)
{
    const char *word = bl_trial_report_verdict_name(verdict);
    int n;
    if (!bl_version_is_safe_name(version))
        return bl_error_set(err, BL_EINVAL, "no report can name version '%s'", version);
    if (!word)
        return bl_error_set(err, BL_EINVAL, "a report carries a crash or a healthy run, not verdict %d", verdict);
    if (!is_tag(tag, strlen(tag)))
        return bl_error_set(err, BL_EINVAL, "a report's tag is %d lowercase hex digits", BL_TRIAL_REPORT_TAG_LEN);
    n = snprintf(out, size, "%s.%s.%s" REPORT_SUFFIX, version, word, tag);
    if (n < 0 || (size_t)n >= size)
        return bl_error_set(err, BL_ETOOBIG, "a report's name for version %s does not fit", version);
    return BL_OK;
}

/* From the end, as a version holds dots of its own:
 * <version>.<verdict>.<tag>.json */
int bl_trial_report_parse_name(const char *name, char *version, int *verdict)
{
    size_t len = strlen(name), suffix = strlen(REPORT_SUFFIX), end;
    const char *dot;
    char text[BL_TRIAL_REPORT_NAME_MAX];

    if (len >= sizeof text || len <= suffix || strcmp(name + len - suffix, REPORT_SUFFIX) != 0)
        return 0;
    memcpy(text, name, len - suffix);
    text[len - suffix] = '\0';
    if (!(dot = strrchr(text, '.')) || !is_tag(dot + 1, strlen(dot + 1)))
        return 0;
    end = (size_t)(dot - text);
    text[end] = '\0';
    if (!(dot = strrchr(text, '.')) || (*verdict = verdict_from_name(dot + 1, strlen(dot + 1))) == BL_TRIAL_PENDING)
        return 0;
    text[dot - text] = '\0';
    if (!bl_version_is_safe_name(text))
        return 0;
    memcpy(version, text, strlen(text) + 1);
    return 1;
}

int bl_trial_report_format(const bl_trial_report *r, char *out, size_t size, bl_error *err)
{
    const char *word = bl_trial_report_verdict_name(r->verdict);
    int n;
    if (!word || !bl_version_is_safe_name(r->version))
        return bl_error_set(err, BL_EINVAL, "not a report: version '%s', verdict %d", r->version, r->verdict);
    n = snprintf(out, size,
                 "{\"version\": \"%s\", \"verdict\": \"%s\", \"exit_code\": %d, \"signal\": %d, "
                 "\"ran_ms\": %" PRIu64 ", \"time\": %" PRId64 "}\n",
                 r->version, word, r->exit_code, r->term_signal, r->ran_ms, r->time);
    if (n < 0 || (size_t)n >= size)
        return bl_error_set(err, BL_ETOOBIG, "the report of version %s does not fit", r->version);
    return BL_OK;
}

/* An optional whole number member, kept within [low, high]. */
static int get_number(const cJSON *o, const char *key, double low, double high, double *out, bl_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!item)
        return BL_OK;
    if (!cJSON_IsNumber(item) || item->valuedouble < low || item->valuedouble > high ||
        item->valuedouble != (double)(int64_t)item->valuedouble)
        return bl_error_set(err, BL_EINVAL, "\"%s\" must be a whole number from %.0f to %.0f", key, low, high);
    *out = item->valuedouble;
    return BL_OK;
}

int bl_trial_report_parse(const char *name, const char *text, size_t len, bl_trial_report *out, bl_error *err)
{
    const cJSON *version, *verdict;
    cJSON *o = NULL;
    double exit_code = -1, sig = 0, ran_ms = 0, when = 0;
    int rc, named_verdict;

    memset(out, 0, sizeof *out);
    if (!bl_trial_report_parse_name(name, out->version, &named_verdict))
        return bl_error_set(err, BL_EINVAL, "not a report's name (<version>.<healthy|crash>.<16 hex>.json)");
    if (len > BL_TRIAL_REPORT_MAX_BYTES)
        return bl_error_set(err, BL_EINVAL, "%zu bytes, more than a report's %d", len, BL_TRIAL_REPORT_MAX_BYTES);
    o = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(o)) {
        rc = bl_error_set(err, BL_EINVAL, "not a JSON object");
        goto cleanup;
    }
    version = cJSON_GetObjectItemCaseSensitive(o, "version");
    verdict = cJSON_GetObjectItemCaseSensitive(o, "verdict");
    if (!cJSON_IsString(version) || strcmp(version->valuestring, out->version) != 0 || !cJSON_IsString(verdict) ||
        strcmp(verdict->valuestring, bl_trial_report_verdict_name(named_verdict)) != 0) {
        rc = bl_error_set(err, BL_EINVAL, "its \"version\" and \"verdict\" are not those its name says");
        goto cleanup;
    }
    if ((rc = get_number(o, "exit_code", -2147483648.0, 4294967295.0, &exit_code, err)) != BL_OK ||
        (rc = get_number(o, "signal", 0, 255, &sig, err)) != BL_OK ||
        (rc = get_number(o, "ran_ms", 0, 9007199254740991.0, &ran_ms, err)) != BL_OK ||
        (rc = get_number(o, "time", 0, 9007199254740991.0, &when, err)) != BL_OK)
        goto cleanup;
    out->verdict = named_verdict;
    out->exit_code = exit_code > 0x7fffffff ? (int)(int64_t)(exit_code - 4294967296.0) : (int)exit_code;
    out->term_signal = (int)sig;
    out->ran_ms = (uint64_t)ran_ms;
    out->time = (int64_t)when;
    rc = BL_OK;
cleanup:
    cJSON_Delete(o);
    return rc;
}

int bl_trial_report_decide(const bl_state *state, const bl_trial_report *reports, int count, int *which)
{
    int i, healthy = -1;
    *which = -1;
    if (!state->trial || !state->current[0])
        return BL_TRIAL_REPORT_NOTHING;
    for (i = 0; i < count; i++) {
        if (strcmp(reports[i].version, state->current) != 0)
            continue;
        if (reports[i].verdict == BL_TRIAL_CRASHED) {
            *which = i;
            return BL_TRIAL_REPORT_ROLL_BACK;
        }
        if (reports[i].verdict == BL_TRIAL_HEALTHY && healthy < 0)
            healthy = i;
    }
    *which = healthy;
    return healthy < 0 ? BL_TRIAL_REPORT_NOTHING : BL_TRIAL_REPORT_CONFIRM;
}

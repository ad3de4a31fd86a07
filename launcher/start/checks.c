/* SPDX-License-Identifier: Apache-2.0 */
#include "checks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "platform.h"

#define RECORD_MAX 128

int64_t bl_checks_retry_after(int failures, int64_t interval_s)
{
    int64_t wait = BL_CHECKS_FIRST_RETRY_S;
    int i;
    for (i = 1; i < failures && wait < INT64_MAX / 4; i++)
        wait *= 2;
    if (interval_s > 0 && wait > interval_s)
        wait = interval_s;
    return wait;
}

int64_t bl_checks_due_in(const bl_checks *c, int64_t interval_s, int64_t now)
{
    int64_t wait, next;
    if (interval_s <= 0 || c->last <= 0 || c->last > now)
        return 0; /* every launch; nothing recorded; or the clock went back */
    wait = c->failures > 0 ? bl_checks_retry_after(c->failures, interval_s) : interval_s;
    next = c->last > INT64_MAX - wait ? INT64_MAX : c->last + wait;
    return next > now ? next - now : 0;
}

void bl_checks_note(bl_checks *c, int ok, int64_t now)
{
    c->last = now;
    if (ok) {
        c->failures = 0;
        c->last_ok = now;
    } else if (c->failures < 1000000) {
        c->failures++;
    }
}

int bl_checks_parse(const char *text, size_t len, bl_checks *out, bl_error *err)
{
    char buf[RECORD_MAX], *end;
    long long last, last_ok;
    long failures;

    memset(out, 0, sizeof *out);
    if (len >= sizeof buf)
        return bl_error_set(err, BL_ECORRUPT, "the check record is too long");
    memcpy(buf, text, len);
    buf[len] = '\0';
    last = strtoll(buf, &end, 10);
    if (end == buf || *end != ' ')
        goto bad;
    failures = strtol(end + 1, &end, 10);
    if (*end != ' ')
        goto bad;
    last_ok = strtoll(end + 1, &end, 10);
    if (*end != '\n' || end[1] != '\0' || last < 0 || last_ok < 0 || failures < 0 || failures > 1000000)
        goto bad;
    out->last = last;
    out->failures = (int)failures;
    out->last_ok = last_ok;
    return BL_OK;
bad:
    return bl_error_set(err, BL_ECORRUPT, "the check record is not 'time failures time'");
}

void bl_checks_load(const char *path, bl_checks *out)
{
    char *text = NULL;
    size_t len;
    bl_error err;
    memset(out, 0, sizeof *out);
    if (bl_fs_read_all(path, RECORD_MAX, &text, &len, &err) == BL_OK)
        bl_checks_parse(text, len, out, &err);
    free(text);
}

int bl_checks_save(const char *path, const bl_checks *c, bl_error *err)
{
    char line[RECORD_MAX];
    int n = snprintf(line, sizeof line, "%" PRId64 " %d %" PRId64 "\n", c->last, c->failures, c->last_ok);
    return bl_plat_write_file_atomic(path, line, (size_t)n, err);
}

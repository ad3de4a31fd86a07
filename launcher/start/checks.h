/* SPDX-License-Identifier: Apache-2.0 */
/* When to ask the update server again: at most once per update_interval,
 * whether the check runs at launch or in the background. cache/last-check
 * records the last check (its time, the failures in a row since the last
 * success, and that success's time); a start within the interval after a
 * success makes no request at all. A failed check is retried sooner, after
 * 1 min doubling per failure up to the interval. A record from the future
 * (the clock was set back) is due at once, so it never silences checks for
 * days. update_interval 0: no periodic checks in the background, and a
 * check at every launch (as before the record existed). The decisions are
 * pure (a clock is passed in); load and save are the I/O edges. */
#ifndef BL_CHECKS_H
#define BL_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* The first retry after a failed check; doubled per failure in a row. */
#define BL_CHECKS_FIRST_RETRY_S 60
/* Failed checks in a row after which one line goes to stderr (the rest go
 * to the log only): with the hourly default, about a day of failing. */
#define BL_CHECKS_LOUD_AFTER 24

typedef struct {
    int64_t last;      /* UTC seconds of the last check; 0: none recorded (due) */
    int failures;      /* failed checks in a row since the last success */
    int64_t last_ok;   /* UTC seconds of the last successful check; 0: none */
} bl_checks;

/* Seconds until the next check is due at now (0: due now). */
int64_t bl_checks_due_in(const bl_checks *c, int64_t interval_s, int64_t now);

/* The wait after `failures` failed checks in a row: 1 min doubled per
 * failure, at most the interval (when it is > 0). */
int64_t bl_checks_retry_after(int failures, int64_t interval_s);

/* Records a check's outcome at now. */
void bl_checks_note(bl_checks *c, int ok, int64_t now);

/* Parses the record's text ("last failures last_ok\n"); anything else is
 * BL_ECORRUPT and *out a record that is due. */
int bl_checks_parse(const char *text, size_t len, bl_checks *out, bl_error *err);

/* Reads path; a missing or malformed file is a record that is due (it is a
 * cache: losing it costs one check). Never fails. */
void bl_checks_load(const char *path, bl_checks *out);
/* Writes path atomically. */
int bl_checks_save(const char *path, const bl_checks *c, bl_error *err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Trial reports on a machine-wide install (issue 26, docs/deploy.md "Trial
 * and rollback on a shared machine"): a user's read-only launcher judges a
 * run of the version on trial (bl_trial_judge_exit) but may not write
 * state.json, so it leaves its verdict as one small file in the root's
 * spool folder, reports/, which anyone may add to and only the owner may
 * read; the machine's updater (--update-only) reads the spool and rolls the
 * version back, or confirms it, for everyone. These are the pure parts: the
 * file's name and text, the caps, and what a batch of reports decides. The
 * files themselves are written and read in machine_report.c. */
#ifndef BL_TRIAL_REPORT_H
#define BL_TRIAL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "state.h"
#include "version.h"

/* A report is a few dozen bytes; anything bigger is not one of ours. */
#define BL_TRIAL_REPORT_MAX_BYTES 4096
/* Spool entries the updater handles in one run; the rest wait for the next
 * (the .path unit starts it again while the folder is not empty). */
#define BL_TRIAL_REPORT_MAX_FILES 64
/* The random part of a name: 16 lowercase hex digits (64 bits). Random and
 * not the user's id, so no user can take another's name first. */
#define BL_TRIAL_REPORT_TAG_LEN 16
#define BL_TRIAL_REPORT_NAME_MAX (BL_VERSION_MAX_TEXT + 32)

typedef struct {
    char version[BL_VERSION_MAX_TEXT];
    int verdict;      /* BL_TRIAL_HEALTHY or BL_TRIAL_CRASHED (trial.h) */
    int exit_code;    /* the app's exit code; -1 while it still ran (confirmed by time or health file) */
    int term_signal;  /* the signal it died of, 0 if none */
    uint64_t ran_ms;  /* how long it ran before the verdict */
    int64_t time;     /* when, seconds since 1970 */
} bl_trial_report;

/* "healthy" or "crash" for a verdict a report may carry; NULL for any other. */
const char *bl_trial_report_verdict_name(int verdict);

/* <version>.<verdict>.<tag>.json into out. BL_EINVAL for an unsafe version
 * (bl_version_is_safe_name), a verdict no report carries or a tag that is
 * not BL_TRIAL_REPORT_TAG_LEN lowercase hex digits; BL_ETOOBIG if it does
 * not fit. */
int bl_trial_report_name(const char *version, int verdict, const char *tag, char *out, size_t size, bl_error *err);

/* 1 when name is a report's name, filling version (BL_VERSION_MAX_TEXT
 * bytes) and *verdict; 0 for anything else (a temp file, a stranger's). */
int bl_trial_report_parse_name(const char *name, char *version, int *verdict);

/* The report as one line of JSON (a newline last) into out. */
int bl_trial_report_format(const bl_trial_report *report, char *out, size_t size, bl_error *err);

/* Reads a report found under name: its text must be a JSON object whose
 * "version" and "verdict" are those of the name (a file renamed by hand
 * says nothing), at most BL_TRIAL_REPORT_MAX_BYTES long. The other members
 * are optional and only logged. BL_EINVAL, err saying why, otherwise. */
int bl_trial_report_parse(const char *name, const char *text, size_t len, bl_trial_report *out, bl_error *err);

enum bl_trial_report_action {
    BL_TRIAL_REPORT_NOTHING = 0, /* no report about the version on trial */
    BL_TRIAL_REPORT_ROLL_BACK,   /* a user saw it crash */
    BL_TRIAL_REPORT_CONFIRM      /* users saw it healthy, none saw it crash */
};

/* What count reports decide for state: a crash of the version on trial
 * rolls it back, whatever other users saw (one crash on a first run is
 * the release's fault, as on a per-user install); else a healthy run
 * confirms it. Reports about any other version, or while nothing is on
 * trial, decide nothing. *which is the deciding report's index (-1 with
 * BL_TRIAL_REPORT_NOTHING). */
int bl_trial_report_decide(const bl_state *state, const bl_trial_report *reports, int count, int *which);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* cache/activity.json: what the launcher holding the lock is doing right now,
 * for `--status` in another process (issue 24, spec section 2). It says
 * which version runs under which launcher and app process, and the progress
 * of an update check while one runs. The lock holder writes it when the app
 * starts, when a check starts and ends, and at most twice a second during a
 * check, and removes it when it exits; a reader trusts it only while its
 * launcher_pid is alive. A cache: written atomically but never flushed to
 * disk (a power cut loses nothing a running launcher would not rewrite).
 * Parsing and serialising are pure; load and save are the I/O edges. */
#ifndef BL_ACTIVITY_H
#define BL_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "progress.h"
#include "version.h"

#define BL_ACTIVITY_FILE_MAX (16 * 1024)

typedef struct {
    int64_t launcher_pid;
    int64_t app_pid;                   /* 0: no app running */
    char running[BL_VERSION_MAX_TEXT]; /* the version running, "": none */
    int mode;                          /* enum bl_launch_mode (config.h) */
    int checking;                      /* a check in progress: the fields below mean something */
    char stage[16];                    /* "checking", "downloading", "applying", "verifying", "installing" */
    char version[BL_VERSION_MAX_TEXT]; /* the release being fetched, "" when not yet known */
    uint64_t bytes, total;             /* of the current download; total 0: unknown */
    double rate;                       /* bytes per second, 0: unknown */
    int64_t since;                     /* UTC seconds the check started */
    int64_t updated;                   /* UTC seconds of this snapshot */
} bl_activity;

/* A NUL-terminated JSON text the caller frees:
 * {"launcher_pid": N, "app_pid": N|null, "running": "v"|null,
 *  "mode": "supervise"|"exec", "check": {...}|null, "updated": N}
 * where check is {"stage", "version": "v"|null, "bytes", "total", "rate",
 * "since": "YYYY-MM-DDThh:mm:ssZ"}, as `--status --json` shows it. */
int bl_activity_serialize(const bl_activity *a, char **out, bl_error *err);

/* The other way; BL_ECORRUPT (err saying what) when text is not such an
 * object. Unknown keys are ignored (a newer launcher may add some). */
int bl_activity_parse(const char *text, size_t len, bl_activity *out, bl_error *err);

/* Writes path by a temporary file beside it and a rename, without a flush. */
int bl_activity_save(const char *path, const bl_activity *a, bl_error *err);
/* BL_ENOTFOUND when there is no file, BL_ECORRUPT when it does not parse. */
int bl_activity_load(const char *path, bl_activity *out, bl_error *err);

/* Fills the check part of a from a progress snapshot at now (UTC seconds):
 * the stage by name, the version when the stage's detail names one (a
 * version, or a download like "bomiot-1.2.0.tar.gz" or
 * "bomiot-1.2.0.patch"; else the one known before is kept), the bytes and
 * rate. The check's start (since) is now when a was not checking yet. view
 * NULL: the check has ended (checking 0). Sets updated to now. */
void bl_activity_from_progress(bl_activity *a, const bl_progress_view *view, int64_t now);

/* UTC seconds as "YYYY-MM-DDThh:mm:ssZ" (out: at least 21 bytes), and back
 * (BL_EINVAL when text is not exactly that form). Pure: no time zone, no
 * C library calls that differ between systems. */
void bl_activity_format_time(int64_t t, char *out, size_t size);
int bl_activity_parse_time(const char *text, int64_t *out);

#endif

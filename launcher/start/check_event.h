/* SPDX-License-Identifier: Apache-2.0 */
/* What `bomiot-launcher --check` says (docs/app-integration.md): a check's
 * progress and result as events, rendered as one JSON object per line
 * (--json, and the control endpoint's protocol) or as a sentence for a
 * terminal. Pure: progress snapshots and results in, text out, so the check
 * that runs in this process and the one relayed from a supervising launcher
 * say the same thing. */
#ifndef BL_CHECK_EVENT_H
#define BL_CHECK_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "progress.h"
#include "version.h"

enum bl_check_kind {
    BL_CHECK_CHECKING = 0,
    BL_CHECK_FOUND,       /* a newer release is offered to this installation */
    BL_CHECK_DOWNLOADING,
    BL_CHECK_APPLYING,
    BL_CHECK_VERIFYING,
    BL_CHECK_INSTALLING,
    /* the final ones: exactly one ends a check */
    BL_CHECK_UP_TO_DATE,
    BL_CHECK_STAGED,
    BL_CHECK_AVAILABLE, /* auto_update false: found, not downloaded */
    BL_CHECK_FAILED,
    BL_CHECK_BUSY,
    BL_CHECK_KIND_COUNT
};

/* --check's exit codes besides 0 (up to date) and 1 (failed). */
#define BL_CHECK_EXIT_STAGED 10
#define BL_CHECK_EXIT_BUSY 11
#define BL_CHECK_EXIT_AVAILABLE 12

typedef struct {
    int kind;                          /* enum bl_check_kind */
    char version[BL_VERSION_MAX_TEXT]; /* found, progress, final: the release; up-to-date: the current one */
    char current[BL_VERSION_MAX_TEXT]; /* found: the version installed now */
    uint64_t bytes, total;             /* downloading; total 0 when unknown */
    double rate;                       /* downloading: bytes per second, 0 unknown */
    char error[256];                   /* failed, busy */
} bl_check_event;

/* Turns progress snapshots into events: "checking" first, "found" once the
 * release is chosen, a stage event at each change of stage, "downloading"
 * at most every BL_CHECK_DOWNLOAD_EVERY_NS. Zero it before the first view. */
#define BL_CHECK_DOWNLOAD_EVERY_NS 250000000ull
typedef struct {
    int started, found, stage;
    uint64_t last_download_ns;
} bl_check_stream;

/* The events view brings (at most 3, into out), given the version installed
 * now and the clock. Returns how many. */
int bl_check_stream_next(bl_check_stream *stream, const bl_progress_view *view, const char *current, uint64_t now_ns,
                         bl_check_event out[3]);

/* The final event of a check: failed (rc != 0, error names why), staged
 * (installed: versions/<version> complete), available (a release found but
 * not installed) or up to date (current). */
void bl_check_final(int rc, const char *error, int installed, const char *version, const char *current,
                    bl_check_event *out);

/* 1 for the events that end a check. */
int bl_check_is_final(int kind);
/* The exit code of --check for a final event (0 up to date, 10 staged, 12
 * available, 1 failed, 11 busy). */
int bl_check_exit_code(int kind);

/* One JSON object and "\n" into out; BL_ETOOBIG if it does not fit,
 * BL_ENOMEM. Text from outside (an error, a version) is JSON-escaped. */
int bl_check_event_json(const bl_check_event *event, char *out, size_t size);
/* A JSON line back into an event; BL_ECORRUPT for anything else (not an
 * object, an unknown event). */
int bl_check_event_parse(const char *line, size_t len, bl_check_event *out);

/* The sentence for a terminal, without a newline: title names the app
 * ("Bomiot"). Control characters from outside are replaced. */
void bl_check_event_text(const bl_check_event *event, const char *title, char *out, size_t size);

#endif

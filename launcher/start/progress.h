/* SPDX-License-Identifier: Apache-2.0 */
/* What the update work is doing, shared between the worker thread that does
 * it and whoever shows it (the splash, the log). Every call is thread-safe
 * and cheap: the worker reports as it goes, the UI takes snapshots. Cancel
 * travels the other way: the UI asks, the worker polls and stops cleanly. */
#ifndef BL_PROGRESS_H
#define BL_PROGRESS_H

#include <stdint.h>

enum bl_stage {
    BL_STAGE_STARTING = 0, /* before anything is known */
    BL_STAGE_CHECKING,     /* refreshing signed metadata */
    BL_STAGE_DOWNLOADING,  /* bytes done/total are meaningful */
    BL_STAGE_APPLYING,     /* patching */
    BL_STAGE_VERIFYING,    /* hashing the result */
    BL_STAGE_INSTALLING,   /* unpacking, switching */
    BL_STAGE_LAUNCHING,    /* starting the app */
    BL_STAGE_ROLLING_BACK, /* a new version crashed; going back */
    BL_STAGE_DONE
};

typedef struct {
    int stage;           /* enum bl_stage */
    char detail[160];    /* e.g. "bomiot 1.2.0 (patch, 3.1 MB)" */
    char release[64];    /* the version the work installs once chosen, "" before (--check's "found") */
    uint64_t done;       /* bytes (or units) done in this stage */
    uint64_t total;      /* 0 when unknown: show an indeterminate bar */
    double rate;         /* bytes per second over the last seconds, 0 if unknown */
    char error[256];     /* a sentence for the user in the splash's language, "" when none */
    char error_en[256];  /* the same in English, for a splash no font of which covers error */
    uint64_t error_time; /* uv_hrtime() when error was set, for showing it a few seconds */
    int cancel_requested;
    uint64_t generation; /* bumps on every change: redraw only when it moved */
} bl_progress_view;

typedef struct bl_progress bl_progress;

bl_progress *bl_progress_new(void); /* NULL when out of memory */
void bl_progress_free(bl_progress *progress);

/* Worker side. All accept progress == NULL (no one watching). */
void bl_progress_stage(bl_progress *progress, int stage, const char *detail);
void bl_progress_bytes(bl_progress *progress, uint64_t done, uint64_t total);
/* The same at a given uv_hrtime() instant, so tests can set the clock. The
 * rate is measured over the last few seconds; done going backwards starts a
 * new measurement (a new transfer). */
void bl_progress_bytes_at(bl_progress *progress, uint64_t done, uint64_t total, uint64_t now_ns);
void bl_progress_error(bl_progress *progress, const char *user_message);
/* The same in the splash's language and in English (i18n.h). */
void bl_progress_error_translated(bl_progress *progress, const char *user_message, const char *english);
/* The release the work is about ("" again at the start of a new check). */
void bl_progress_release(bl_progress *progress, const char *version);
int bl_progress_cancelled(const bl_progress *progress);

/* UI side. */
void bl_progress_request_cancel(bl_progress *progress);
/* A copy of the whole view; all zeros when progress is NULL. out may be NULL. */
void bl_progress_snapshot(const bl_progress *progress, bl_progress_view *out);

#endif

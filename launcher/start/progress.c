/* SPDX-License-Identifier: Apache-2.0 */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* The rate is measured over the last few seconds, so the splash shows a
 * steady number rather than the jitter of single reads. A sample is kept at
 * most every SAMPLE_GAP_NS: a transfer reporting every 16 KiB would otherwise
 * fill the ring in milliseconds and shrink the window to nothing. */
#define RATE_WINDOW_NS 3000000000ULL
#define SAMPLE_GAP_NS 100000000ULL
#define RATE_SAMPLES 32 /* > RATE_WINDOW_NS / SAMPLE_GAP_NS */

struct bl_progress {
    uv_mutex_t mutex;
    bl_progress_view view;
    struct {
        uint64_t when, done;
    } samples[RATE_SAMPLES];
    int sample_count, sample_next;
};

bl_progress *bl_progress_new(void)
{
    bl_progress *p = calloc(1, sizeof *p);
    if (p && uv_mutex_init(&p->mutex) != 0) {
        free(p);
        p = NULL;
    }
    return p;
}

void bl_progress_free(bl_progress *p)
{
    if (!p)
        return;
    uv_mutex_destroy(&p->mutex);
    free(p);
}

static void reset_rate(bl_progress *p)
{
    p->sample_count = p->sample_next = 0;
    p->view.rate = 0;
}

void bl_progress_stage(bl_progress *p, int stage, const char *detail)
{
    if (!p)
        return;
    uv_mutex_lock(&p->mutex);
    p->view.stage = stage;
    snprintf(p->view.detail, sizeof p->view.detail, "%s", detail ? detail : "");
    p->view.done = p->view.total = 0;
    reset_rate(p);
    p->view.generation++;
    uv_mutex_unlock(&p->mutex);
}

void bl_progress_release(bl_progress *p, const char *version)
{
    if (!p)
        return;
    uv_mutex_lock(&p->mutex);
    snprintf(p->view.release, sizeof p->view.release, "%s", version ? version : "");
    p->view.generation++;
    uv_mutex_unlock(&p->mutex);
}

/* Bytes per second from the oldest sample inside the window (or, after a
 * stall longer than the window, the newest one) to now. */
static void update_rate(bl_progress *p, uint64_t now, uint64_t done)
{
    int i, newest = -1, base = -1;
    for (i = 0; i < p->sample_count; i++) {
        uint64_t when = p->samples[i].when;
        if (now < when) /* a clock from before: start over */
            continue;
        if (newest < 0 || when > p->samples[newest].when)
            newest = i;
        if (now - when <= RATE_WINDOW_NS && (base < 0 || when < p->samples[base].when))
            base = i;
    }
    if (base < 0)
        base = newest;
    if (base >= 0 && now > p->samples[base].when && done >= p->samples[base].done)
        p->view.rate = (double)(done - p->samples[base].done) * 1e9 / (double)(now - p->samples[base].when);
    if (newest < 0 || now - p->samples[newest].when >= SAMPLE_GAP_NS) {
        p->samples[p->sample_next].when = now;
        p->samples[p->sample_next].done = done;
        p->sample_next = (p->sample_next + 1) % RATE_SAMPLES;
        if (p->sample_count < RATE_SAMPLES)
            p->sample_count++;
    }
}

void bl_progress_bytes_at(bl_progress *p, uint64_t done, uint64_t total, uint64_t now)
{
    if (!p)
        return;
    uv_mutex_lock(&p->mutex);
    if (done != p->view.done || total != p->view.total) {
        if (done < p->view.done)
            reset_rate(p);
        p->view.done = done;
        p->view.total = total;
        update_rate(p, now, done);
        p->view.generation++;
    }
    uv_mutex_unlock(&p->mutex);
}

void bl_progress_bytes(bl_progress *p, uint64_t done, uint64_t total)
{
    bl_progress_bytes_at(p, done, total, uv_hrtime());
}

void bl_progress_error_translated(bl_progress *p, const char *user_message, const char *english)
{
    if (!p)
        return;
    uv_mutex_lock(&p->mutex);
    snprintf(p->view.error, sizeof p->view.error, "%s", user_message ? user_message : "");
    snprintf(p->view.error_en, sizeof p->view.error_en, "%s", english ? english : p->view.error);
    p->view.error_time = uv_hrtime();
    p->view.generation++;
    uv_mutex_unlock(&p->mutex);
}

void bl_progress_error(bl_progress *p, const char *user_message)
{
    bl_progress_error_translated(p, user_message, user_message);
}

int bl_progress_cancelled(const bl_progress *p)
{
    int cancelled;
    if (!p)
        return 0;
    uv_mutex_lock((uv_mutex_t *)&p->mutex);
    cancelled = p->view.cancel_requested;
    uv_mutex_unlock((uv_mutex_t *)&p->mutex);
    return cancelled;
}

void bl_progress_request_cancel(bl_progress *p)
{
    if (!p)
        return;
    uv_mutex_lock(&p->mutex);
    p->view.cancel_requested = 1;
    p->view.generation++;
    uv_mutex_unlock(&p->mutex);
}

void bl_progress_snapshot(const bl_progress *p, bl_progress_view *out)
{
    if (!out)
        return;
    if (!p) {
        memset(out, 0, sizeof *out);
        return;
    }
    uv_mutex_lock((uv_mutex_t *)&p->mutex);
    *out = p->view;
    uv_mutex_unlock((uv_mutex_t *)&p->mutex);
}

#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* The rate is averaged over this window, so the splash shows a steady number
 * rather than the jitter of single reads. */
#define RATE_WINDOW_NS 3000000000ULL
#define RATE_SAMPLES 32

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

/* Bytes per second between the oldest sample still in the window and now. */
static void update_rate(bl_progress *p, uint64_t now, uint64_t done)
{
    int i, oldest = -1;
    p->samples[p->sample_next].when = now;
    p->samples[p->sample_next].done = done;
    p->sample_next = (p->sample_next + 1) % RATE_SAMPLES;
    if (p->sample_count < RATE_SAMPLES)
        p->sample_count++;
    for (i = 0; i < p->sample_count; i++) {
        if (now - p->samples[i].when <= RATE_WINDOW_NS &&
            (oldest < 0 || p->samples[i].when < p->samples[oldest].when))
            oldest = i;
    }
    if (oldest >= 0 && now > p->samples[oldest].when && done >= p->samples[oldest].done)
        p->view.rate = (double)(done - p->samples[oldest].done) * 1e9 / (double)(now - p->samples[oldest].when);
}

void bl_progress_bytes(bl_progress *p, uint64_t done, uint64_t total)
{
    if (!p)
        return;
    uv_mutex_lock(&p->mutex);
    if (done != p->view.done || total != p->view.total) {
        p->view.done = done;
        p->view.total = total;
        update_rate(p, uv_hrtime(), done);
        p->view.generation++;
    }
    uv_mutex_unlock(&p->mutex);
}

void bl_progress_error(bl_progress *p, const char *user_message)
{
    if (!p)
        return;
    uv_mutex_lock(&p->mutex);
    snprintf(p->view.error, sizeof p->view.error, "%s", user_message ? user_message : "");
    p->view.error_time = uv_hrtime();
    p->view.generation++;
    uv_mutex_unlock(&p->mutex);
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
    if (!p) {
        memset(out, 0, sizeof *out);
        return;
    }
    uv_mutex_lock((uv_mutex_t *)&p->mutex);
    *out = p->view;
    uv_mutex_unlock((uv_mutex_t *)&p->mutex);
}

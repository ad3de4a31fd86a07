/* SPDX-License-Identifier: Apache-2.0 */
#include "pipe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* head counts chunks the reader has released, tail chunks the producer has
 * filled. The reader owns chunk[head % chunks] while `holding`; the producer
 * owns chunk[tail % chunks] while tail - head < chunks. */
struct bl_pipe {
    uv_thread_t thread;
    uv_mutex_t lock;
    uv_cond_t cond;
    int sync_ready, started;
    bl_pipe_producer_fn fn;
    void *ctx;
    size_t chunk_size;
    int chunks;
    uint8_t **chunk;
    size_t *len;
    uint64_t head, tail;
    size_t fill;   /* producer's bytes in chunk[tail % chunks] */
    int holding;   /* reader holds chunk[head % chunks] */
    int done, stop;
    int rc;        /* the producer's result once done */
    bl_error err;
};

static void release(bl_pipe *p)
{
    int i;

    if (p->sync_ready) {
        uv_cond_destroy(&p->cond);
        uv_mutex_destroy(&p->lock);
    }
    for (i = 0; p->chunk && i < p->chunks; i++)
        free(p->chunk[i]);
    free(p->chunk);
    free(p->len);
    free(p);
}

static void run(void *arg)
{
    bl_pipe *p = arg;
    bl_error err;
    int rc;

    memset(&err, 0, sizeof err);
    rc = p->fn(p->ctx, p, &err);
    uv_mutex_lock(&p->lock);
    if (rc == BL_OK && p->fill > 0) {
        /* The slot is still the producer's: tail - head < chunks held when
         * it was written. */
        p->len[p->tail % (uint64_t)p->chunks] = p->fill;
        p->tail++;
        p->fill = 0;
    }
    p->rc = rc;
    if (rc != BL_OK)
        p->err = err;
    p->done = 1;
    uv_cond_broadcast(&p->cond);
    uv_mutex_unlock(&p->lock);
}

int bl_pipe_start(size_t chunk_size, int chunks, bl_pipe_producer_fn fn, void *ctx, bl_pipe **out,
                  bl_error *err)
{
    bl_pipe *p;
    int i;

    *out = NULL;
    if (chunk_size == 0 || chunks < 1)
        return bl_error_set(err, BL_EINVAL, "a pipe needs at least one chunk of at least one byte");
    if (!(p = calloc(1, sizeof *p)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    p->fn = fn;
    p->ctx = ctx;
    p->chunk_size = chunk_size;
    p->chunks = chunks;
    if (!(p->chunk = calloc((size_t)chunks, sizeof *p->chunk)) || !(p->len = calloc((size_t)chunks, sizeof *p->len)))
        goto nomem;
    for (i = 0; i < chunks; i++)
        if (!(p->chunk[i] = malloc(chunk_size)))
            goto nomem;
    if (uv_mutex_init(&p->lock) != 0)
        goto nomem;
    if (uv_cond_init(&p->cond) != 0) {
        uv_mutex_destroy(&p->lock);
        goto nomem;
    }
    p->sync_ready = 1;
    if (uv_thread_create(&p->thread, run, p) != 0) {
        release(p);
        return bl_error_set(err, BL_ENOMEM, "cannot start a thread");
    }
    p->started = 1;
    *out = p;
    return BL_OK;

nomem:
    release(p);
    return bl_error_set(err, BL_ENOMEM, "out of memory for a pipe of %d x %zu bytes", chunks, chunk_size);
}

int bl_pipe_write(bl_pipe *p, const void *buf, size_t len, bl_error *err)
{
    const uint8_t *src = buf;

    while (len > 0) {
        size_t slot, n;

        if (p->fill == 0) {
            /* Starting a chunk: wait until the reader has released one. */
            uv_mutex_lock(&p->lock);
            while (p->tail - p->head == (uint64_t)p->chunks && !p->stop)
                uv_cond_wait(&p->cond, &p->lock);
            if (p->stop) {
                uv_mutex_unlock(&p->lock);
                return bl_error_set(err, BL_ECANCELED, "the reader stopped");
            }
            uv_mutex_unlock(&p->lock);
        }
        slot = (size_t)(p->tail % (uint64_t)p->chunks);
        n = p->chunk_size - p->fill < len ? p->chunk_size - p->fill : len;
        memcpy(p->chunk[slot] + p->fill, src, n);
        p->fill += n;
        src += n;
        len -= n;
        if (p->fill == p->chunk_size) {
            uv_mutex_lock(&p->lock);
            p->len[slot] = p->fill;
            p->tail++;
            p->fill = 0;
            uv_cond_broadcast(&p->cond);
            uv_mutex_unlock(&p->lock);
        }
    }
    return BL_OK;
}

long long bl_pipe_read(void *arg, const void **buf, bl_error *err)
{
    bl_pipe *p = arg;
    long long n;

    uv_mutex_lock(&p->lock);
    if (p->holding) {
        p->head++;
        p->holding = 0;
        uv_cond_broadcast(&p->cond);
    }
    while (p->head == p->tail && !p->done)
        uv_cond_wait(&p->cond, &p->lock);
    if (p->done && p->rc != BL_OK) {
        /* A failure is news before whatever was queued ahead of it. */
        if (err)
            *err = p->err;
        n = -1;
    } else if (p->head != p->tail) {
        p->holding = 1;
        *buf = p->chunk[p->head % (uint64_t)p->chunks];
        n = (long long)p->len[p->head % (uint64_t)p->chunks];
    } else {
        n = 0;
    }
    uv_mutex_unlock(&p->lock);
    return n;
}

int bl_pipe_finish(bl_pipe *p, bl_error *err)
{
    int rc;

    if (!p)
        return BL_OK;
    uv_mutex_lock(&p->lock);
    p->stop = 1;
    uv_cond_broadcast(&p->cond);
    uv_mutex_unlock(&p->lock);
    if (p->started)
        uv_thread_join(&p->thread);
    rc = p->rc;
    if (rc != BL_OK && err)
        *err = p->err;
    release(p);
    return rc;
}

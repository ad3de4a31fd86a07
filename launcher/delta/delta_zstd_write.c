/* SPDX-License-Identifier: Apache-2.0 */
/* Writing the zstd format: the control entries of the match search are cut
 * at chunk boundaries of new, and each chunk (its entries as varints, then
 * its diff bytes, then its extra bytes) is compressed as one zstd frame, the
 * chunks on as many threads as there are cores. The frames are held until
 * all are done, then written after the header and the index of their
 * lengths. The output does not depend on thread timing. */
#include "delta_zstd.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zstd.h>

/* Bytes of new a chunk rebuilds. Bigger chunks compress better (a frame
 * finds nothing in the chunks before it) and cost the reader memory: it
 * holds a few chunks per core (delta_zstd_read.c). */
#define WRITE_CHUNK (2 * 1024 * 1024)
/* zstd's highest level: 1.2% off esbuild's patch against level 19
 * (415,437 -> 410,440 bytes) for a quarter more of the diff's CPU time
 * (4.0 -> 5.1 s) and its peak (123 -> 156 MB: two compressors' tables);
 * decoding is as fast. */
#define LEVEL 22
#define MAX_THREADS 8

typedef struct {
    size_t entry;    /* first entry the chunk uses */
    uint64_t offset; /* bytes of that entry in the chunks before */
} chunk_start;

typedef struct {
    uint8_t *frame;
    size_t frame_len;
    uint32_t control_len;
} chunk_out;

typedef struct {
    const uint8_t *old;
    uint64_t old_size;
    const bl_delta_source *new_src;
    const bl_delta_entry *entries;
    size_t count;
    uint64_t new_size;
    uint32_t chunk_size, chunks;
    chunk_start *starts;
    chunk_out *out;
    uint32_t next;   /* next chunk to take, under lock */
    uint32_t done;   /* chunks finished, under lock */
    int rc;          /* first failure, under lock */
    bl_error err;
    uv_mutex_t lock;
} writer;

/* What one thread holds: new's bytes of the chunk, the chunk's content
 * before compression, its control section, a compressor. */
typedef struct {
    writer *w;
    uint8_t *new_buf, *content, *control;
    size_t control_cap;
    ZSTD_CCtx *cctx;
} worker;

uint32_t bl_zstd_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t bl_zstd_get64(const uint8_t *p)
{
    return (uint64_t)bl_zstd_get32(p) | (uint64_t)bl_zstd_get32(p + 4) << 32;
}

void bl_zstd_put32(uint8_t *p, uint32_t v)
{
    int i;

    for (i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void bl_zstd_put64(uint8_t *p, uint64_t v)
{
    bl_zstd_put32(p, (uint32_t)v);
    bl_zstd_put32(p + 4, (uint32_t)(v >> 32));
}

size_t bl_zstd_put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

int bl_zstd_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    uint64_t value = 0;
    unsigned shift = 0;

    for (;;) {
        uint8_t byte;
        if (q == end || shift > 63)
            return -1;
        byte = *q++;
        /* The tenth byte holds bit 63 only. */
        if (shift == 63 && byte > 1)
            return -1;
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            break;
        shift += 7;
    }
    *p = q;
    *v = value;
    return 0;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* diff = n - o, the two read as little-endian integers of len bytes (the
 * borrow runs from each byte to the next), 8 bytes at a time. Where code
 * moved, an address in it changes by the same amount at every use; as
 * integers the difference is that amount each time, where byte by byte the
 * carries between its bytes make it vary: esbuild's diff bytes compress 13%
 * smaller this way (docs/patch-format.md). */
static void subtract(uint8_t *diff, const uint8_t *n, const uint8_t *o, size_t len)
{
    unsigned borrow = 0;
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t a = bl_zstd_get64(n + i), b = bl_zstd_get64(o + i), d = a - b - borrow;
        borrow = a < b || (a == b && borrow);
        bl_zstd_put64(diff + i, d);
    }
    for (; i < len; i++) {
        int d = (int)n[i] - (int)o[i] - (int)borrow;
        borrow = d < 0;
        diff[i] = (uint8_t)d;
    }
}

/* Where each chunk starts in the entries: one pass over them. */
static void plan_chunks(writer *w)
{
    uint64_t pos = 0;
    size_t i = 0, c;

    for (c = 0; c < w->chunks; c++) {
        uint64_t at = (uint64_t)c * w->chunk_size;
        while (i < w->count &&
               pos + (uint64_t)w->entries[i].add + (uint64_t)w->entries[i].copy <= at) {
            pos += (uint64_t)w->entries[i].add + (uint64_t)w->entries[i].copy;
            i++;
        }
        w->starts[c].entry = i;
        w->starts[c].offset = at - pos;
    }
}

static int grow_control(worker *k, size_t need, bl_error *err)
{
    uint8_t *p;
    size_t cap = k->control_cap ? k->control_cap : 4096;

    if (need <= k->control_cap)
        return BL_OK;
    while (cap < need)
        cap *= 2;
    if (!(p = realloc(k->control, cap)))
        return bl_error_set(err, BL_ENOMEM, "out of memory for a chunk's control entries");
    k->control = p;
    k->control_cap = cap;
    return BL_OK;
}

/* Builds chunk c's content in k->content (control, diff, extra) and
 * returns its control length. */
static int build_chunk(worker *k, uint32_t c, uint64_t len, size_t *control_len, bl_error *err)
{
    const writer *w = k->w;
    uint64_t begin = (uint64_t)c * w->chunk_size, done = 0, diff_len = 0, old_end = 0;
    size_t i = w->starts[c].entry, used = 0;
    uint64_t offset = w->starts[c].offset;
    uint8_t *diff, *extra;
    int rc;

    if ((rc = w->new_src->read_at(w->new_src->ctx, begin, k->new_buf, (size_t)len, err)) != BL_OK)
        return rc;
    /* Pass 1: the control section, and the diff section's length. */
    for (; done < len && i < w->count; i++, offset = 0) {
        const bl_delta_entry *e = &w->entries[i];
        uint64_t add = 0, copy, old_pos = old_end, room = len - done;
        if (offset < (uint64_t)e->add) {
            add = (uint64_t)e->add - offset < room ? (uint64_t)e->add - offset : room;
            old_pos = (uint64_t)e->old_pos + offset;
            copy = (uint64_t)e->copy < room - add ? (uint64_t)e->copy : room - add;
        } else {
            uint64_t left = (uint64_t)e->copy - (offset - (uint64_t)e->add);
            copy = left < room ? left : room;
        }
        if (add + copy == 0)
            continue;
        if ((rc = grow_control(k, used + 30, err)) != BL_OK)
            return rc;
        used += bl_zstd_put_varint(k->control + used, add);
        used += bl_zstd_put_varint(k->control + used, copy);
        used += bl_zstd_put_varint(k->control + used, zigzag((int64_t)(old_pos - old_end)));
        if (add > 0)
            old_end = old_pos + add;
        diff_len += add;
        done += add + copy;
    }
    if (done != len)
        return bl_error_set(err, BL_EINVAL, "control entries do not cover new (chunk %u)", c);
    if (used > bl_zstd_control_max(len)) {
        /* Entries too short to pay for themselves: the chunk as extra bytes. */
        used = bl_zstd_put_varint(k->control, 0);
        used += bl_zstd_put_varint(k->control + used, len);
        used += bl_zstd_put_varint(k->control + used, 0);
        memcpy(k->content, k->control, used);
        memcpy(k->content + used, k->new_buf, (size_t)len);
        *control_len = used;
        return BL_OK;
    }
    /* Pass 2: the diff bytes (new minus old) and the extra bytes. */
    memcpy(k->content, k->control, used);
    diff = k->content + used;
    extra = diff + diff_len;
    done = 0;
    i = w->starts[c].entry;
    offset = w->starts[c].offset;
    for (; done < len && i < w->count; i++, offset = 0) {
        const bl_delta_entry *e = &w->entries[i];
        uint64_t add = 0, copy, room = len - done;
        if (offset < (uint64_t)e->add) {
            const uint8_t *o = w->old + e->old_pos + offset, *n = k->new_buf + done;
            add = (uint64_t)e->add - offset < room ? (uint64_t)e->add - offset : room;
            copy = (uint64_t)e->copy < room - add ? (uint64_t)e->copy : room - add;
            subtract(diff, n, o, (size_t)add);
            diff += add;
        } else {
            uint64_t left = (uint64_t)e->copy - (offset - (uint64_t)e->add);
            copy = left < room ? left : room;
        }
        memcpy(extra, k->new_buf + done + add, (size_t)copy);
        extra += copy;
        done += add + copy;
    }
    *control_len = used;
    return BL_OK;
}

static int encode_chunk(worker *k, uint32_t c, bl_error *err)
{
    writer *w = k->w;
    uint64_t begin = (uint64_t)c * w->chunk_size;
    uint64_t len = w->new_size - begin < w->chunk_size ? w->new_size - begin : w->chunk_size;
    size_t control_len = 0, content_len, bound, got;
    uint8_t *frame, *shrunk;
    int rc;

    if ((rc = build_chunk(k, c, len, &control_len, err)) != BL_OK)
        return rc;
    content_len = control_len + (size_t)len;
    bound = ZSTD_compressBound(content_len);
    if (!(frame = malloc(bound)))
        return bl_error_set(err, BL_ENOMEM, "out of memory for a compressed chunk");
    ZSTD_CCtx_reset(k->cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(k->cctx, ZSTD_c_compressionLevel, LEVEL);
    ZSTD_CCtx_setParameter(k->cctx, ZSTD_c_contentSizeFlag, 1);
    /* 4 bytes a chunk: a corrupt patch is refused rather than applied. */
    ZSTD_CCtx_setParameter(k->cctx, ZSTD_c_checksumFlag, 1);
    got = ZSTD_compress2(k->cctx, frame, bound, k->content, content_len);
    if (ZSTD_isError(got)) {
        free(frame);
        return bl_error_set(err, BL_ENOMEM, "zstd cannot compress chunk %u: %s", c,
                            ZSTD_getErrorName(got));
    }
    shrunk = realloc(frame, got);
    w->out[c].frame = shrunk ? shrunk : frame;
    w->out[c].frame_len = got;
    w->out[c].control_len = (uint32_t)control_len;
    return BL_OK;
}

static void work(void *arg)
{
    worker *k = arg;
    writer *w = k->w;

    for (;;) {
        uint32_t c;
        int rc, take;
        bl_error err;

        uv_mutex_lock(&w->lock);
        take = w->rc == BL_OK && w->next < w->chunks;
        c = take ? w->next++ : 0;
        uv_mutex_unlock(&w->lock);
        if (!take)
            return;
        rc = encode_chunk(k, c, &err);
        uv_mutex_lock(&w->lock);
        if (rc != BL_OK && w->rc == BL_OK) {
            w->rc = rc;
            w->err = err;
        }
        w->done++;
        uv_mutex_unlock(&w->lock);
    }
}

static int worker_init(worker *k, writer *w, bl_error *err)
{
    memset(k, 0, sizeof *k);
    k->w = w;
    if (!(k->new_buf = malloc(w->chunk_size)) ||
        !(k->content = malloc((size_t)w->chunk_size + bl_zstd_control_max(w->chunk_size))) ||
        !(k->cctx = ZSTD_createCCtx()))
        return bl_error_set(err, BL_ENOMEM, "out of memory for a zstd compressor");
    return BL_OK;
}

static void worker_free(worker *k)
{
    free(k->new_buf);
    free(k->content);
    free(k->control);
    ZSTD_freeCCtx(k->cctx);
}

static int write_out(writer *w, const bl_delta_sink *patch, bl_error *err)
{
    uint8_t header[BL_ZSTD_HEADER_SIZE], entry[BL_ZSTD_INDEX_ENTRY];
    uint32_t c;
    int rc;

    memset(header, 0, sizeof header);
    memcpy(header, BL_DELTA_ZSTD_MAGIC, 8);
    bl_zstd_put64(header + 8, w->new_size);
    bl_zstd_put64(header + 16, w->old_size);
    bl_zstd_put32(header + 24, w->chunk_size);
    bl_zstd_put32(header + 28, w->chunks);
    if ((rc = patch->write(patch->ctx, header, sizeof header, err)) != BL_OK)
        return rc;
    for (c = 0; c < w->chunks; c++) {
        bl_zstd_put32(entry, (uint32_t)w->out[c].frame_len);
        bl_zstd_put32(entry + 4, w->out[c].control_len);
        if ((rc = patch->write(patch->ctx, entry, sizeof entry, err)) != BL_OK)
            return rc;
    }
    for (c = 0; c < w->chunks; c++)
        if ((rc = patch->write(patch->ctx, w->out[c].frame, w->out[c].frame_len, err)) != BL_OK)
            return rc;
    return BL_OK;
}

int bl_zstd_write(const uint8_t *old, uint64_t old_size, const bl_delta_source *new_src,
                  const bl_delta_entry *entries, size_t count, const bl_delta_sink *patch,
                  const bl_delta_options *opts, bl_error *err)
{
    writer w;
    worker workers[MAX_THREADS];
    uv_thread_t threads[MAX_THREADS];
    unsigned n_threads = uv_available_parallelism(), started = 0, i;
    int rc = BL_OK, lock_ready = 0;
    uint64_t chunks;

    memset(&w, 0, sizeof w);
    memset(workers, 0, sizeof workers);
    w.old = old;
    w.old_size = old_size;
    w.new_src = new_src;
    w.entries = entries;
    w.count = count;
    w.new_size = new_src->size;
    w.chunk_size = WRITE_CHUNK;
    chunks = (w.new_size + w.chunk_size - 1) / w.chunk_size;
    if (chunks > UINT32_MAX)
        return bl_error_set(err, BL_ETOOBIG, "new is too big for the zstd format");
    w.chunks = (uint32_t)chunks;
    if (n_threads > MAX_THREADS)
        n_threads = MAX_THREADS;
    if (n_threads > w.chunks)
        n_threads = w.chunks ? w.chunks : 1;
    if (n_threads < 1)
        n_threads = 1;
    if (!(w.starts = calloc(w.chunks ? w.chunks : 1, sizeof *w.starts)) ||
        !(w.out = calloc(w.chunks ? w.chunks : 1, sizeof *w.out))) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (uv_mutex_init(&w.lock) != 0) {
        rc = bl_error_set(err, BL_ENOMEM, "cannot create a lock");
        goto cleanup;
    }
    lock_ready = 1;
    plan_chunks(&w);
    for (i = 0; i < n_threads; i++)
        if ((rc = worker_init(&workers[i], &w, err)) != BL_OK)
            goto cleanup;
    for (i = 1; i < n_threads; i++) {
        if (uv_thread_create(&threads[i], work, &workers[i]) != 0)
            break;
        started = i;
    }
    work(&workers[0]);
    for (i = 1; i <= started; i++)
        uv_thread_join(&threads[i]);
    if (w.rc != BL_OK) {
        rc = w.rc;
        if (err)
            *err = w.err;
        goto cleanup;
    }
    if (opts && opts->progress)
        opts->progress(opts->progress_ctx, BL_DELTA_COMPRESSING, w.new_size, w.new_size);
    rc = write_out(&w, patch, err);

cleanup:
    for (i = 0; i < n_threads; i++)
        worker_free(&workers[i]);
    for (i = 0; w.out && i < w.chunks; i++)
        free(w.out[i].frame);
    free(w.out);
    free(w.starts);
    if (lock_ready)
        uv_mutex_destroy(&w.lock);
    return rc;
}

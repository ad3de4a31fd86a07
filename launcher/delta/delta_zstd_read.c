/* SPDX-License-Identifier: Apache-2.0 */
/* Applying a zstd-format patch as a stream. The header and the whole index
 * are checked first (every frame inside the patch, the frames ending exactly
 * at its end), before a byte of new is written. Then worker threads, one a
 * core, each take the next chunk, decompress its frame in one call into a
 * buffer of exactly the size the index gives, check its control entries
 * whole, and rebuild the chunk's bytes of new into a slot of a small ring;
 * the calling thread hands the slots out to the sink in order. Workers run
 * at most a ring's length ahead of the sink, so memory is bounded by the
 * chunk size and the number of workers, not by the sizes of old or new. */
#include "delta_zstd.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zstd.h>

#define MAX_WORKERS 8
#define INDEX_READ 4096 /* index entries read at a time while checking it */
/* What the workers and the ring may hold at worst, allocated as needed. */
#define MEMORY_BUDGET (48u * 1024 * 1024)

typedef struct {
    uint64_t offset;      /* of the frame in the patch */
    uint32_t frame_len;
    uint32_t control_len;
} chunk_ref;

enum { SLOT_FREE, SLOT_BUSY, SLOT_READY };

typedef struct {
    uint8_t *data; /* the chunk's bytes of new */
    size_t len;
    int state;
    int rc;
    bl_error err;
} slot;

typedef struct {
    const bl_delta_source *old, *patch;
    bl_zstd_header h;
    chunk_ref *chunks;
    slot *ring;
    unsigned slots;
    uint64_t max_frame, max_content; /* the biggest a worker will hold */
    uint32_t next;    /* next chunk a worker takes, under lock */
    uint32_t written; /* chunks handed to the sink, under lock */
    int stop;         /* the sink failed: workers quit */
    uv_mutex_t lock;
    uv_cond_t cond;
} reader;

typedef struct {
    reader *r;
    uint8_t *frame, *content;
    size_t frame_cap, content_cap;
    ZSTD_DCtx *dctx;
} worker;

int bl_zstd_header_parse(const uint8_t buf[BL_ZSTD_HEADER_SIZE], uint64_t patch_size,
                         bl_zstd_header *out, bl_error *err)
{
    uint64_t chunks;

    if (patch_size < BL_ZSTD_HEADER_SIZE)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch is %llu bytes, shorter than the 32-byte zstd-format header",
                            (unsigned long long)patch_size);
    if (memcmp(buf, BL_DELTA_ZSTD_MAGIC, 8) != 0)
        return bl_error_set(err, BL_ECORRUPT, "not a zstd-format patch (bad magic)");
    out->new_size = bl_zstd_get64(buf + 8);
    out->old_size = bl_zstd_get64(buf + 16);
    out->chunk_size = bl_zstd_get32(buf + 24);
    out->chunk_count = bl_zstd_get32(buf + 28);
    if (out->chunk_size < BL_ZSTD_CHUNK_MIN || out->chunk_size > BL_ZSTD_CHUNK_MAX)
        return bl_error_set(err, BL_ECORRUPT, "patch's chunk size %lu is outside %u..%u",
                            (unsigned long)out->chunk_size, BL_ZSTD_CHUNK_MIN, BL_ZSTD_CHUNK_MAX);
    chunks = out->new_size / out->chunk_size + (out->new_size % out->chunk_size != 0);
    if (chunks != out->chunk_count)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch has %lu chunks where %llu bytes of new in chunks of %lu take %llu",
                            (unsigned long)out->chunk_count, (unsigned long long)out->new_size,
                            (unsigned long)out->chunk_size, (unsigned long long)chunks);
    if ((uint64_t)out->chunk_count * BL_ZSTD_INDEX_ENTRY > patch_size - BL_ZSTD_HEADER_SIZE)
        return bl_error_set(err, BL_ECORRUPT, "patch's chunk index runs past its end");
    return BL_OK;
}

static uint64_t chunk_len(const bl_zstd_header *h, uint32_t c)
{
    uint64_t begin = (uint64_t)c * h->chunk_size;
    return h->new_size - begin < h->chunk_size ? h->new_size - begin : h->chunk_size;
}

/* The whole index, checked: each frame no longer than zstd's bound for what
 * it must hold, each control section within its bound, the frames filling
 * the patch exactly. */
static int read_index(reader *r, bl_error *err)
{
    uint8_t buf[INDEX_READ * BL_ZSTD_INDEX_ENTRY];
    uint64_t at = BL_ZSTD_HEADER_SIZE, frames;
    uint32_t c = 0;
    int rc;

    frames = at + (uint64_t)r->h.chunk_count * BL_ZSTD_INDEX_ENTRY;
    if (!(r->chunks = calloc(r->h.chunk_count ? r->h.chunk_count : 1, sizeof *r->chunks)))
        return bl_error_set(err, BL_ENOMEM, "out of memory for the patch's index");
    while (c < r->h.chunk_count) {
        uint32_t n = r->h.chunk_count - c < INDEX_READ ? r->h.chunk_count - c : INDEX_READ, i;
        if ((rc = r->patch->read_at(r->patch->ctx, at, buf, (size_t)n * BL_ZSTD_INDEX_ENTRY,
                                    err)) != BL_OK)
            return rc;
        at += (uint64_t)n * BL_ZSTD_INDEX_ENTRY;
        for (i = 0; i < n; i++, c++) {
            chunk_ref *ref = &r->chunks[c];
            uint64_t len = chunk_len(&r->h, c);
            ref->frame_len = bl_zstd_get32(buf + i * BL_ZSTD_INDEX_ENTRY);
            ref->control_len = bl_zstd_get32(buf + i * BL_ZSTD_INDEX_ENTRY + 4);
            ref->offset = frames;
            if (ref->control_len > bl_zstd_control_max(len))
                return bl_error_set(err, BL_ECORRUPT,
                                    "patch's chunk %lu has %lu bytes of control entries, more than "
                                    "its %llu bytes of new allow",
                                    (unsigned long)c, (unsigned long)ref->control_len,
                                    (unsigned long long)len);
            if (ref->frame_len == 0 || ref->frame_len > ZSTD_compressBound(ref->control_len + len))
                return bl_error_set(err, BL_ECORRUPT,
                                    "patch's chunk %lu claims a frame of %lu bytes",
                                    (unsigned long)c, (unsigned long)ref->frame_len);
            if (ref->frame_len > r->patch->size - frames)
                return bl_error_set(err, BL_ECORRUPT,
                                    "patch's chunk %lu runs past the end of the patch",
                                    (unsigned long)c);
            frames += ref->frame_len;
            if (ref->frame_len > r->max_frame)
                r->max_frame = ref->frame_len;
            if (ref->control_len + len > r->max_content)
                r->max_content = ref->control_len + len;
        }
    }
    if (frames != r->patch->size)
        return bl_error_set(err, BL_ECORRUPT, "patch has %llu bytes after its last chunk",
                            (unsigned long long)(r->patch->size - frames));
    return BL_OK;
}

static int grow(uint8_t **buf, size_t *cap, size_t need, bl_error *err)
{
    uint8_t *p;

    if (need <= *cap)
        return BL_OK;
    if (!(p = realloc(*buf, need)))
        return bl_error_set(err, BL_ENOMEM, "out of memory for a chunk of the patch");
    *buf = p;
    *cap = need;
    return BL_OK;
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* One entry of a chunk's control section: lengths checked against what is
 * left of the chunk, the old range against old. */
static int next_entry(const uint8_t **p, const uint8_t *end, uint64_t left, uint64_t old_size,
                      uint64_t *old_end, uint64_t *add, uint64_t *copy, uint64_t *old_pos,
                      uint32_t c, bl_error *err)
{
    uint64_t seek;
    int64_t delta;

    if (bl_zstd_get_varint(p, end, add) != 0 || bl_zstd_get_varint(p, end, copy) != 0 ||
        bl_zstd_get_varint(p, end, &seek) != 0)
        return bl_error_set(err, BL_ECORRUPT, "patch's chunk %lu has a cut control entry",
                            (unsigned long)c);
    if (*add > left || *copy > left - *add || *add + *copy == 0)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch's chunk %lu has a control entry writing %llu + %llu bytes where "
                            "%llu are left",
                            (unsigned long)c, (unsigned long long)*add,
                            (unsigned long long)*copy, (unsigned long long)left);
    delta = unzigzag(seek);
    if (delta < 0 ? (uint64_t)0 - (uint64_t)delta > *old_end
                  : (uint64_t)delta > old_size - *old_end)
        return bl_error_set(err, BL_ECORRUPT, "patch's chunk %lu seeks old out of range",
                            (unsigned long)c);
    *old_pos = *old_end + (uint64_t)delta;
    if (*add > old_size - *old_pos)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch's chunk %lu reads old bytes %llu..+%llu outside the old file "
                            "(%llu bytes)",
                            (unsigned long)c, (unsigned long long)*old_pos,
                            (unsigned long long)*add, (unsigned long long)old_size);
    if (*add > 0)
        *old_end = *old_pos + *add;
    return BL_OK;
}

/* dst += diff, the two read as little-endian integers of len bytes (the
 * carry runs from each byte to the next; the writer's subtract undone),
 * 8 bytes at a time. */
static void add_integers(uint8_t *restrict dst, const uint8_t *restrict diff, size_t len)
{
    unsigned carry = 0;
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t a = bl_zstd_get64(dst + i), d = bl_zstd_get64(diff + i), sum = a + d + carry;
        carry = carry ? sum <= a : sum < a;
        bl_zstd_put64(dst + i, sum);
    }
    for (; i < len; i++) {
        unsigned sum = (unsigned)dst[i] + diff[i] + carry;
        carry = sum > 255;
        dst[i] = (uint8_t)sum;
    }
}

/* Decompresses chunk c and rebuilds its bytes of new into out. */
static int decode_chunk(worker *k, uint32_t c, uint8_t *out, bl_error *err)
{
    const reader *r = k->r;
    const chunk_ref *ref = &r->chunks[c];
    uint64_t len = chunk_len(&r->h, c), content_len = ref->control_len + len;
    uint64_t pos, old_end, add, copy, old_pos, diff_len = 0;
    const uint8_t *p, *end, *diff, *extra;
    unsigned long long claimed;
    size_t got;
    int rc;

    if ((rc = grow(&k->frame, &k->frame_cap, ref->frame_len, err)) != BL_OK ||
        (rc = grow(&k->content, &k->content_cap, (size_t)content_len, err)) != BL_OK)
        return rc;
    if ((rc = r->patch->read_at(r->patch->ctx, ref->offset, k->frame, ref->frame_len, err)) != BL_OK)
        return rc;
    /* The frame must say it holds exactly what the index gives, and be one
     * frame with nothing after it: no bomb, no trailing data. */
    claimed = ZSTD_getFrameContentSize(k->frame, ref->frame_len);
    if (claimed != content_len)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch's chunk %lu is not a zstd frame of the %llu bytes its index gives",
                            (unsigned long)c, (unsigned long long)content_len);
    /* RFC 8878 3.1.1: the magic, then the frame header descriptor, whose
     * bit 2 says the frame ends with a checksum of its content. */
    if (ref->frame_len < 5 || bl_zstd_get32(k->frame) != 0xFD2FB528u || !(k->frame[4] & 4))
        return bl_error_set(err, BL_ECORRUPT,
                            "patch's chunk %lu is a zstd frame without its checksum",
                            (unsigned long)c);
    if (ZSTD_findFrameCompressedSize(k->frame, ref->frame_len) != ref->frame_len)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch's chunk %lu is not exactly one zstd frame", (unsigned long)c);
    got = ZSTD_decompressDCtx(k->dctx, k->content, (size_t)content_len, k->frame, ref->frame_len);
    if (ZSTD_isError(got) || got != content_len)
        return bl_error_set(err, BL_ECORRUPT, "patch's chunk %lu is not valid zstd data (%s)",
                            (unsigned long)c,
                            ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short");
    /* Pass 1: every entry checked before a byte of old is read. */
    p = k->content;
    end = p + ref->control_len;
    for (pos = 0, old_end = 0; p < end; pos += add + copy) {
        if ((rc = next_entry(&p, end, len - pos, r->old->size, &old_end, &add, &copy, &old_pos, c,
                             err)) != BL_OK)
            return rc;
        diff_len += add;
    }
    if (pos != len)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch's chunk %lu has control entries for %llu of its %llu bytes",
                            (unsigned long)c, (unsigned long long)pos, (unsigned long long)len);
    /* Pass 2: new = old + diff, then the extra bytes. */
    p = k->content;
    diff = end;
    extra = diff + diff_len;
    for (pos = 0, old_end = 0; p < end; pos += add + copy) {
        next_entry(&p, end, len - pos, r->old->size, &old_end, &add, &copy, &old_pos, c, err);
        if (add > 0) {
            if ((rc = r->old->read_at(r->old->ctx, old_pos, out + pos, (size_t)add, err)) != BL_OK)
                return rc;
            add_integers(out + pos, diff, (size_t)add);
            diff += add;
        }
        memcpy(out + pos + add, extra, (size_t)copy);
        extra += copy;
    }
    return BL_OK;
}

static void work(void *arg)
{
    worker *k = arg;
    reader *r = k->r;

    for (;;) {
        uint32_t c;
        slot *s;
        int rc;

        uv_mutex_lock(&r->lock);
        while (!r->stop && r->next < r->h.chunk_count && r->next >= r->written + r->slots)
            uv_cond_wait(&r->cond, &r->lock);
        if (r->stop || r->next >= r->h.chunk_count) {
            uv_mutex_unlock(&r->lock);
            return;
        }
        c = r->next++;
        s = &r->ring[c % r->slots];
        s->state = SLOT_BUSY;
        uv_mutex_unlock(&r->lock);

        s->len = (size_t)chunk_len(&r->h, c);
        rc = BL_OK;
        if (!s->data && !(s->data = malloc(r->h.chunk_size)))
            rc = bl_error_set(&s->err, BL_ENOMEM, "out of memory for a chunk of new");
        if (rc == BL_OK)
            rc = decode_chunk(k, c, s->data, &s->err);

        uv_mutex_lock(&r->lock);
        s->rc = rc;
        s->state = SLOT_READY;
        if (rc != BL_OK)
            r->stop = 1; /* chunks after a bad one are never needed */
        uv_cond_broadcast(&r->cond);
        uv_mutex_unlock(&r->lock);
    }
}

/* The calling thread: each chunk to the sink, in order. */
static int hand_out(reader *r, const bl_delta_sink *out, const bl_delta_options *opts,
                    bl_error *err)
{
    uint64_t done = 0;
    int rc = BL_OK;

    while (r->written < r->h.chunk_count) {
        slot *s = &r->ring[r->written % r->slots];

        uv_mutex_lock(&r->lock);
        while (s->state != SLOT_READY)
            uv_cond_wait(&r->cond, &r->lock);
        uv_mutex_unlock(&r->lock);
        if (s->rc != BL_OK) {
            rc = s->rc;
            if (err)
                *err = s->err;
            return rc;
        }
        if (opts && opts->observe)
            opts->observe(opts->observe_ctx, s->data, s->len);
        if ((rc = out->write(out->ctx, s->data, s->len, err)) != BL_OK)
            return rc;
        done += s->len;
        if (opts && opts->progress)
            opts->progress(opts->progress_ctx, BL_DELTA_APPLYING, done, r->h.new_size);
        uv_mutex_lock(&r->lock);
        s->state = SLOT_FREE;
        r->written++;
        uv_cond_broadcast(&r->cond);
        uv_mutex_unlock(&r->lock);
    }
    return BL_OK;
}

/* Workers: one a core, at most MAX_WORKERS, and as many as the budget
 * holds: each holds the biggest frame and content the index lists (at most
 * 1.25 chunks each, by the index's bounds), a zstd context and a ring
 * slot; the ring has two slots more. */
static unsigned count_workers(const reader *r)
{
    uint64_t per = r->max_frame + r->max_content + r->h.chunk_size + 256 * 1024;
    unsigned n = uv_available_parallelism();

    if (n > MAX_WORKERS)
        n = MAX_WORKERS;
    while (n > 1 && per * n + 2ull * r->h.chunk_size > MEMORY_BUDGET)
        n--;
    if (n > r->h.chunk_count)
        n = r->h.chunk_count;
    return n ? n : 1;
}

int bl_zstd_patch(const bl_delta_source *old, const bl_delta_source *patch,
                  const bl_delta_sink *out, const bl_delta_options *opts, bl_error *err)
{
    uint8_t buf[BL_ZSTD_HEADER_SIZE];
    reader r;
    worker workers[MAX_WORKERS];
    uv_thread_t threads[MAX_WORKERS];
    unsigned n_workers = 0, started = 0, i;
    int rc, sync_ready = 0;

    memset(&r, 0, sizeof r);
    memset(workers, 0, sizeof workers);
    if (patch->size >= BL_ZSTD_HEADER_SIZE &&
        (rc = patch->read_at(patch->ctx, 0, buf, sizeof buf, err)) != BL_OK)
        return rc;
    if ((rc = bl_zstd_header_parse(buf, patch->size, &r.h, err)) != BL_OK)
        return rc;
    if (old->size != r.h.old_size)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch is for an old file of %llu bytes, this one has %llu",
                            (unsigned long long)r.h.old_size, (unsigned long long)old->size);
    r.old = old;
    r.patch = patch;
    if ((rc = read_index(&r, err)) != BL_OK)
        goto cleanup;
    n_workers = count_workers(&r);
    r.slots = n_workers + 2;
    if (!(r.ring = calloc(r.slots, sizeof *r.ring))) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (uv_mutex_init(&r.lock) != 0) {
        rc = bl_error_set(err, BL_ENOMEM, "cannot create a lock");
        goto cleanup;
    }
    if (uv_cond_init(&r.cond) != 0) {
        uv_mutex_destroy(&r.lock);
        rc = bl_error_set(err, BL_ENOMEM, "cannot create a condition variable");
        goto cleanup;
    }
    sync_ready = 1;
    for (i = 0; i < n_workers; i++) {
        workers[i].r = &r;
        if (!(workers[i].dctx = ZSTD_createDCtx())) {
            rc = bl_error_set(err, BL_ENOMEM, "out of memory for a zstd decompressor");
            goto cleanup;
        }
    }
    for (i = 0; i < n_workers; i++) {
        if (uv_thread_create(&threads[i], work, &workers[i]) != 0)
            break;
        started++;
    }
    if (started == 0 && r.h.chunk_count > 0) {
        rc = bl_error_set(err, BL_ENOMEM, "cannot start a thread to apply the patch");
        goto cleanup;
    }
    rc = hand_out(&r, out, opts, err);
    if (rc == BL_OK && opts && opts->progress && r.h.chunk_count == 0)
        opts->progress(opts->progress_ctx, BL_DELTA_APPLYING, 0, 0);

cleanup:
    if (sync_ready) {
        uv_mutex_lock(&r.lock);
        r.stop = 1;
        uv_cond_broadcast(&r.cond);
        uv_mutex_unlock(&r.lock);
    }
    for (i = 0; i < started; i++)
        uv_thread_join(&threads[i]);
    for (i = 0; i < n_workers && i < MAX_WORKERS; i++) {
        free(workers[i].frame);
        free(workers[i].content);
        ZSTD_freeDCtx(workers[i].dctx);
    }
    for (i = 0; r.ring && i < r.slots; i++)
        free(r.ring[i].data);
    free(r.ring);
    free(r.chunks);
    if (sync_ready) {
        uv_cond_destroy(&r.cond);
        uv_mutex_destroy(&r.lock);
    }
    return rc;
}

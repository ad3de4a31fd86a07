/* SPDX-License-Identifier: Apache-2.0 */
/* Applying a BSDIFF40 patch as a stream. Each of the three blocks is read by
 * its own bzip2 decompressor from its own range of the patch; the diff block,
 * the biggest, is decompressed ahead on a second thread into a small ring of
 * chunks. Every length from the patch is checked against what is left of new,
 * of old and of its block before it is used. */
#include "delta.h"

#include <bzlib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "delta_format.h"
#include "delta_zstd.h"

#define IN_SIZE (64 * 1024)       /* compressed bytes read at a time */
#define WORK_SIZE (1024 * 1024)   /* old bytes, diff bytes and new bytes in flight */
#define RING_CHUNKS 4             /* diff block decompressed ahead: 4 MB */

/* One bzip2 stream over [pos, end) of the patch. */
typedef struct {
    const bl_delta_source *patch;
    const char *name;
    uint64_t pos, end;
    bz_stream bz;
    int opened, ended;
    uint8_t in[IN_SIZE];
} block_reader;

/* The diff block, decompressed ahead by a thread. head and tail count chunks
 * taken and filled; the consumer owns chunk[head % RING_CHUNKS] while
 * head != tail, the producer owns chunk[tail % RING_CHUNKS] while the ring
 * is not full. */
typedef struct {
    block_reader block;
    uv_thread_t thread;
    uv_mutex_t lock;
    uv_cond_t cond;
    int sync_ready, started;
    uint8_t *chunk[RING_CHUNKS];
    size_t len[RING_CHUNKS];
    uint64_t head, tail;
    size_t offset;   /* consumer's position in the head chunk */
    int done, stop;  /* producer finished (see rc); consumer wants it to quit */
    int rc;
    bl_error err;
} prefetch;

static int block_open(block_reader *b, const bl_delta_source *patch, const char *name,
                      uint64_t pos, uint64_t len, bl_error *err)
{
    memset(&b->bz, 0, sizeof b->bz);
    b->patch = patch;
    b->name = name;
    b->pos = pos;
    b->end = pos + len;
    b->opened = 0;
    /* bspatch 4.3 accepts an empty block when nothing is read from it. */
    b->ended = len == 0;
    if (len > 0) {
        if (BZ2_bzDecompressInit(&b->bz, 0, 0) != BZ_OK)
            return bl_error_set(err, BL_ENOMEM, "out of memory for the %s block's decompressor",
                                name);
        b->opened = 1;
    }
    return BL_OK;
}

static void block_close(block_reader *b)
{
    if (b->opened)
        BZ2_bzDecompressEnd(&b->bz);
    b->opened = 0;
}

/* Reads up to len bytes; fewer only when the stream has ended. */
static int block_read(block_reader *b, uint8_t *buf, size_t len, size_t *got, bl_error *err)
{
    size_t total = 0;
    int rc;

    while (total < len && !b->ended) {
        unsigned in_before, out_len;

        if (b->bz.avail_in == 0 && b->pos < b->end) {
            size_t n = b->end - b->pos < IN_SIZE ? (size_t)(b->end - b->pos) : IN_SIZE;
            if ((rc = b->patch->read_at(b->patch->ctx, b->pos, b->in, n, err)) != BL_OK)
                return rc;
            b->pos += n;
            b->bz.next_in = (char *)b->in;
            b->bz.avail_in = (unsigned)n;
        }
        out_len = len - total > UINT_MAX ? UINT_MAX : (unsigned)(len - total);
        in_before = b->bz.avail_in;
        b->bz.next_out = (char *)buf + total;
        b->bz.avail_out = out_len;
        rc = BZ2_bzDecompress(&b->bz);
        total += out_len - b->bz.avail_out;
        if (rc == BZ_STREAM_END) {
            b->ended = 1;
        } else if (rc != BZ_OK) {
            return bl_error_set(err, BL_ECORRUPT, "patch's %s block is not valid bzip2 data (%d)",
                                b->name, rc);
        } else if (b->bz.avail_out == out_len && b->bz.avail_in == in_before &&
                   b->bz.avail_in == 0 && b->pos == b->end) {
            return bl_error_set(err, BL_ECORRUPT,
                                "patch's %s block ends inside its bzip2 stream (truncated patch?)",
                                b->name);
        }
    }
    *got = total;
    return BL_OK;
}

static int block_read_exact(block_reader *b, uint8_t *buf, size_t len, bl_error *err)
{
    size_t got;
    int rc = block_read(b, buf, len, &got, err);

    if (rc == BL_OK && got < len)
        rc = bl_error_set(err, BL_ECORRUPT,
                          "patch's %s block ends before the control entries are done", b->name);
    return rc;
}

/* The block must end here: no more data in its stream, nothing after it. */
static int block_finish(block_reader *b, bl_error *err)
{
    uint8_t byte;
    size_t got;
    int rc;

    if ((rc = block_read(b, &byte, 1, &got, err)) != BL_OK)
        return rc;
    if (got > 0)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch's %s block holds more data than the control entries use",
                            b->name);
    if (b->bz.avail_in > 0 || b->pos < b->end)
        return bl_error_set(err, BL_ECORRUPT, "patch's %s block has %llu bytes after its bzip2 stream",
                            b->name, (unsigned long long)(b->bz.avail_in + (b->end - b->pos)));
    return BL_OK;
}

static void prefetch_run(void *arg)
{
    prefetch *p = arg;

    for (;;) {
        size_t slot, got = 0;
        int rc;

        uv_mutex_lock(&p->lock);
        while (p->tail - p->head == RING_CHUNKS && !p->stop)
            uv_cond_wait(&p->cond, &p->lock);
        if (p->stop) {
            uv_mutex_unlock(&p->lock);
            return;
        }
        slot = p->tail % RING_CHUNKS;
        uv_mutex_unlock(&p->lock);

        rc = block_read(&p->block, p->chunk[slot], WORK_SIZE, &got, &p->err);
        if (rc == BL_OK && got < WORK_SIZE)
            rc = block_finish(&p->block, &p->err);

        uv_mutex_lock(&p->lock);
        p->len[slot] = got;
        if (got > 0)
            p->tail++;
        p->rc = rc;
        p->done = rc != BL_OK || got < WORK_SIZE;
        uv_cond_broadcast(&p->cond);
        uv_mutex_unlock(&p->lock);
        if (p->done)
            return;
    }
}

static int prefetch_start(prefetch *p, bl_error *err)
{
    int i;

    for (i = 0; i < RING_CHUNKS; i++)
        if (!(p->chunk[i] = malloc(WORK_SIZE)))
            return bl_error_set(err, BL_ENOMEM, "out of memory for the diff block");
    if (uv_mutex_init(&p->lock) != 0)
        return bl_error_set(err, BL_ENOMEM, "cannot create a lock");
    if (uv_cond_init(&p->cond) != 0) {
        uv_mutex_destroy(&p->lock);
        return bl_error_set(err, BL_ENOMEM, "cannot create a condition variable");
    }
    p->sync_ready = 1;
    if (uv_thread_create(&p->thread, prefetch_run, p) != 0)
        return bl_error_set(err, BL_ENOMEM, "cannot start the diff block's thread");
    p->started = 1;
    return BL_OK;
}

static void prefetch_stop(prefetch *p)
{
    int i;

    if (p->started) {
        uv_mutex_lock(&p->lock);
        p->stop = 1;
        uv_cond_broadcast(&p->cond);
        uv_mutex_unlock(&p->lock);
        uv_thread_join(&p->thread);
        p->started = 0;
    }
    if (p->sync_ready) {
        uv_cond_destroy(&p->cond);
        uv_mutex_destroy(&p->lock);
        p->sync_ready = 0;
    }
    for (i = 0; i < RING_CHUNKS; i++) {
        free(p->chunk[i]);
        p->chunk[i] = NULL;
    }
}

/* Waits for a filled chunk; BL_OK with *avail == 0 means the block ended. */
static int prefetch_wait(prefetch *p, size_t *avail, bl_error *err)
{
    int rc = BL_OK;

    uv_mutex_lock(&p->lock);
    while (p->head == p->tail && !p->done)
        uv_cond_wait(&p->cond, &p->lock);
    if (p->head != p->tail) {
        *avail = p->len[p->head % RING_CHUNKS] - p->offset;
    } else {
        *avail = 0;
        if ((rc = p->rc) != BL_OK && err)
            *err = p->err;
    }
    uv_mutex_unlock(&p->lock);
    return rc;
}

static int prefetch_read(prefetch *p, uint8_t *buf, size_t len, bl_error *err)
{
    while (len > 0) {
        size_t avail, n;
        int rc;

        if ((rc = prefetch_wait(p, &avail, err)) != BL_OK)
            return rc;
        if (avail == 0)
            return bl_error_set(err, BL_ECORRUPT,
                                "patch's diff block ends before the control entries are done");
        n = avail < len ? avail : len;
        memcpy(buf, p->chunk[p->head % RING_CHUNKS] + p->offset, n);
        buf += n;
        len -= n;
        p->offset += n;
        if (n == avail) {
            uv_mutex_lock(&p->lock);
            p->head++;
            p->offset = 0;
            uv_cond_broadcast(&p->cond);
            uv_mutex_unlock(&p->lock);
        }
    }
    return BL_OK;
}

static int prefetch_finish(prefetch *p, bl_error *err)
{
    size_t avail;
    int rc = prefetch_wait(p, &avail, err);

    if (rc == BL_OK && avail > 0)
        rc = bl_error_set(err, BL_ECORRUPT,
                          "patch's diff block holds more data than the control entries use");
    return rc;
}

typedef struct {
    const bl_delta_source *old;
    const bl_delta_sink *out;
    const bl_delta_options *opts;
    block_reader control, extra;
    prefetch diff;
    uint8_t *out_buf, *old_buf;
    size_t out_len;
    uint64_t new_pos, new_size;
    int64_t old_pos;
} applier;

static int flush_out(applier *a, bl_error *err)
{
    int rc = BL_OK;

    if (a->out_len > 0 && a->opts && a->opts->observe)
        a->opts->observe(a->opts->observe_ctx, a->out_buf, a->out_len);
    if (a->out_len > 0)
        rc = a->out->write(a->out->ctx, a->out_buf, a->out_len, err);
    a->out_len = 0;
    if (a->opts && a->opts->progress)
        a->opts->progress(a->opts->progress_ctx, BL_DELTA_APPLYING, a->new_pos, a->new_size);
    return rc;
}

/* dst[i] += old[i]: restrict lets the compiler use vector adds (16-64
 * bytes at a time), which the loop on the applier's own fields did not get. */
static void add_bytes(uint8_t *restrict dst, const uint8_t *restrict old, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        dst[i] = (uint8_t)(dst[i] + old[i]);
}

/* new[i] = old[i] + diff[i] for len bytes; the caller checked both ranges. */
static int apply_add(applier *a, uint64_t len, bl_error *err)
{
    while (len > 0) {
        size_t room = WORK_SIZE - a->out_len;
        size_t n = len < room ? (size_t)len : room;
        uint8_t *dst = a->out_buf + a->out_len;
        int rc;

        if ((rc = prefetch_read(&a->diff, dst, n, err)) != BL_OK)
            return rc;
        if ((rc = a->old->read_at(a->old->ctx, (uint64_t)a->old_pos, a->old_buf, n, err)) != BL_OK)
            return rc;
        add_bytes(dst, a->old_buf, n);
        a->out_len += n;
        a->old_pos += (int64_t)n;
        a->new_pos += n;
        len -= n;
        if (a->out_len == WORK_SIZE && (rc = flush_out(a, err)) != BL_OK)
            return rc;
    }
    return BL_OK;
}

static int apply_copy(applier *a, uint64_t len, bl_error *err)
{
    while (len > 0) {
        size_t room = WORK_SIZE - a->out_len;
        size_t n = len < room ? (size_t)len : room;
        int rc;

        if ((rc = block_read_exact(&a->extra, a->out_buf + a->out_len, n, err)) != BL_OK)
            return rc;
        a->out_len += n;
        a->new_pos += n;
        len -= n;
        if (a->out_len == WORK_SIZE && (rc = flush_out(a, err)) != BL_OK)
            return rc;
    }
    return BL_OK;
}

/* One control entry (x, y, z), checked whole before any of it is done. */
static int apply_entry(applier *a, const uint8_t entry[24], bl_error *err)
{
    int64_t add = bl_delta_get_int(entry), copy = bl_delta_get_int(entry + 8);
    int64_t seek = bl_delta_get_int(entry + 16);
    uint64_t left = a->new_size - a->new_pos;
    int rc;

    if (add < 0 || copy < 0)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch has a negative length in a control entry (add %lld, copy %lld)",
                            (long long)add, (long long)copy);
    if ((uint64_t)add > left || (uint64_t)copy > left - (uint64_t)add)
        return bl_error_set(err, BL_ECORRUPT,
                            "patch's control entry writes past the new size (%llu bytes) at %llu",
                            (unsigned long long)a->new_size, (unsigned long long)a->new_pos);
    if (add > 0 && (a->old_pos < 0 || (uint64_t)a->old_pos > a->old->size ||
                    (uint64_t)add > a->old->size - (uint64_t)a->old_pos))
        return bl_error_set(err, BL_ECORRUPT,
                            "patch's control entry reads old bytes %lld..+%lld outside the old file "
                            "(%llu bytes)",
                            (long long)a->old_pos, (long long)add,
                            (unsigned long long)a->old->size);
    if ((rc = apply_add(a, (uint64_t)add, err)) != BL_OK ||
        (rc = apply_copy(a, (uint64_t)copy, err)) != BL_OK)
        return rc;
    if (seek > 0 ? a->old_pos > INT64_MAX - seek : a->old_pos < INT64_MIN - seek)
        return bl_error_set(err, BL_ECORRUPT, "patch's control entry seeks old out of range");
    a->old_pos += seek;
    return BL_OK;
}

/* The work a patch may cause is bounded by the size of new, which callers
 * compare with a trusted size: at most one control entry per byte of new,
 * plus one. bsdiff 4.3 and bsdiff4 emit at most one entry per byte their scan
 * advances, and our writer drops every entry that writes nothing but the
 * first, so no patch of theirs or ours comes near the bound, however long
 * its runs of entries that write nothing (bsdiff 4.3 writes hundreds in a row
 * on repeating data). A hostile patch whose entries write nothing is stopped
 * after new size + 1 of them: 24 decompressed bytes and a few comparisons
 * each, no more work than a patch that writes every byte. */
static int apply_all(applier *a, bl_error *err)
{
    uint8_t entry[24];
    uint64_t entries = 0;
    int rc;

    while (a->new_pos < a->new_size) {
        if (entries++ > a->new_size)
            return bl_error_set(err, BL_ECORRUPT,
                                "patch's control block has more entries than the %llu bytes of new "
                                "they make, plus one",
                                (unsigned long long)a->new_size);
        if ((rc = block_read_exact(&a->control, entry, sizeof entry, err)) != BL_OK)
            return rc;
        if ((rc = apply_entry(a, entry, err)) != BL_OK)
            return rc;
    }
    if ((rc = flush_out(a, err)) != BL_OK)
        return rc;
    if ((rc = block_finish(&a->control, err)) != BL_OK || (rc = prefetch_finish(&a->diff, err)) != BL_OK)
        return rc;
    return block_finish(&a->extra, err);
}

/* The zstd format's magic, or 0 for anything else (the BSDIFF40 reader
 * says what is wrong with it). */
static int is_zstd(const bl_delta_source *patch, int *zstd, bl_error *err)
{
    uint8_t magic[8];
    int rc;

    *zstd = 0;
    if (patch->size < sizeof magic)
        return BL_OK;
    if ((rc = patch->read_at(patch->ctx, 0, magic, sizeof magic, err)) != BL_OK)
        return rc;
    *zstd = memcmp(magic, BL_DELTA_ZSTD_MAGIC, sizeof magic) == 0;
    return BL_OK;
}

int bl_delta_patch_format(const bl_delta_source *patch, int *format, bl_error *err)
{
    uint8_t magic[8];
    int rc;

    if (patch->size < sizeof magic)
        return bl_error_set(err, BL_ECORRUPT, "patch is %llu bytes, too short for a patch",
                            (unsigned long long)patch->size);
    if ((rc = patch->read_at(patch->ctx, 0, magic, sizeof magic, err)) != BL_OK)
        return rc;
    if (memcmp(magic, BL_DELTA_MAGIC, sizeof magic) == 0)
        *format = BL_DELTA_BSDIFF40;
    else if (memcmp(magic, BL_DELTA_ZSTD_MAGIC, sizeof magic) == 0)
        *format = BL_DELTA_ZSTD;
    else
        return bl_error_set(err, BL_ECORRUPT, "not a patch (neither BSDIFF40 nor zstd format)");
    return BL_OK;
}

int bl_delta_patch_size(const bl_delta_source *patch, uint64_t *new_size, bl_error *err)
{
    uint8_t buf[BL_DELTA_HEADER_SIZE];
    bl_delta_header header;
    int rc, zstd;

    if ((rc = is_zstd(patch, &zstd, err)) != BL_OK)
        return rc;
    if (zstd) {
        bl_zstd_header zh;
        if (patch->size >= BL_ZSTD_HEADER_SIZE &&
            (rc = patch->read_at(patch->ctx, 0, buf, BL_ZSTD_HEADER_SIZE, err)) != BL_OK)
            return rc;
        if ((rc = bl_zstd_header_parse(buf, patch->size, &zh, err)) != BL_OK)
            return rc;
        *new_size = zh.new_size;
        return BL_OK;
    }
    if (patch->size >= BL_DELTA_HEADER_SIZE &&
        (rc = patch->read_at(patch->ctx, 0, buf, sizeof buf, err)) != BL_OK)
        return rc;
    if ((rc = bl_delta_header_parse(buf, patch->size, &header, err)) != BL_OK)
        return rc;
    *new_size = (uint64_t)header.new_size;
    return BL_OK;
}

int bl_delta_patch(const bl_delta_source *old, const bl_delta_source *patch,
                   const bl_delta_sink *out, const bl_delta_options *opts, bl_error *err)
{
    uint8_t buf[BL_DELTA_HEADER_SIZE];
    bl_delta_header h;
    applier *a;
    uint64_t at = BL_DELTA_HEADER_SIZE;
    int rc, zstd;

    if ((rc = is_zstd(patch, &zstd, err)) != BL_OK)
        return rc;
    if (zstd)
        return bl_zstd_patch(old, patch, out, opts, err);
    if (patch->size >= BL_DELTA_HEADER_SIZE &&
        (rc = patch->read_at(patch->ctx, 0, buf, sizeof buf, err)) != BL_OK)
        return rc;
    if ((rc = bl_delta_header_parse(buf, patch->size, &h, err)) != BL_OK)
        return rc;
    if (!(a = calloc(1, sizeof *a)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    a->old = old;
    a->out = out;
    a->opts = opts;
    a->new_size = (uint64_t)h.new_size;
    if ((rc = block_open(&a->control, patch, "control", at, (uint64_t)h.control_len, err)) != BL_OK)
        goto cleanup;
    at += (uint64_t)h.control_len;
    if ((rc = block_open(&a->diff.block, patch, "diff", at, (uint64_t)h.diff_len, err)) != BL_OK)
        goto cleanup;
    at += (uint64_t)h.diff_len;
    if ((rc = block_open(&a->extra, patch, "extra", at, (uint64_t)h.extra_len, err)) != BL_OK)
        goto cleanup;
    if (!(a->out_buf = malloc(WORK_SIZE)) || !(a->old_buf = malloc(WORK_SIZE))) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = prefetch_start(&a->diff, err)) != BL_OK)
        goto cleanup;
    rc = apply_all(a, err);

cleanup:
    prefetch_stop(&a->diff);
    block_close(&a->control);
    block_close(&a->diff.block);
    block_close(&a->extra);
    free(a->out_buf);
    free(a->old_buf);
    free(a);
    return rc;
}

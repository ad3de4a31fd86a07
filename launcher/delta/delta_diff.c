/* SPDX-License-Identifier: Apache-2.0 */
/* Making a patch: suffix-sort old (a filter of its strings built on a
 * second thread meanwhile), match slices of new on two threads, then
 * compress the extra block on one thread, the diff and control blocks on
 * another. Slices are fixed by the sizes alone, so the patch is the
 * same on any machine. New is read a slice or a chunk at a time, never held
 * whole; the diff and extra bytes are computed as they are compressed (the
 * extra block's held a bzip2 block at a time while its blocks are chosen). */
#include "delta.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "delta_anchor.h"
#include "delta_bzip2.h"
#include "delta_format.h"
#include "delta_match.h"
#include "delta_zstd.h"

/* New is matched in slices, at least MIN_SLICE bytes and at most MAX_SLICES
 * of them. Each slice starts without the alignment the previous one ended
 * on, which costs patch size at every boundary (1 MiB slices made the app
 * tar's patch 5% bigger than one range did), while a few dozen slices are
 * enough to keep two threads busy. Each thread holds one slice: for a new
 * under 32 MiB, 512 KiB slices instead of 1 MiB take up to 1 MiB off the
 * peak (esbuild: 1 MiB, for 94 bytes more of its 466 kB patch). */
#define MIN_SLICE (512 * 1024)
/* Anchors (delta_anchor.h) are looked for with blocks of ANCHOR_BLOCK bytes
 * and kept when they cover at least ANCHOR_SHARE_NUM / ANCHOR_SHARE_DEN of
 * old's size (counted in new's bytes). Kept, the suffix array indexes only
 * what they leave of old: on the typescript 5.8.3 -> 5.9.3 package tar
 * (anchors over 90%; one run each, load 4.5) the diff took 2.6 s and 56 MB
 * instead of 4.7 s and 117 MB, the patch 217065 bytes instead of 213099;
 * on esbuild (42%) and the
 * app tar (41%) the patches got smaller too (449147 -> 449106, 26670742 ->
 * 26629682 bytes), but on biome (25%) bigger (9869087 -> 9894950): what an
 * anchor covers is hidden from the search, and where anchors are few, the
 * search would have used those bytes of old better. Blocks of 64 / 256 /
 * 1024 bytes gave 217939 / 215821 / 215479 bytes on the typescript pair
 * (256 and 1024: 1446 and 1469 bytes on 5.9.2 -> 5.9.3, against 1471), but
 * with 256-byte blocks esbuild's anchors fall under 3/8 and it keeps the
 * full index: 449147 bytes and 59.6 MB, against 449106 and 48.0 MB. */
#define ANCHOR_BLOCK 128
#define ANCHOR_SHARE_NUM 3
#define ANCHOR_SHARE_DEN 8
#define MAX_SLICES 32
#define CHUNK (1024 * 1024)
#define WORKERS 2
/* bzip2's block size for each block of the patch (delta_bzip2.h says why
 * block sizes matter). The diff block, mostly runs of zeros with sparse
 * differences, codes smaller in 100 kB blocks than in 900 kB ones: biome's
 * 3.6% (6510858 -> 6275110 bytes), esbuild's 5.0%; choosing its blocks
 * as the extra block's are would take 0.6% more off biome's for four times
 * its 2 s of coding. The control block codes best in 900 kB blocks (5.5%
 * bigger in 100 kB ones). The extra block gets its blocks chosen. */
#define CONTROL_LEVEL 9
#define DIFF_LEVEL 1
#define EXTRA_LEVEL 9

typedef struct {
    const bl_delta_index *index;
    const bl_delta_anchors *anchors; /* NULL when the index holds all of old */
    const uint8_t *old;
    const bl_delta_source *new_src; /* read from two threads at once */
    int64_t new_size;
    size_t slices;
    int64_t slice_len;
    bl_delta_entries *entries;     /* one list a slice */
    bl_delta_entries all;
    uint8_t *slice_buf[WORKERS];
    size_t next_slice;  /* next slice to match, under lock */
    int rc;          /* first failure of a helper thread, under lock */
    bl_error err;
    uv_mutex_t lock;
    const bl_delta_options *opts;
    bl_delta_bzip2 control, diff, extra;
    int diff_rc;
    bl_error diff_err;
} differ;

static void progress(const differ *d, int stage, uint64_t done, uint64_t total)
{
    if (d->opts && d->opts->progress)
        d->opts->progress(d->opts->progress_ctx, stage, done, total);
}

/* Takes slices until none is left; on a failure records it and stops. */
static void match_slices(differ *d, int worker)
{
    for (;;) {
        size_t slice;
        int64_t begin, len;
        int rc, take;
        bl_error err;

        uv_mutex_lock(&d->lock);
        take = d->rc == BL_OK && d->next_slice < d->slices;
        slice = take ? d->next_slice++ : 0;
        uv_mutex_unlock(&d->lock);
        if (!take)
            return;
        begin = (int64_t)slice * d->slice_len;
        len = d->new_size - begin < d->slice_len ? d->new_size - begin : d->slice_len;
        if (worker == 0)
            progress(d, BL_DELTA_MATCHING, (uint64_t)begin, (uint64_t)d->new_size);
        rc = d->new_src->read_at(d->new_src->ctx, (uint64_t)begin, d->slice_buf[worker],
                                 (size_t)len, &err);
        if (rc == BL_OK)
            rc = bl_delta_match_range(d->index, d->anchors, begin, d->slice_buf[worker], len,
                                      &d->entries[slice], &err);
        if (rc != BL_OK) {
            uv_mutex_lock(&d->lock);
            if (d->rc == BL_OK) {
                d->rc = rc;
                d->err = err;
            }
            uv_mutex_unlock(&d->lock);
        }
    }
}

static void match_helper(void *arg)
{
    match_slices(arg, 1);
}

static int match_all(differ *d, bl_error *err)
{
    uv_thread_t helper;
    size_t i, total = 0;
    int started;

    d->slice_len = (d->new_size + MAX_SLICES - 1) / MAX_SLICES;
    if (d->slice_len < MIN_SLICE)
        d->slice_len = MIN_SLICE;
    d->slices = (size_t)((d->new_size + d->slice_len - 1) / d->slice_len);
    if (!(d->entries = calloc(d->slices ? d->slices : 1, sizeof *d->entries)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (i = 0; i < WORKERS; i++)
        if (!(d->slice_buf[i] = malloc((size_t)d->slice_len)))
            return bl_error_set(err, BL_ENOMEM, "out of memory");
    started = d->slices > 1 && uv_thread_create(&helper, match_helper, d) == 0;
    match_slices(d, 0);
    if (started)
        uv_thread_join(&helper);
    if (d->rc != BL_OK) {
        if (err)
            *err = d->err;
        return d->rc;
    }
    for (i = 0; i < d->slices; i++)
        total += d->entries[i].n;
    if (!(d->all.v = malloc((total ? total : 1) * sizeof *d->all.v)))
        return bl_error_set(err, BL_ENOMEM, "out of memory for control entries");
    for (i = 0; i < d->slices; i++) {
        if (d->entries[i].n)
            memcpy(d->all.v + d->all.n, d->entries[i].v, d->entries[i].n * sizeof *d->all.v);
        d->all.n += d->entries[i].n;
        free(d->entries[i].v);
        memset(&d->entries[i], 0, sizeof d->entries[i]);
    }
    return BL_OK;
}

/* New read in order through a window: bytes [pos, pos + len), len <= CHUNK. */
typedef struct {
    const bl_delta_source *src;
    uint8_t *buf;
    uint64_t start, len;
} new_reader;

static int new_bytes(new_reader *r, uint64_t pos, size_t len, const uint8_t **out, bl_error *err)
{
    if (pos < r->start || pos + len > r->start + r->len) {
        size_t n = r->src->size - pos < CHUNK ? (size_t)(r->src->size - pos) : CHUNK;
        int rc = r->src->read_at(r->src->ctx, pos, r->buf, n, err);
        if (rc != BL_OK)
            return rc;
        r->start = pos;
        r->len = n;
    }
    *out = r->buf + (pos - r->start);
    return BL_OK;
}

/* Entries that neither add nor copy are dropped, except the first; one that
 * only copies stays where old is, for the shortest seek. */
static void compact_entries(differ *d)
{
    size_t i, kept = 0;

    for (i = 0; i < d->all.n; i++) {
        bl_delta_entry e = d->all.v[i];
        if (i > 0 && e.add == 0 && e.copy == 0)
            continue;
        if (e.add == 0 && kept > 0) /* reads nothing: stay where old is */
            e.old_pos = d->all.v[kept - 1].old_pos + d->all.v[kept - 1].add;
        d->all.v[kept++] = e;
    }
    d->all.n = kept;
}

/* The control block: each entry's seek takes old to where the next entry
 * reads. */
static int compress_control(differ *d, bl_error *err)
{
    uint8_t buf[24 * 1024];
    size_t i, used = 0;
    int rc;

    for (i = 0; i < d->all.n; i++) {
        const bl_delta_entry *e = &d->all.v[i];
        int64_t seek = i + 1 < d->all.n ? d->all.v[i + 1].old_pos - (e->old_pos + e->add) : 0;
        bl_delta_put_int(buf + used, e->add);
        bl_delta_put_int(buf + used + 8, e->copy);
        bl_delta_put_int(buf + used + 16, seek);
        used += 24;
        if (used == sizeof buf || i + 1 == d->all.n) {
            if ((rc = bl_delta_bzip2_put(&d->control, buf, used, err)) != BL_OK)
                return rc;
            used = 0;
        }
    }
    return bl_delta_bzip2_finish(&d->control, err);
}

static int compress_diff(differ *d, bl_error *err)
{
    uint8_t *buf = malloc(CHUNK), *window = malloc(CHUNK);
    new_reader reader = {d->new_src, window, 0, 0};
    size_t i, used = 0;
    int64_t new_pos = 0;
    int rc = BL_OK;

    if (!buf || !window) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (i = 0; i < d->all.n && rc == BL_OK; i++) {
        const bl_delta_entry *e = &d->all.v[i];
        const uint8_t *o = d->old + e->old_pos, *nw;
        int64_t j = 0;
        while (j < e->add && rc == BL_OK) {
            size_t n = (size_t)(e->add - j) < CHUNK - used ? (size_t)(e->add - j) : CHUNK - used;
            size_t k;
            if ((rc = new_bytes(&reader, (uint64_t)(new_pos + j), n, &nw, err)) != BL_OK)
                break;
            for (k = 0; k < n; k++)
                buf[used + k] = (uint8_t)(nw[k] - o[j + k]);
            used += n;
            j += (int64_t)n;
            if (used == CHUNK) {
                rc = bl_delta_bzip2_put(&d->diff, buf, used, err);
                used = 0;
            }
        }
        new_pos += e->add + e->copy;
    }
    if (rc == BL_OK && used > 0)
        rc = bl_delta_bzip2_put(&d->diff, buf, used, err);
    if (rc == BL_OK)
        rc = bl_delta_bzip2_finish(&d->diff, err);

cleanup:
    free(buf);
    free(window);
    return rc;
}

static int compress_extra(differ *d, bl_error *err)
{
    uint8_t *window = malloc(CHUNK);
    new_reader reader = {d->new_src, window, 0, 0};
    size_t i;
    int64_t new_pos = 0;
    int rc = BL_OK;

    if (!window)
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    for (i = 0; i < d->all.n && rc == BL_OK; i++) {
        const bl_delta_entry *e = &d->all.v[i];
        int64_t j = 0;
        new_pos += e->add;
        while (j < e->copy && rc == BL_OK) {
            size_t n = e->copy - j < CHUNK ? (size_t)(e->copy - j) : CHUNK;
            const uint8_t *nw;
            if ((rc = new_bytes(&reader, (uint64_t)(new_pos + j), n, &nw, err)) == BL_OK)
                rc = bl_delta_bzip2_put(&d->extra, nw, n, err);
            j += (int64_t)n;
        }
        new_pos += e->copy;
        if ((i & 1023) == 0)
            progress(d, BL_DELTA_COMPRESSING, (uint64_t)new_pos, (uint64_t)d->new_size);
    }
    if (rc == BL_OK)
        rc = bl_delta_bzip2_finish(&d->extra, err);
    free(window);
    return rc;
}

/* The diff block, then the control block (the extra block's coding is the
 * longer one: biome 2.1 s against 1.6 + 0.2). */
static void diff_helper(void *arg)
{
    differ *d = arg;
    if ((d->diff_rc = compress_diff(d, &d->diff_err)) == BL_OK)
        d->diff_rc = compress_control(d, &d->diff_err);
}

static int compress_all(differ *d, bl_error *err)
{
    uv_thread_t helper;
    int rc;

    if ((rc = bl_delta_bzip2_open(&d->control, CONTROL_LEVEL, 0, err)) != BL_OK ||
        (rc = bl_delta_bzip2_open(&d->diff, DIFF_LEVEL, 0, err)) != BL_OK ||
        (rc = bl_delta_bzip2_open(&d->extra, EXTRA_LEVEL, 1, err)) != BL_OK)
        return rc;
    if (uv_thread_create(&helper, diff_helper, d) != 0) {
        diff_helper(d);
        rc = compress_extra(d, err);
    } else {
        rc = compress_extra(d, err);
        uv_thread_join(&helper);
    }
    if (rc == BL_OK && d->diff_rc != BL_OK) {
        if (err)
            *err = d->diff_err;
        rc = d->diff_rc;
    }
    return rc;
}

static int write_patch(differ *d, const bl_delta_sink *patch, bl_error *err)
{
    uint8_t header[BL_DELTA_HEADER_SIZE];
    int rc;

    bl_delta_header_write(header, (int64_t)d->control.len, (int64_t)d->diff.len, d->new_size);
    if ((rc = patch->write(patch->ctx, header, sizeof header, err)) != BL_OK ||
        (rc = patch->write(patch->ctx, d->control.out, d->control.len, err)) != BL_OK ||
        (rc = patch->write(patch->ctx, d->diff.out, d->diff.len, err)) != BL_OK ||
        (rc = patch->write(patch->ctx, d->extra.out, d->extra.len, err)) != BL_OK)
        return rc;
    return BL_OK;
}

/* Anchors first: where they cover enough of old (ANCHOR_SHARE_*), the suffix
 * array indexes only the rest (a nearly identical pair sorts almost
 * nothing); elsewhere they are dropped and all of old is indexed. */
static int build_index(differ *d, bl_delta_index *index, bl_delta_anchors *anchors,
                       uint64_t old_size, bl_error *err)
{
    int64_t n = (int64_t)old_size, text_size = 0, covered = 0;
    bl_delta_piece *pieces = NULL;
    size_t n_pieces = 0, i;
    int rc;

    if ((rc = bl_delta_anchors_find(d->old, n, d->new_src, ANCHOR_BLOCK, anchors, err)) != BL_OK)
        return rc;
    for (i = 0; i < anchors->n; i++)
        covered += anchors->v[i].len;
    if (anchors->n > 0 && covered / ANCHOR_SHARE_NUM >= n / ANCHOR_SHARE_DEN &&
        (rc = bl_delta_anchors_rest(anchors, n, &pieces, &n_pieces, &text_size, err)) == BL_OK) {
        d->anchors = anchors;
        return bl_delta_index_build_pieces(index, d->old, n, pieces, n_pieces, text_size,
                                           bl_delta_index_prefix_bytes(text_size),
                                           bl_delta_index_filters_strings(text_size), err);
    }
    if (rc != BL_OK)
        return rc;
    bl_delta_anchors_free(anchors);
    return bl_delta_index_build(index, d->old, n, bl_delta_index_prefix_bytes(n),
                                bl_delta_index_filters_strings(n), err);
}

int bl_delta_diff(const uint8_t *old, uint64_t old_size, const bl_delta_source *new_src,
                  const bl_delta_sink *patch, const bl_delta_options *opts, bl_error *err)
{
    int zstd = opts && opts->format == BL_DELTA_ZSTD;

    if (opts && opts->format != BL_DELTA_BSDIFF40 && opts->format != BL_DELTA_ZSTD)
        return bl_error_set(err, BL_EINVAL, "unknown patch format %d", opts->format);
    return bl_delta_diff_both(old, old_size, new_src, zstd ? NULL : patch, zstd ? patch : NULL,
                              opts, err);
}

int bl_delta_diff_both(const uint8_t *old, uint64_t old_size, const bl_delta_source *new_src,
                       const bl_delta_sink *bsdiff40, const bl_delta_sink *zstd,
                       const bl_delta_options *opts, bl_error *err)
{
    bl_delta_index index;
    bl_delta_anchors anchors = {0};
    uint64_t new_size = new_src->size;
    differ *d;
    size_t i;
    int rc, lock_ready = 0;

    memset(&index, 0, sizeof index);
    if (old_size > INT64_MAX / 2 || new_size > INT64_MAX / 2)
        return bl_error_set(err, BL_ETOOBIG, "input too big for a BSDIFF40 patch");
    if (!(d = calloc(1, sizeof *d)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    d->old = old;
    d->new_src = new_src;
    d->new_size = (int64_t)new_size;
    d->opts = opts;
    d->index = &index;
    if (uv_mutex_init(&d->lock) != 0) {
        rc = bl_error_set(err, BL_ENOMEM, "cannot create a lock");
        goto cleanup;
    }
    lock_ready = 1;
    progress(d, BL_DELTA_SORTING, 0, old_size);
    if ((rc = build_index(d, &index, &anchors, old_size, err)) != BL_OK)
        goto cleanup;
    progress(d, BL_DELTA_SORTING, old_size, old_size);
    if ((rc = match_all(d, err)) != BL_OK)
        goto cleanup;
    bl_delta_index_free(&index);  /* 4n bytes back before compressing */
    bl_delta_anchors_free(&anchors);
    compact_entries(d);
    if (bsdiff40) {
        if ((rc = compress_all(d, err)) != BL_OK)
            goto cleanup;
        progress(d, BL_DELTA_COMPRESSING, new_size, new_size);
        if ((rc = write_patch(d, bsdiff40, err)) != BL_OK)
            goto cleanup;
    }
    if (zstd)
        rc = bl_zstd_write(old, old_size, new_src, d->all.v, d->all.n, zstd, opts, err);

cleanup:
    bl_delta_index_free(&index);
    bl_delta_anchors_free(&anchors);
    for (i = 0; d->entries && i < d->slices; i++)
        free(d->entries[i].v);
    free(d->entries);
    for (i = 0; i < WORKERS; i++)
        free(d->slice_buf[i]);
    free(d->all.v);
    bl_delta_bzip2_close(&d->control);
    bl_delta_bzip2_close(&d->diff);
    bl_delta_bzip2_close(&d->extra);
    if (lock_ready)
        uv_mutex_destroy(&d->lock);
    free(d);
    return rc;
}

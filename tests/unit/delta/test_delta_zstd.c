/* SPDX-License-Identifier: Apache-2.0 */
/* The zstd patch format (docs/patch-format.md): round trips through
 * bl_delta_diff and bl_delta_diff_both, and every class of malformed patch
 * refused with BL_ECORRUPT before any byte is read or written out of bounds.
 * Hostile patches are built here by hand (header, index, frames from libzstd),
 * independently of the engine's own writer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "check.h"
#include "delta/delta.h"

#define DELTA_FIXTURE_SEED 0x2545f4914f6cdd1dull
#define DELTA_FIXTURE_FORMAT BL_DELTA_ZSTD
#include "delta/delta_fixture.h"

/* New from old: edits every few KiB, an insertion and a deletion. */
static uint8_t *edited(const uint8_t *old, size_t old_len, size_t *new_len)
{
    size_t cut = old_len / 3, ins = 5000, del = old_len / 10, n, i;
    uint8_t *nw;

    n = old_len + ins - (del < old_len - cut ? del : 0);
    nw = malloc(n ? n : 1);
    memcpy(nw, old, cut);
    for (i = 0; i < ins; i++)
        nw[cut + i] = (uint8_t)rng();
    if (del < old_len - cut)
        memcpy(nw + cut + ins, old + cut + del, old_len - cut - del);
    else
        memcpy(nw + cut + ins, old + cut, old_len - cut);
    for (i = 0; i < n; i += 3001)
        nw[i] = (uint8_t)(nw[i] + 1);
    *new_len = n;
    return nw;
}

/* ---- round trips ---- */

static void test_round_trips_small_and_empty(void)
{
    uint8_t *nw = structured_bytes(100000);

    round_trip((const uint8_t *)"", 0, (const uint8_t *)"", 0);
    round_trip((const uint8_t *)"", 0, nw, 100000);
    round_trip(nw, 100000, (const uint8_t *)"", 0);
    round_trip((const uint8_t *)"a", 1, (const uint8_t *)"b", 1);
    round_trip(nw, 100000, nw, 100000);
    free(nw);
}

static void test_round_trips_edits_across_chunks(void)
{
    size_t sizes[] = {2 * 1024 * 1024 - 1, 2 * 1024 * 1024, 2 * 1024 * 1024 + 1,
                      7 * 1024 * 1024 + 333};
    size_t i, new_len;

    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        uint8_t *old = structured_bytes(sizes[i]);
        uint8_t *nw = edited(old, sizes[i], &new_len);
        round_trip(old, sizes[i], nw, new_len);
        free(old);
        free(nw);
    }
}

static void test_round_trips_random_data(void)
{
    uint8_t *old = random_bytes(3 * 1024 * 1024), *nw = random_bytes(3 * 1024 * 1024 + 77);

    round_trip(old, 3 * 1024 * 1024, nw, 3 * 1024 * 1024 + 77);
    free(old);
    free(nw);
}

/* One search, two encodings: the BSDIFF40 one is bl_delta_diff's byte for
 * byte, and both apply. */
static void test_diff_both_writes_both_formats(void)
{
    size_t n = 3 * 1024 * 1024, new_len;
    uint8_t *old = structured_bytes(n), *nw = edited(old, n, &new_len);
    buffer bsdiff = {0}, zstd = {0}, alone = {0}, out;
    bl_delta_sink bsdiff_sink = {&bsdiff, buffer_write}, zstd_sink = {&zstd, buffer_write};
    bl_delta_sink alone_sink = {&alone, buffer_write};
    bl_delta_source new_src;
    bl_error err;

    bl_delta_memory_source(&new_src, nw, new_len);
    CHECK_INT(bl_delta_diff_both(old, n, &new_src, &bsdiff_sink, &zstd_sink, NULL, &err), BL_OK);
    CHECK_INT(bl_delta_diff(old, n, &new_src, &alone_sink, NULL, &err), BL_OK);
    CHECK(bsdiff.len == alone.len && memcmp(bsdiff.data, alone.data, alone.len) == 0);
    CHECK(memcmp(zstd.data, BL_DELTA_ZSTD_MAGIC, 8) == 0);
    CHECK_INT(apply_patch(old, n, bsdiff.data, bsdiff.len, &out, new_len, &err), BL_OK);
    CHECK(out.len == new_len && memcmp(out.data, nw, new_len) == 0);
    buffer_free(&out);
    CHECK_INT(apply_patch(old, n, zstd.data, zstd.len, &out, new_len, &err), BL_OK);
    CHECK(out.len == new_len && memcmp(out.data, nw, new_len) == 0);
    buffer_free(&out);
    buffer_free(&bsdiff);
    buffer_free(&zstd);
    buffer_free(&alone);
    free(old);
    free(nw);
}

/* ---- hand-made patches, as docs/patch-format.md describes them ---- */

static void put32(uint8_t *p, uint32_t v)
{
    int i;
    for (i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* One chunk's content before compression, built entry by entry. */
typedef struct {
    uint8_t control[4096], data[1 << 20];
    size_t control_len, data_len;
} content;

static void entry(content *c, uint64_t add, uint64_t copy, int64_t seek)
{
    c->control_len += put_varint(c->control + c->control_len, add);
    c->control_len += put_varint(c->control + c->control_len, copy);
    c->control_len += put_varint(c->control + c->control_len, zigzag(seek));
}

/* The content's bytes: control, then data (diff bytes, then extra bytes). */
static size_t flatten(const content *c, uint8_t *out)
{
    memcpy(out, c->control, c->control_len);
    memcpy(out + c->control_len, c->data, c->data_len);
    return c->control_len + c->data_len;
}

/* A patch of one or more chunks: header, index, frames. frames[i] are
 * compressed already; control_lens[i] go to the index as they are. */
static void frame_patch(buffer *patch, uint64_t new_size, uint64_t old_size, uint32_t chunk_size,
                        uint32_t chunk_count, uint8_t *const *frames, const size_t *frame_lens,
                        const uint32_t *control_lens, size_t n)
{
    uint8_t header[32], index[8];
    bl_error err;
    size_t i;

    memset(patch, 0, sizeof *patch);
    memcpy(header, BL_DELTA_ZSTD_MAGIC, 8);
    put64(header + 8, new_size);
    put64(header + 16, old_size);
    put32(header + 24, chunk_size);
    put32(header + 28, chunk_count);
    buffer_write(patch, header, 32, &err);
    for (i = 0; i < n; i++) {
        put32(index, (uint32_t)frame_lens[i]);
        put32(index + 4, control_lens[i]);
        buffer_write(patch, index, 8, &err);
    }
    for (i = 0; i < n; i++)
        buffer_write(patch, frames[i], frame_lens[i], &err);
}

/* One zstd frame as the format asks: content size and checksum stated. */
static size_t compress_frame(void *dst, size_t cap, const void *src, size_t len, int level)
{
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    size_t got;

    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    got = ZSTD_compress2(cctx, dst, cap, src, len);
    ZSTD_freeCCtx(cctx);
    return got;
}

/* A one-chunk patch of content c, compressed with a declared size. */
static void one_chunk_patch(buffer *patch, const content *c, uint64_t new_size, uint64_t old_size)
{
    uint8_t *flat = malloc(c->control_len + c->data_len + 1);
    size_t flat_len = flatten(c, flat), bound = ZSTD_compressBound(flat_len);
    uint8_t *frame = malloc(bound);
    size_t frame_len = compress_frame(frame, bound, flat, flat_len, 3);
    uint32_t control_len = (uint32_t)c->control_len;

    CHECK(!ZSTD_isError(frame_len));
    frame_patch(patch, new_size, old_size, 64 * 1024, new_size ? 1 : 0, &frame, &frame_len,
                &control_len, new_size ? 1 : 0);
    free(flat);
    free(frame);
}

static const uint8_t hand_old[] = "0123456789abcdefghijklmnopqrstuvwxyz";
#define HAND_OLD_LEN (sizeof hand_old - 1)

/* new = "0123" + 2 (diff against old "4567": all 0, then 1) + "XY" + "uvw"
 * read after seeking back: the format byte for byte as the doc gives it. */
static void hand_content(content *c)
{
    memset(c, 0, sizeof *c);
    entry(c, 6, 2, 0);    /* old[0..6) + diff, then 2 extra bytes */
    entry(c, 3, 0, 24);   /* old_end 6, seek +24: old[30..33) "uvw" */
    memcpy(c->data, "\0\0\0\0\0\1", 6);
    memcpy(c->data + 6, "\0\0\0", 3);
    memcpy(c->data + 9, "XY", 2);
    c->data_len = 11;
}

/* The diff bytes add to old as one little-endian integer an entry: the
 * carry runs into the next byte (0xff + 1 = 0x00, carry 1), across the
 * 8-byte steps, and out of the last byte is dropped. */
static void test_diff_bytes_add_as_integers(void)
{
    static const uint8_t old[] = {0xff, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0x20, 0xff};
    static const uint8_t want[] = {0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                   0x21, 0x00};
    content c;
    buffer patch, out;
    bl_error err;

    memset(&c, 0, sizeof c);
    entry(&c, 10, 0, 0);
    entry(&c, 2, 0, 0); /* old[10..12): 0xff20 + 0x0101 = 0x0021, the carry out dropped */
    memcpy(c.data, "\x01\x01\x01\0\0\0\0\0\0\0", 10);
    memcpy(c.data + 10, "\x01\x01", 2);
    c.data_len = 12;
    /* entry 1: ff+01 = 00 carry; 10+01+1 = 12; ff+01 = 00 carry; then ff+0+1 = 00 carry
     * through byte 9, whose carry out is dropped at the entry's end */
    one_chunk_patch(&patch, &c, 12, sizeof old);
    {
        checked old_check, patch_check;
        bl_delta_source old_src = checked_source(&old_check, old, sizeof old);
        bl_delta_source patch_src = checked_source(&patch_check, patch.data, patch.len);
        bl_delta_sink sink = {&out, buffer_write};
        memset(&out, 0, sizeof out);
        CHECK_INT(bl_delta_patch(&old_src, &patch_src, &sink, NULL, &err), BL_OK);
    }
    CHECK(out.len == sizeof want && memcmp(out.data, want, sizeof want) == 0);
    buffer_free(&out);
    buffer_free(&patch);
}

static void test_hand_made_patch_applies(void)
{
    content c;
    buffer patch, out;
    bl_error err;

    hand_content(&c);
    one_chunk_patch(&patch, &c, 11, HAND_OLD_LEN);
    CHECK_INT(apply_patch(hand_old, HAND_OLD_LEN, patch.data, patch.len, &out, 0, &err), BL_OK);
    if (err.code)
        fprintf(stderr, "  %s\n", err.msg);
    CHECK(out.len == 11 && memcmp(out.data, "012346XYuvw", 11) == 0);
    buffer_free(&out);
    buffer_free(&patch);
}

/* Applies patch and expects BL_ECORRUPT, a message with fragment, and no
 * byte of new written. */
static void expect_refused(const buffer *patch, size_t old_len, const char *fragment)
{
    buffer out;
    bl_error err;

    CHECK_INT(apply_patch(hand_old, old_len, patch->data, patch->len, &out, 0, &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, fragment);
    CHECK_INT(out.len, 0);
    buffer_free(&out);
}

static void test_rejects_bad_headers(void)
{
    content c;
    buffer patch;

    hand_content(&c);
    one_chunk_patch(&patch, &c, 11, HAND_OLD_LEN);
    expect_refused(&(buffer){patch.data, 31, 0, 0}, HAND_OLD_LEN, "shorter than the 32-byte");
    put32(patch.data + 24, 65535);
    expect_refused(&patch, HAND_OLD_LEN, "chunk size");
    put32(patch.data + 24, 8 * 1024 * 1024 + 1);
    expect_refused(&patch, HAND_OLD_LEN, "chunk size");
    put32(patch.data + 24, 64 * 1024);
    put32(patch.data + 28, 2);
    expect_refused(&patch, HAND_OLD_LEN, "chunks where");
    put32(patch.data + 28, 1);
    put64(patch.data + 8, 64 * 1024 + 1); /* two chunks' worth of new */
    expect_refused(&patch, HAND_OLD_LEN, "chunks where");
    put64(patch.data + 8, 11);
    expect_refused(&patch, HAND_OLD_LEN - 1, "old file of 36 bytes");
    put32(patch.data + 28, 0x7fffffff);
    put64(patch.data + 8, (uint64_t)0x7fffffff * 64 * 1024);
    expect_refused(&patch, HAND_OLD_LEN, "index runs past");
    buffer_free(&patch);
}

static void test_rejects_trailing_data_and_truncation(void)
{
    content c;
    buffer patch;
    bl_error err;
    size_t cut;

    hand_content(&c);
    one_chunk_patch(&patch, &c, 11, HAND_OLD_LEN);
    buffer_write(&patch, "", 1, &err);
    expect_refused(&patch, HAND_OLD_LEN, "after its last chunk");
    patch.len--;
    for (cut = 32; cut < patch.len; cut++) {
        buffer part = {patch.data, cut, 0, 0};
        expect_refused(&part, HAND_OLD_LEN, "");
    }
    buffer_free(&patch);
}

/* Index entries: a control section over its bound, a frame of 0 bytes or
 * longer than zstd's bound for what it must hold. */
static void test_rejects_index_entries_out_of_bounds(void)
{
    content c;
    buffer patch;

    hand_content(&c);
    one_chunk_patch(&patch, &c, 11, HAND_OLD_LEN);
    put32(patch.data + 36, 11 / 4 + 64 + 1);
    expect_refused(&patch, HAND_OLD_LEN, "more than");
    put32(patch.data + 36, (uint32_t)c.control_len);
    put32(patch.data + 32, 0);
    expect_refused(&patch, HAND_OLD_LEN, "claims a frame");
    put32(patch.data + 32, 1000000);
    expect_refused(&patch, HAND_OLD_LEN, "claims a frame");
    buffer_free(&patch);
}

/* A frame that decompresses to more than its index entry gives (a bomb), or
 * says nothing of its size, or is two frames, is refused before it is
 * decompressed. */
static void test_rejects_frames_that_are_not_what_the_index_says(void)
{
    content c;
    uint8_t flat[64], frame[256], *frames[1] = {frame};
    size_t flat_len, frame_len, two;
    uint32_t control_len;
    buffer patch;
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    ZSTD_outBuffer zout = {frame, sizeof frame, 0};
    ZSTD_inBuffer zin;

    hand_content(&c);
    control_len = (uint32_t)c.control_len;
    flat_len = flatten(&c, flat);
    /* one byte more than the index says */
    flat[flat_len] = 0;
    frame_len = compress_frame(frame, sizeof frame, flat, flat_len + 1, 3);
    frame_patch(&patch, 11, HAND_OLD_LEN, 64 * 1024, 1, frames, &frame_len, &control_len, 1);
    expect_refused(&patch, HAND_OLD_LEN, "not a zstd frame of the");
    buffer_free(&patch);
    /* a frame of 100 MB of zeros claiming its true size */
    {
        size_t big = 100u * 1024 * 1024, bound = ZSTD_compressBound(big);
        uint8_t *zeros = calloc(1, big), *bomb = malloc(bound), *bombs[1] = {bomb};
        size_t bomb_len = compress_frame(bomb, bound, zeros, big, 1);
        CHECK(!ZSTD_isError(bomb_len) && bomb_len < 64 * 1024);
        frame_patch(&patch, 11, HAND_OLD_LEN, 64 * 1024, 1, bombs, &bomb_len, &control_len, 1);
        expect_refused(&patch, HAND_OLD_LEN, "");
        buffer_free(&patch);
        free(zeros);
        free(bomb);
    }
    /* no content size in the frame header */
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    zin.src = flat;
    zin.size = flat_len;
    zin.pos = 0;
    CHECK(ZSTD_compressStream2(cctx, &zout, &zin, ZSTD_e_end) == 0);
    frame_len = zout.pos;
    frame_patch(&patch, 11, HAND_OLD_LEN, 64 * 1024, 1, frames, &frame_len, &control_len, 1);
    expect_refused(&patch, HAND_OLD_LEN, "not a zstd frame of the");
    buffer_free(&patch);
    /* the content as two frames */
    frame_len = compress_frame(frame, sizeof frame, flat, flat_len, 3);
    two = compress_frame(frame + frame_len, sizeof frame - frame_len, flat, 0, 3);
    frame_len += two;
    frame_patch(&patch, 11, HAND_OLD_LEN, 64 * 1024, 1, frames, &frame_len, &control_len, 1);
    expect_refused(&patch, HAND_OLD_LEN, "exactly one zstd frame");
    buffer_free(&patch);
    /* a corrupt frame: its checksum (the last 4 bytes) no longer agrees */
    frame_len = compress_frame(frame, sizeof frame, flat, flat_len, 3);
    frame[frame_len - 5] ^= 0x55;
    frame_patch(&patch, 11, HAND_OLD_LEN, 64 * 1024, 1, frames, &frame_len, &control_len, 1);
    expect_refused(&patch, HAND_OLD_LEN, "");
    buffer_free(&patch);
    /* a frame without zstd's checksum */
    frame_len = ZSTD_compress(frame, sizeof frame, flat, flat_len, 3);
    frame_patch(&patch, 11, HAND_OLD_LEN, 64 * 1024, 1, frames, &frame_len, &control_len, 1);
    expect_refused(&patch, HAND_OLD_LEN, "checksum");
    buffer_free(&patch);
    ZSTD_freeCCtx(cctx);
}

/* One bad entry in content otherwise whole: data_len keeps the total at
 * new_size bytes where it can. */
static void expect_content_refused(content *c, uint64_t new_size, const char *fragment)
{
    buffer patch;

    c->data_len = new_size;
    one_chunk_patch(&patch, c, new_size, HAND_OLD_LEN);
    expect_refused(&patch, HAND_OLD_LEN, fragment);
    buffer_free(&patch);
}

static void test_rejects_bad_control_entries(void)
{
    content c;

    memset(&c, 0, sizeof c);
    entry(&c, 5, 7, 0); /* 12 bytes in a chunk of 11 */
    expect_content_refused(&c, 11, "left");
    memset(&c, 0, sizeof c);
    entry(&c, 0, 0, 0); /* writes nothing */
    entry(&c, 0, 11, 0);
    expect_content_refused(&c, 11, "left");
    memset(&c, 0, sizeof c);
    entry(&c, 5, 0, 32); /* old[32..37) of 36 bytes */
    entry(&c, 0, 6, 0);
    expect_content_refused(&c, 11, "outside the old file");
    memset(&c, 0, sizeof c);
    entry(&c, 5, 0, 0);
    entry(&c, 5, 1, -6); /* before old's start */
    expect_content_refused(&c, 11, "seeks old out of range");
    memset(&c, 0, sizeof c);
    entry(&c, 5, 0, 37); /* past old's end */
    entry(&c, 0, 6, 0);
    expect_content_refused(&c, 11, "seeks old out of range");
    memset(&c, 0, sizeof c);
    entry(&c, 5, 0, INT64_MIN / 2);
    entry(&c, 0, 6, 0);
    expect_content_refused(&c, 11, "seeks old out of range");
    memset(&c, 0, sizeof c);
    entry(&c, 5, 5, 0); /* 10 of 11 bytes */
    expect_content_refused(&c, 11, "control entries for 10 of its 11");
    memset(&c, 0, sizeof c);
    entry(&c, 5, 6, 0);
    c.control_len--; /* a cut varint: the seek is gone */
    expect_content_refused(&c, 11, "cut control entry");
    memset(&c, 0, sizeof c);
    memset(c.control, 0xff, 11); /* a varint of 11 bytes */
    c.control[11] = 0;
    c.control_len = 12;
    expect_content_refused(&c, 11, "cut control entry");
}

/* A bad chunk after good ones: the good ones may be written, the result is
 * still refused, and nothing past the bad chunk's start is written. */
static void test_a_bad_later_chunk_stops_the_output_before_it(void)
{
    size_t n = 5 * 1024 * 1024, new_len;
    uint8_t *old = structured_bytes(n), *nw = edited(old, n, &new_len);
    buffer patch, out;
    bl_error err;
    uint64_t at;
    uint32_t frame0, frame1;

    CHECK_INT(make_patch(old, n, nw, new_len, &patch), BL_OK);
    /* chunk 1's frame: flip a byte in its middle */
    frame0 = (uint32_t)patch.data[32] | (uint32_t)patch.data[33] << 8 |
             (uint32_t)patch.data[34] << 16 | (uint32_t)patch.data[35] << 24;
    frame1 = (uint32_t)patch.data[40] | (uint32_t)patch.data[41] << 8 |
             (uint32_t)patch.data[42] << 16 | (uint32_t)patch.data[43] << 24;
    at = 32 + 8 * 3 + frame0 + frame1 / 2;
    patch.data[at] ^= 0x40;
    CHECK_INT(apply_patch(old, n, patch.data, patch.len, &out, 0, &err), BL_ECORRUPT);
    CHECK(out.len <= 2 * 1024 * 1024);
    buffer_free(&out);
    buffer_free(&patch);
    free(old);
    free(nw);
}

static void test_patch_format_reads_the_magic(void)
{
    bl_delta_source src;
    bl_error err;
    int format = -1;

    bl_delta_memory_source(&src, "BSDIFF40", 8);
    CHECK_INT(bl_delta_patch_format(&src, &format, &err), BL_OK);
    CHECK_INT(format, BL_DELTA_BSDIFF40);
    bl_delta_memory_source(&src, "BLZDIFF1xyz", 11);
    CHECK_INT(bl_delta_patch_format(&src, &format, &err), BL_OK);
    CHECK_INT(format, BL_DELTA_ZSTD);
    bl_delta_memory_source(&src, "BLZDIFF2", 8);
    CHECK_INT(bl_delta_patch_format(&src, &format, &err), BL_ECORRUPT);
    bl_delta_memory_source(&src, "BLZDIF", 6);
    CHECK_INT(bl_delta_patch_format(&src, &format, &err), BL_ECORRUPT);
}

/* An unknown format number is refused, not taken for BSDIFF40. */
static void test_diff_refuses_an_unknown_format(void)
{
    buffer patch = {0};
    bl_delta_sink sink = {&patch, buffer_write};
    bl_delta_source new_src;
    bl_delta_options opts;
    bl_error err;

    memset(&opts, 0, sizeof opts);
    opts.format = 2;
    bl_delta_memory_source(&new_src, "abc", 3);
    CHECK_INT(bl_delta_diff((const uint8_t *)"abd", 3, &new_src, &sink, &opts, &err), BL_EINVAL);
    CHECK_INT(patch.len, 0);
    buffer_free(&patch);
}

int main(void)
{
    RUN(test_round_trips_small_and_empty);
    RUN(test_round_trips_edits_across_chunks);
    RUN(test_round_trips_random_data);
    RUN(test_diff_both_writes_both_formats);
    RUN(test_hand_made_patch_applies);
    RUN(test_diff_bytes_add_as_integers);
    RUN(test_rejects_bad_headers);
    RUN(test_rejects_trailing_data_and_truncation);
    RUN(test_rejects_index_entries_out_of_bounds);
    RUN(test_rejects_frames_that_are_not_what_the_index_says);
    RUN(test_rejects_bad_control_entries);
    RUN(test_a_bad_later_chunk_stops_the_output_before_it);
    RUN(test_patch_format_reads_the_magic);
    RUN(test_diff_refuses_an_unknown_format);
    return CHECK_DONE();
}

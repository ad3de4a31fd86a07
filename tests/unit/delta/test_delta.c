/* SPDX-License-Identifier: Apache-2.0 */
/* The delta engine: round trips on generated data, and every class of
 * malformed patch refused with BL_ECORRUPT before any byte is read or written
 * out of bounds. Hostile patches are built here by hand (header, bzip2 blocks
 * from libbz2), independently of the engine's own writer. */
#include <bzlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "delta/delta.h"
#include "delta/delta_match.h"

#include "delta/delta_fixture.h"

/* ---- round trips ---- */

static void test_empty_old_and_new(void)
{
    round_trip((const uint8_t *)"", 0, (const uint8_t *)"", 0);
}

static void test_empty_old(void)
{
    uint8_t *nw = structured_bytes(100000);
    round_trip((const uint8_t *)"", 0, nw, 100000);
    round_trip((const uint8_t *)"", 0, (const uint8_t *)"x", 1);
    free(nw);
}

static void test_empty_new(void)
{
    uint8_t *old = structured_bytes(100000);
    round_trip(old, 100000, (const uint8_t *)"", 0);
    free(old);
}

static void test_one_byte_files(void)
{
    round_trip((const uint8_t *)"a", 1, (const uint8_t *)"a", 1);
    round_trip((const uint8_t *)"a", 1, (const uint8_t *)"b", 1);
    round_trip((const uint8_t *)"ab", 2, (const uint8_t *)"ba", 2);
}

static void test_identical_is_small(void)
{
    size_t n = 3 * 1024 * 1024 + 17;
    uint8_t *data = structured_bytes(n);
    buffer patch;

    round_trip(data, n, data, n);
    CHECK_INT(make_patch(data, n, data, n, &patch), BL_OK);
    CHECK(patch.len < 2000); /* all zeros in the diff block, nothing extra */
    buffer_free(&patch);
    free(data);
}

static void test_one_byte_changed(void)
{
    size_t n = 200000;
    uint8_t *old = structured_bytes(n), *nw = malloc(n);
    buffer patch;

    memcpy(nw, old, n);
    nw[n / 2] ^= 0x5a;
    round_trip(old, n, nw, n);
    CHECK_INT(make_patch(old, n, nw, n, &patch), BL_OK);
    CHECK(patch.len < 1000);
    buffer_free(&patch);
    nw[n / 2] = old[n / 2];
    nw[0] ^= 1;
    nw[n - 1] ^= 1;
    round_trip(old, n, nw, n);
    free(old);
    free(nw);
}

static void test_inserts_and_deletes(void)
{
    size_t n = 300000, i;
    uint8_t *old = structured_bytes(n), *nw = malloc(n + 64 * 1000);
    uint8_t *insert = random_bytes(64);
    size_t len = 0;

    /* 64 random bytes inserted every 5000 bytes */
    for (i = 0; i < n; i += 5000) {
        size_t take = n - i < 5000 ? n - i : 5000;
        memcpy(nw + len, old + i, take);
        len += take;
        memcpy(nw + len, insert, 64);
        len += 64;
    }
    round_trip(old, n, nw, len);
    /* the other way round: deletes */
    round_trip(nw, len, old, n);
    /* insert at the very start and delete the tail */
    memcpy(nw, insert, 64);
    memcpy(nw + 64, old, n - 1000);
    round_trip(old, n, nw, 64 + n - 1000);
    free(old);
    free(nw);
    free(insert);
}

static void test_shuffled_blocks(void)
{
    size_t block = 4096, blocks = 300, i, n = block * blocks;
    uint8_t *old = structured_bytes(n), *nw = malloc(n);
    size_t *order = malloc(blocks * sizeof *order);

    for (i = 0; i < blocks; i++)
        order[i] = i;
    for (i = blocks - 1; i > 0; i--) {
        size_t j = rng() % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (i = 0; i < blocks; i++)
        memcpy(nw + i * block, old + order[i] * block, block);
    round_trip(old, n, nw, n);
    free(old);
    free(nw);
    free(order);
}

static void test_random_data(void)
{
    uint8_t *old = random_bytes(150000), *nw = random_bytes(170000);

    round_trip(old, 150000, nw, 170000);
    /* random new sharing a random middle with old */
    memcpy(nw + 10000, old + 40000, 100000);
    round_trip(old, 150000, nw, 170000);
    free(old);
    free(nw);
}

/* The diff matches new in 1 MiB slices on two threads; the reader works in
 * 1 MiB chunks with a 4-chunk ring for the diff block. Sizes on and around
 * those edges, with changes near the edges. */
static void test_sizes_around_thread_splits(void)
{
    static const size_t mib = 1024 * 1024;
    const size_t sizes[] = {mib / 2 - 1, mib / 2, mib / 2 + 1, mib - 1,         mib,
                            mib + 1,     2 * mib - 1, 2 * mib + 1, 5 * mib + 3};
    size_t k;

    for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k], i;
        uint8_t *old = structured_bytes(n + 100), *nw = malloc(n);

        memcpy(nw, old + 100, n);
        for (i = mib / 2 - 3; i < n; i += mib / 2)
            nw[i] ^= 0xff, nw[i + 2 < n ? i + 2 : i] ^= 0x0f;
        round_trip(old, n + 100, nw, n);
        round_trip(old, n, nw, n);
        free(old);
        free(nw);
    }
}

static void test_patch_is_deterministic(void)
{
    size_t n = 3 * 1024 * 1024;
    uint8_t *old = structured_bytes(n), *nw = structured_bytes(n);
    buffer a, b;

    memcpy(nw + 1000, old, n / 2);
    CHECK_INT(make_patch(old, n, nw, n, &a), BL_OK);
    CHECK_INT(make_patch(old, n, nw, n, &b), BL_OK);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    buffer_free(&a);
    buffer_free(&b);
    free(old);
    free(nw);
}

/* ---- hand-made patches ---- */

/* Sign-magnitude little-endian, as bsdiff 4.3 writes it; neg_zero gives -0. */
static void put_int(uint8_t *buf, int64_t value)
{
    uint64_t m = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    int i;

    for (i = 0; i < 8; i++, m >>= 8)
        buf[i] = (uint8_t)m;
    if (value < 0)
        buf[7] |= 0x80;
}

static void put_raw_negative(uint8_t *buf, uint64_t magnitude)
{
    put_int(buf, (int64_t)magnitude);
    buf[7] |= 0x80;
}

static size_t bz(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    unsigned out_len = (unsigned)cap;
    int rc = BZ2_bzBuffToBuffCompress((char *)out, &out_len, (char *)in, (unsigned)len, 9, 0, 0);
    CHECK_INT(rc, BZ_OK);
    return out_len;
}

typedef struct {
    int64_t ctrl[3 * 64];
    size_t entries;
    uint8_t ctrl_raw[2048]; /* used instead of ctrl when ctrl_raw_len > 0 */
    size_t ctrl_raw_len;
    uint8_t diff[4096], extra[4096];
    size_t diff_len, extra_len;
    int64_t new_size;
} recipe;

typedef struct {
    uint8_t data[16384];
    size_t len;
    size_t control_at, control_len, diff_at, diff_len, extra_at, extra_len;
} made;

static void build(const recipe *r, made *m)
{
    uint8_t raw[24 * 64];
    size_t i, raw_len = 0;

    if (r->ctrl_raw_len) {
        memcpy(raw, r->ctrl_raw, r->ctrl_raw_len);
        raw_len = r->ctrl_raw_len;
    } else {
        for (i = 0; i < r->entries * 3; i++, raw_len += 8)
            put_int(raw + raw_len, r->ctrl[i]);
    }
    memset(m, 0, sizeof *m);
    m->control_at = 32;
    m->control_len = bz(raw, raw_len, m->data + 32, 4096);
    m->diff_at = m->control_at + m->control_len;
    m->diff_len = bz(r->diff, r->diff_len, m->data + m->diff_at, 4096);
    m->extra_at = m->diff_at + m->diff_len;
    m->extra_len = bz(r->extra, r->extra_len, m->data + m->extra_at, 4096);
    m->len = m->extra_at + m->extra_len;
    memcpy(m->data, "BSDIFF40", 8);
    put_int(m->data + 8, (int64_t)m->control_len);
    put_int(m->data + 16, (int64_t)m->diff_len);
    put_int(m->data + 24, r->new_size);
}

static const uint8_t test_old[16] = "0123456789abcdef";

/* A valid recipe: new = "0123" + 1 on each byte, then "XYZ", then old[8..12). */
static void valid_recipe(recipe *r)
{
    static const int64_t ctrl[] = {4, 3, 4, 4, 0, 0};
    memset(r, 0, sizeof *r);
    memcpy(r->ctrl, ctrl, sizeof ctrl);
    r->entries = 2;
    memset(r->diff, 1, 4);
    memset(r->diff + 4, 0, 4);
    r->diff_len = 8;
    memcpy(r->extra, "XYZ", 3);
    r->extra_len = 3;
    r->new_size = 11;
}

/* Applies and expects BL_ECORRUPT with a message containing fragment, with
 * nothing written past the header's size. */
static void expect_corrupt(const uint8_t *patch, size_t len, uint64_t limit, const char *fragment)
{
    buffer out;
    bl_error err;
    int rc = apply_patch(test_old, sizeof test_old, patch, len, &out, limit ? limit : 1, &err);

    CHECK_INT(rc, BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, fragment);
    CHECK(out.len <= limit);
    buffer_free(&out);
}

static void expect_recipe_corrupt(const recipe *r, const char *fragment)
{
    made m;
    build(r, &m);
    expect_corrupt(m.data, m.len, r->new_size > 0 && r->new_size < 1000 ? (uint64_t)r->new_size : 0,
                   fragment);
}

static void test_hand_made_patch_applies(void)
{
    recipe r;
    made m;
    buffer out;
    bl_error err;

    valid_recipe(&r);
    build(&r, &m);
    CHECK_INT(apply_patch(test_old, sizeof test_old, m.data, m.len, &out, 11, &err), BL_OK);
    CHECK_INT(out.len, 11);
    CHECK(out.len == 11 && memcmp(out.data, "1234XYZ89ab", 11) == 0);
    buffer_free(&out);
}

static void test_rejects_bad_header(void)
{
    recipe r;
    made m;

    expect_corrupt((const uint8_t *)"", 0, 0, "shorter than the 32-byte");
    expect_corrupt((const uint8_t *)"BSDIFF40", 8, 0, "shorter than the 32-byte");
    valid_recipe(&r);
    build(&r, &m);
    expect_corrupt(m.data, 31, 0, "shorter than the 32-byte");
    memcpy(m.data, "BSDIFF41", 8);
    expect_corrupt(m.data, m.len, 0, "bad magic");
    memcpy(m.data, "BSDIFF40", 8);
    put_int(m.data + 8, -1);
    expect_corrupt(m.data, m.len, 0, "negative size");
    build(&r, &m);
    put_int(m.data + 16, -5);
    expect_corrupt(m.data, m.len, 0, "negative size");
    build(&r, &m);
    put_raw_negative(m.data + 24, 11);
    expect_corrupt(m.data, m.len, 0, "negative size");
    build(&r, &m);
    put_int(m.data + 8, INT64_MAX);
    expect_corrupt(m.data, m.len, 0, "only");
    build(&r, &m);
    put_int(m.data + 8, (int64_t)(m.len - 32)); /* control fits, control + diff do not */
    expect_corrupt(m.data, m.len, 0, "only");
    build(&r, &m);
    put_int(m.data + 16, INT64_MAX); /* control + diff overflow */
    expect_corrupt(m.data, m.len, 0, "only");
}

static void test_patch_size_reads_header(void)
{
    recipe r;
    made m;
    bl_delta_source src;
    bl_error err;
    uint64_t size = 0;

    valid_recipe(&r);
    build(&r, &m);
    bl_delta_memory_source(&src, m.data, m.len);
    CHECK_INT(bl_delta_patch_size(&src, &size, &err), BL_OK);
    CHECK_INT(size, 11);
    bl_delta_memory_source(&src, m.data, 20);
    CHECK_INT(bl_delta_patch_size(&src, &size, &err), BL_ECORRUPT);
    put_raw_negative(m.data + 24, 3);
    bl_delta_memory_source(&src, m.data, m.len);
    CHECK_INT(bl_delta_patch_size(&src, &size, &err), BL_ECORRUPT);
    m.data[0] = 'X';
    CHECK_INT(bl_delta_patch_size(&src, &size, &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "bad magic");
}

static void test_rejects_negative_lengths_in_control(void)
{
    recipe r;

    valid_recipe(&r);
    r.ctrl[0] = -1;
    expect_recipe_corrupt(&r, "negative length");
    valid_recipe(&r);
    r.ctrl[1] = -3;
    expect_recipe_corrupt(&r, "negative length");
    valid_recipe(&r);
    r.ctrl[4] = INT64_MIN + 1;
    expect_recipe_corrupt(&r, "negative length");
}

/* CVE-2014-9862: entries that write past new. */
static void test_rejects_entries_past_new(void)
{
    recipe r;

    valid_recipe(&r);
    r.new_size = 6; /* first entry alone writes 7 */
    expect_recipe_corrupt(&r, "past the new size");
    valid_recipe(&r);
    r.ctrl[0] = 12; /* add past new */
    expect_recipe_corrupt(&r, "past the new size");
    valid_recipe(&r);
    r.ctrl[1] = 1000; /* copy past new */
    expect_recipe_corrupt(&r, "past the new size");
    valid_recipe(&r);
    r.ctrl[0] = INT64_MAX; /* add + copy overflow */
    r.ctrl[1] = INT64_MAX;
    expect_recipe_corrupt(&r, "past the new size");
    valid_recipe(&r);
    r.ctrl[1] = 2;
    r.ctrl[4] = INT64_MAX - 1;
    expect_recipe_corrupt(&r, "past the new size");
}

static void test_rejects_entries_past_old(void)
{
    recipe r;

    valid_recipe(&r);
    r.ctrl[2] = 9; /* second entry would read old[13..17) */
    expect_recipe_corrupt(&r, "outside the old file");
    valid_recipe(&r);
    r.ctrl[2] = -9; /* before the start: old[-5..-1) */
    expect_recipe_corrupt(&r, "outside the old file");
    valid_recipe(&r);
    r.ctrl[2] = INT64_MAX - 10; /* far past the end */
    expect_recipe_corrupt(&r, "outside the old file");
    valid_recipe(&r);
    r.ctrl[2] = -INT64_MAX; /* far before the start */
    expect_recipe_corrupt(&r, "outside the old file");
    valid_recipe(&r);
    r.ctrl[2] = INT64_MAX; /* 4 + INT64_MAX overflows */
    expect_recipe_corrupt(&r, "seeks old out of range");
    valid_recipe(&r);
    r.ctrl[2] = -INT64_MAX; /* then -INT64_MAX again: below INT64_MIN */
    r.ctrl[3] = 0;
    r.ctrl[4] = 1;
    r.ctrl[5] = -INT64_MAX;
    r.ctrl[6] = 4;
    r.ctrl[7] = 0;
    r.ctrl[8] = 0;
    r.entries = 3;
    r.extra_len = 4;
    r.extra[3] = 'W';
    r.new_size = 12;
    expect_recipe_corrupt(&r, "seeks old out of range");
    valid_recipe(&r);
    r.ctrl[0] = 17; /* add longer than old */
    r.new_size = 20;
    expect_recipe_corrupt(&r, "outside the old file");
}

static void test_rejects_blocks_shorter_than_entries(void)
{
    recipe r;

    valid_recipe(&r);
    r.diff_len = 6; /* second entry adds 4, only 2 left */
    expect_recipe_corrupt(&r, "diff block ends before");
    valid_recipe(&r);
    r.extra_len = 2;
    expect_recipe_corrupt(&r, "extra block ends before");
    valid_recipe(&r);
    r.entries = 1; /* control ends, new is not complete */
    expect_recipe_corrupt(&r, "control block ends before");
    valid_recipe(&r);
    r.ctrl_raw_len = 24 + 10; /* a partial entry */
    put_int(r.ctrl_raw, 4);
    put_int(r.ctrl_raw + 8, 3);
    put_int(r.ctrl_raw + 16, 4);
    expect_recipe_corrupt(&r, "control block ends before");
}

/* A result longer than the header says is refused (entries past new, above);
 * here, blocks with data the entries leave unused. */
static void test_rejects_unused_block_data(void)
{
    recipe r;

    valid_recipe(&r);
    r.diff_len = 9;
    expect_recipe_corrupt(&r, "diff block holds more data");
    valid_recipe(&r);
    r.extra_len = 4;
    expect_recipe_corrupt(&r, "extra block holds more data");
    valid_recipe(&r);
    r.ctrl[6] = 0; /* a third entry after new is complete */
    r.ctrl[7] = 0;
    r.ctrl[8] = 0;
    r.entries = 3;
    expect_recipe_corrupt(&r, "control block holds more data");
    valid_recipe(&r);
    r.new_size = 0; /* nothing to write, but entries */
    expect_recipe_corrupt(&r, "control block holds more data");
}

/* Entries that write nothing are bounded in total, not in a row: at most one
 * entry per byte of new, plus one. */
static void test_rejects_endless_idle_entries(void)
{
    recipe r;
    size_t i;

    valid_recipe(&r);
    for (i = 0; i < 40; i++) {
        r.ctrl[3 * i] = 0;
        r.ctrl[3 * i + 1] = 0;
        r.ctrl[3 * i + 2] = 1;
    }
    r.entries = 40;
    expect_recipe_corrupt(&r, "more entries than the 11 bytes");
}

static void test_entries_bounded_by_new_size_plus_one(void)
{
    static const int64_t ctrl[] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
    recipe r;
    made m;
    buffer out;
    bl_error err;

    memset(&r, 0, sizeof r);
    memcpy(r.ctrl, ctrl, sizeof ctrl);
    r.entries = 2; /* one that writes nothing, one that copies the 1 byte */
    r.extra[0] = 'Z';
    r.extra_len = 1;
    r.new_size = 1;
    build(&r, &m);
    CHECK_INT(apply_patch(test_old, sizeof test_old, m.data, m.len, &out, 1, &err), BL_OK);
    CHECK(out.len == 1 && out.data[0] == 'Z');
    buffer_free(&out);
    r.ctrl[3] = 0; /* two that write nothing, then the copy: 3 entries for 1 byte */
    r.ctrl[4] = 0;
    r.ctrl[7] = 1;
    r.entries = 3;
    expect_recipe_corrupt(&r, "more entries than the 1 bytes");
}

/* Made by Debian's bsdiff 4.3 (4.3-23) from old = "0123456789abcdef" x 200
 * and new = the same x 100, "Q", the same x 100: its control block holds 101
 * entries, 99 in a row that write nothing (bsdiff 4.3 does this on
 * repeating data, as in a big binary's tables). */
static const uint8_t bsdiff43_repeating_patch[] = {
    0x42, 0x53, 0x44, 0x49, 0x46, 0x46, 0x34, 0x30, 0x48, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x2d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x81, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x42, 0x5a, 0x68, 0x39,
    0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0x53, 0xa2, 0x8a, 0xff, 0x00, 0x02,
    0x2d, 0xec, 0x40, 0x79, 0x14, 0x50, 0x00, 0x40, 0x00, 0x40, 0x00, 0x40,
    0x00, 0x20, 0x00, 0x50, 0x81, 0xa0, 0x68, 0x05, 0x2a, 0x40, 0x0f, 0x53,
    0x8e, 0xc8, 0xb7, 0xdb, 0x10, 0xb5, 0xc2, 0xa9, 0x1c, 0xe9, 0x45, 0x8c,
    0xda, 0x85, 0x99, 0x05, 0x9a, 0xdf, 0x3d, 0x78, 0x45, 0xf8, 0xbb, 0x92,
    0x29, 0xc2, 0x84, 0x82, 0x9d, 0x14, 0x57, 0xf8, 0x42, 0x5a, 0x68, 0x39,
    0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0x65, 0x19, 0xde, 0xd3, 0x00, 0x00,
    0x06, 0x40, 0x40, 0xc0, 0x00, 0x00, 0x40, 0x00, 0x08, 0x20, 0x00, 0x30,
    0xcc, 0x08, 0x9a, 0x40, 0xd0, 0x23, 0xc5, 0xdc, 0x91, 0x4e, 0x14, 0x24,
    0x19, 0x46, 0x77, 0xb4, 0xc0, 0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59,
    0x26, 0x53, 0x59, 0xcd, 0xa1, 0xf6, 0xfb, 0x00, 0x00, 0x00, 0x02, 0x00,
    0x20, 0x00, 0x20, 0x00, 0x21, 0x18, 0x46, 0x82, 0xee, 0x48, 0xa7, 0x0a,
    0x12, 0x19, 0xb4, 0x3e, 0xdf, 0x60,
};

static void test_applies_bsdiff43_patch_with_long_idle_runs(void)
{
    static const char unit[] = "0123456789abcdef";
    uint8_t old[3200], want[3201];
    buffer out;
    bl_error err;
    size_t i;

    for (i = 0; i < 200; i++)
        memcpy(old + 16 * i, unit, 16);
    memcpy(want, old, 1600);
    want[1600] = 'Q';
    memcpy(want + 1601, old, 1600);
    CHECK_INT(apply_patch(old, sizeof old, bsdiff43_repeating_patch, sizeof bsdiff43_repeating_patch,
                          &out, sizeof want, &err),
              BL_OK);
    if (err.code)
        fprintf(stderr, "  patch failed: %s\n", err.msg);
    CHECK_INT(out.len, sizeof want);
    CHECK(out.len == sizeof want && memcmp(out.data, want, sizeof want) == 0);
    buffer_free(&out);
}

static void test_rejects_bad_bzip2(void)
{
    recipe r;
    made m;
    uint8_t copy[16384 + 64];
    size_t at;

    valid_recipe(&r);
    build(&r, &m);
    /* truncated: each block cut short, header adjusted so the ranges fit */
    memcpy(copy, m.data, m.len);
    put_int(copy + 8, (int64_t)m.control_len - 5);
    memmove(copy + m.control_at + m.control_len - 5, m.data + m.diff_at, m.len - m.diff_at);
    expect_corrupt(copy, m.len - 5, 11, "control block");
    memcpy(copy, m.data, m.len);
    put_int(copy + 16, (int64_t)m.diff_len - 5);
    memmove(copy + m.diff_at + m.diff_len - 5, m.data + m.extra_at, m.len - m.extra_at);
    expect_corrupt(copy, m.len - 5, 11, "diff block");
    expect_corrupt(m.data, m.len - 5, 11, "extra block");
    expect_corrupt(m.data, m.extra_at + 1, 11, "extra block");
    /* an empty block where data is needed */
    memcpy(copy, m.data, m.len);
    expect_corrupt(copy, m.extra_at, 11, "extra block ends before");
    /* corrupt: a flipped byte inside each block's compressed data */
    for (at = 0; at < 3; at++) {
        size_t start = at == 0 ? m.control_at : at == 1 ? m.diff_at : m.extra_at;
        size_t len = at == 0 ? m.control_len : at == 1 ? m.diff_len : m.extra_len;
        const char *name = at == 0 ? "control block" : at == 1 ? "diff block" : "extra block";
        size_t pos;
        for (pos = start + 4; pos < start + len; pos += 3) {
            buffer out;
            bl_error err;
            int rc;
            memcpy(copy, m.data, m.len);
            copy[pos] ^= 0x21;
            rc = apply_patch(test_old, sizeof test_old, copy, m.len, &out, 11, &err);
            /* a flip may still decode to the same bytes (a padding bit); it
             * must never be anything but success with the right result or a
             * corrupt-patch error naming the block */
            if (rc == BL_OK) {
                CHECK(out.len == 11 && memcmp(out.data, "1234XYZ89ab", 11) == 0);
            } else {
                CHECK_INT(rc, BL_ECORRUPT);
                if (!strstr(err.msg, name) && !strstr(err.msg, "control entr") &&
                    !strstr(err.msg, "past") && !strstr(err.msg, "outside") &&
                    !strstr(err.msg, "negative") && !strstr(err.msg, "nothing"))
                    CHECK_CONTAINS(err.msg, name);
            }
            buffer_free(&out);
        }
    }
    /* not bzip2 at all */
    memcpy(copy, m.data, m.len);
    memcpy(copy + m.control_at, "PK\x03\x04", 4);
    expect_corrupt(copy, m.len, 11, "not valid bzip2");
    /* trailing bytes after each block's stream */
    memcpy(copy, m.data, m.len);
    copy[m.len] = 0;
    expect_corrupt(copy, m.len + 1, 11, "extra block has 1 bytes after");
    memcpy(copy, m.data, m.extra_at);
    copy[m.extra_at] = 'Z';
    memcpy(copy + m.extra_at + 1, m.data + m.extra_at, m.extra_len);
    put_int(copy + 16, (int64_t)m.diff_len + 1);
    expect_corrupt(copy, m.len + 1, 11, "diff block has 1 bytes after");
    memcpy(copy, m.data, m.diff_at);
    memcpy(copy + m.diff_at, "\0\0", 2);
    memcpy(copy + m.diff_at + 2, m.data + m.diff_at, m.len - m.diff_at);
    put_int(copy + 8, (int64_t)m.control_len + 2);
    expect_corrupt(copy, m.len + 2, 11, "control block has 2 bytes after");
    /* a second bzip2 stream after the first is trailing data too */
    memcpy(copy, m.data, m.len);
    memcpy(copy + m.len, m.data + m.extra_at, m.extra_len);
    expect_corrupt(copy, m.len + m.extra_len, 11, "extra block has");
}

/* Blocks bigger than one read of the reader (64 KiB) and than one chunk of
 * the diff ring (1 MiB), cut anywhere, always fail cleanly. */
static void test_rejects_truncation_anywhere(void)
{
    size_t n = 2 * 1024 * 1024 + 5000, cut;
    uint8_t *old = random_bytes(n), *nw = malloc(n);
    buffer patch, out;
    bl_error err;
    size_t i;

    memcpy(nw, old, n);
    for (i = 0; i < n; i += 997)
        nw[i] = (uint8_t)rng();
    CHECK_INT(make_patch(old, n, nw, n, &patch), BL_OK);
    for (cut = 0; cut < patch.len; cut += patch.len / 23 + 1) {
        CHECK_INT(apply_patch(old, n, patch.data, cut, &out, n, &err), BL_ECORRUPT);
        buffer_free(&out);
    }
    CHECK_INT(apply_patch(old, n, patch.data, patch.len - 1, &out, n, &err), BL_ECORRUPT);
    buffer_free(&out);
    CHECK_INT(apply_patch(old, n, patch.data, patch.len, &out, n, &err), BL_OK);
    CHECK(out.len == n && memcmp(out.data, nw, n) == 0);
    buffer_free(&out);
    /* the same patch against an old file one byte shorter reads past it */
    CHECK_INT(apply_patch(old, n - 1, patch.data, patch.len, &out, n, &err), BL_ECORRUPT);
    CHECK_CONTAINS(err.msg, "outside the old file");
    buffer_free(&out);
    buffer_free(&patch);
    free(old);
    free(nw);
}

/* ---- the match search ---- */

/* The longest match of q in old, the slow and obvious way. */
static int64_t brute_longest(const uint8_t *old, int64_t n, const uint8_t *q, int64_t len)
{
    int64_t p, best = 0;
    for (p = 0; p < n; p++) {
        int64_t l = 0;
        while (l < len && p + l < n && old[p + l] == q[l])
            l++;
        if (l > best)
            best = l;
    }
    return best;
}

/* The three-byte prefix table only narrows where the binary search starts:
 * with it or without, the search finds a longest match, as long as a brute
 * force one, at a place where old really holds it. Old is made to be hard:
 * few distinct bytes, zero runs (short suffixes padded with zeros share
 * their prefix), repeats, and a tail of 0 and 1 bytes. */
static void test_search_finds_a_longest_match_with_either_prefix_table(void)
{
    enum { N = 20000, QUERIES = 3000 };
    static uint8_t old[N], q[64];
    bl_delta_index two, three;
    uint32_t x = 12345;
    int64_t i;
    int t, bad = 0;
    bl_error err;

    for (i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        old[i] = (uint8_t)((x >> 16) % 5);
        if (i % 1000 < 40)
            old[i] = 0;
    }
    memcpy(old + 9000, old + 2000, 3000); /* a long repeat */
    old[N - 2] = 1;
    old[N - 1] = 0;
    CHECK_INT(bl_delta_index_build(&two, old, N, 2, 0, &err), BL_OK);
    CHECK_INT(bl_delta_index_build(&three, old, N, 3, 1, &err), BL_OK);
    CHECK(two.bucket3 == NULL);
    CHECK(three.bucket3 != NULL);
    /* The two-byte table read off the three-byte one is the one counted. */
    CHECK(memcmp(two.bucket, three.bucket, 65537 * sizeof *two.bucket) == 0);
    for (t = 0; t < QUERIES; t++) {
        int64_t len = 1 + t % 40, expected, got2, got3, pos2, pos3;
        for (i = 0; i < len; i++) { /* a piece of old, changed a little, or random */
            x = x * 1103515245u + 12345u;
            q[i] = t % 3 ? old[(t * 7 + i) % N] : (uint8_t)((x >> 16) % 6);
        }
        if (t % 5 == 0)
            q[len / 2] ^= 1;
        expected = brute_longest(old, N, q, len);
        got2 = bl_delta_index_search(&two, q, len, &pos2);
        got3 = bl_delta_index_search(&three, q, len, &pos3);
        if (got2 != expected || got3 != expected || memcmp(old + pos2, q, (size_t)got2) != 0 ||
            memcmp(old + pos3, q, (size_t)got3) != 0 || pos3 + got3 > N) {
            if (bad++ < 5)
                fprintf(stderr, "  query %d (len %lld): expected %lld, two %lld at %lld, three %lld at %lld\n",
                        t, (long long)len, (long long)expected, (long long)got2, (long long)pos2,
                        (long long)got3, (long long)pos3);
        }
    }
    CHECK_INT(bad, 0);
    CHECK_INT(bl_delta_index_prefix_bytes(100 << 20), 2);
    CHECK_INT(bl_delta_index_prefix_bytes(300LL << 20), 3);
    CHECK_INT(bl_delta_index_prefix_bytes(3LL << 30), 2); /* past 2 GiB: 64-bit entries, no table */
    bl_delta_index_free(&two);
    bl_delta_index_free(&three);
}

/* The filter of old's 8-byte strings may let a string through that old does
 * not hold (two hash to one bit), but never stops one that old holds: that
 * would hide a match. Strings old does not hold are mostly stopped, and a
 * query under 8 bytes always goes through to the search. */
static void test_string_filter_never_stops_a_string_of_old(void)
{
    enum { N = 300000, OTHERS = 20000 };
    static uint8_t old[N];
    uint8_t q[8];
    bl_delta_index index;
    uint32_t x = 777;
    int64_t i;
    int missed = 0, stopped = 0, t;
    bl_error err;

    for (i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        old[i] = (uint8_t)(x >> 16);
        if (i % 4096 < 300)
            old[i] = 0; /* runs: one string at many places */
    }
    CHECK_INT(bl_delta_index_build(&index, old, N, 2, 1, &err), BL_OK);
    CHECK(index.strings8 != NULL);
    for (i = 0; i + 8 <= N; i++)
        missed += !bl_delta_index_may_hold8(&index, old + i, 8);
    CHECK_INT(missed, 0);
    for (t = 0; t < OTHERS; t++) { /* random strings: old holds none of them */
        for (i = 0; i < 8; i++) {
            x = x * 1103515245u + 12345u;
            q[i] = (uint8_t)(x >> 16) | 0x80;
        }
        stopped += !bl_delta_index_may_hold8(&index, q, 8);
    }
    /* about 280 k strings in 2^19 bits: about 40% of the bits set */
    CHECK(stopped > OTHERS / 2);
    CHECK_INT(bl_delta_index_may_hold8(&index, q, 7), 1);
    bl_delta_index_free(&index);
    /* Without the filter every query goes to the search. */
    CHECK_INT(bl_delta_index_build(&index, old, N, 2, 0, &err), BL_OK);
    CHECK(index.strings8 == NULL);
    CHECK_INT(bl_delta_index_may_hold8(&index, q, 8), 1);
    bl_delta_index_free(&index);
    CHECK_INT(bl_delta_index_filters_strings(11 << 20), 0);
    CHECK_INT(bl_delta_index_filters_strings(98 << 20), 1);
}

#if defined(__linux__) /* what bl_plat_prefer_huge_pages does elsewhere is nothing */
/* VmFlags of the mapping that holds p in /proc/self/smaps, or "". */
static void mapping_flags(const void *p, char *flags, size_t size)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int inside = 0;

    flags[0] = '\0';
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        unsigned long long lo, hi;
        if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2)
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            snprintf(flags, size, "%s", line + 8);
            break;
        }
    }
    fclose(f);
}

/* The suffix array is searched at random: on Linux it asks for transparent
 * huge pages (madvise mode grants them only on request), unless the system
 * has them turned off. */
static void test_suffix_array_asks_for_huge_pages(void)
{
    enum { N = 16 << 20 };
    uint8_t *old = calloc(N, 1);
    FILE *thp = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    char mode[128] = "", flags[512];
    bl_delta_index index;
    bl_error err;

    CHECK(old != NULL);
    if (thp) {
        if (!fgets(mode, sizeof mode, thp))
            mode[0] = '\0';
        fclose(thp);
    }
    if (!old || !thp || strstr(mode, "[never]")) {
        fprintf(stderr, "  (no transparent huge pages here: nothing to check)\n");
        free(old);
        return;
    }
    CHECK_INT(bl_delta_index_build(&index, old, N, 2, 0, &err), BL_OK);
    mapping_flags(index.sa32 + N / 2, flags, sizeof flags);
    CHECK(strstr(flags, " hg") != NULL);
    bl_delta_index_free(&index);
    free(old);
}
#else
static void test_suffix_array_asks_for_huge_pages(void)
{
    fprintf(stderr, "  (not Linux: no huge pages are asked for, nothing to check)\n");
}
#endif

/* Where old holds new's next bytes in two places, the match goes to the one
 * whose following bytes go on agreeing with new's, though the search alone
 * answers the other. */
static void test_match_takes_the_place_that_goes_on_agreeing(void)
{
    enum { SEQ = 40, TAIL = 400, PAD = 50, PLACE = SEQ + 1 + TAIL, N = PAD + 2 * PLACE + PAD };
    static uint8_t old[N], nw[PLACE];
    const int64_t bad = PAD, good = PAD + PLACE;
    bl_delta_index index;
    bl_delta_entries entries = {0};
    bl_error err;
    uint32_t x = 7;
    int64_t pos, i;

    for (i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        old[i] = (uint8_t)(x >> 16);
    }
    memcpy(old + good, old + bad, SEQ); /* the same SEQ bytes in both places */
    old[bad + SEQ] = 0x90;              /* then a byte that sorts the bad place after new */
    old[good + SEQ] = 0x10;             /* and the good one before it */
    memcpy(nw, old + good, PLACE);
    nw[SEQ] = 0x50;
    for (i = SEQ + 1; i < PLACE; i += 10) /* what follows agrees with the good place, mostly */
        nw[i] ^= 0xFF;
    CHECK_INT(bl_delta_index_build(&index, old, N, 2, 0, &err), BL_OK);
    CHECK_INT(bl_delta_index_search(&index, nw, PLACE, &pos), SEQ);
    CHECK(pos == bad); /* the search's own answer: the setup holds */
    CHECK_INT(bl_delta_match_range(&index, NULL, 0, nw, PLACE, &entries, &err), BL_OK);
    CHECK(entries.n == 2);
    if (entries.n == 2) {
        CHECK(entries.v[1].old_pos == good);
        CHECK(entries.v[1].add == PLACE); /* all of new as differences, nothing extra */
        CHECK(entries.v[1].copy == 0);
    }
    free(entries.v);
    bl_delta_index_free(&index);
}

/* Random text (letters, spaces, newlines: no control bytes) or random bytes,
 * with seed's own sequence. */
static void fill_like(uint8_t *p, size_t n, uint32_t seed, int text)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz  \n";
    size_t i;
    for (i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = text ? (uint8_t)letters[(seed >> 16) % (sizeof letters - 1)] : (uint8_t)(seed >> 16);
    }
}

/* What the entries do: cover new exactly, read old inside it. Returns the
 * bytes they copy as new (the extra block). */
static int64_t check_entries_cover(const bl_delta_entries *e, int64_t old_size, int64_t new_size)
{
    int64_t covered = 0, extra = 0;
    size_t i;
    for (i = 0; i < e->n; i++) {
        CHECK(e->v[i].add >= 0 && e->v[i].copy >= 0);
        CHECK(e->v[i].add == 0 || (e->v[i].old_pos >= 0 && e->v[i].old_pos + e->v[i].add <= old_size));
        covered += e->v[i].add + e->v[i].copy;
        extra += e->v[i].copy;
    }
    CHECK_INT(covered, new_size);
    return extra;
}

/* A 20-byte match pays for its control entry in code (it saves 20 extra
 * bytes of about half a byte each) but not in text, where it must save more
 * than 32: the same layout, as text, is one entry of new bytes; as bytes,
 * the match gets its own entry. */
static void test_cost_rule_drops_a_short_match_in_text_only(void)
{
    enum { OLD = 20000, NEW = 4000, AT = 2000, LEN = 20 };
    static uint8_t old[OLD], nw[NEW];
    bl_delta_index index;
    bl_delta_entries entries = {0};
    bl_error err;
    int text;

    for (text = 1; text >= 0; text--) {
        fill_like(old, OLD, 11, text);
        fill_like(nw, NEW, 12, text);
        memcpy(nw + AT, old + 7000, LEN);
        CHECK_INT(bl_delta_match_is_text(nw, NEW), text);
        CHECK_INT(bl_delta_index_build(&index, old, OLD, 2, 0, &err), BL_OK);
        entries.n = 0;
        CHECK_INT(bl_delta_match_range(&index, NULL, 0, nw, NEW, &entries, &err), BL_OK);
        check_entries_cover(&entries, OLD, NEW);
        if (text) {
            CHECK_INT(entries.n, 1);
        } else {
            CHECK_INT(entries.n, 2);
            if (entries.n == 2) {
                CHECK_INT(entries.v[1].old_pos, 7000);
                CHECK(entries.v[1].add >= LEN);
            }
        }
        bl_delta_index_free(&index);
    }
    free(entries.v);
}

/* Text is told from code by its control bytes: none but tab, newline and
 * carriage return (zeros, as in a tar's padding, do not count). */
static void test_text_is_told_from_code(void)
{
    static uint8_t buf[4096];
    fill_like(buf, sizeof buf, 3, 1);
    memset(buf + 1000, 0, 1000); /* padding */
    buf[5] = '\t';
    buf[6] = '\r';
    CHECK_INT(bl_delta_match_is_text(buf, sizeof buf), 1);
    buf[7] = 0x01; /* one control byte in 3000: still text */
    CHECK_INT(bl_delta_match_is_text(buf, sizeof buf), 1);
    memset(buf + 100, 0x02, 40); /* 41 in 3000: code */
    CHECK_INT(bl_delta_match_is_text(buf, sizeof buf), 0);
    fill_like(buf, sizeof buf, 4, 0);
    CHECK_INT(bl_delta_match_is_text(buf, sizeof buf), 0);
}

/* An index over some pieces of old searches only those and answers with
 * old's positions, the match measured in old. */
static void test_search_over_pieces_answers_in_old(void)
{
    enum { N = 10000 };
    static uint8_t old[N];
    bl_delta_index index;
    bl_delta_piece *pieces = malloc(2 * sizeof *pieces);
    bl_error err;
    int64_t pos = -1;

    fill_like(old, N, 21, 0);
    pieces[0].old_pos = 1000, pieces[0].text_pos = 0, pieces[0].len = 2000;
    pieces[1].old_pos = 5000, pieces[1].text_pos = 2000, pieces[1].len = 1000;
    CHECK_INT(bl_delta_index_build_pieces(&index, old, N, pieces, 2, 3000, 2, 1, &err), BL_OK);
    CHECK_INT(bl_delta_index_search(&index, old + 5100, 100, &pos), 100);
    CHECK_INT(pos, 5100);
    CHECK_INT(bl_delta_index_search(&index, old + 1500, 100, &pos), 100);
    CHECK_INT(pos, 1500);
    /* the end of a piece does not end the match: old goes on agreeing */
    CHECK_INT(bl_delta_index_search(&index, old + 2900, 500, &pos), 500);
    CHECK_INT(pos, 2900);
    /* what no piece holds is not found */
    CHECK(bl_delta_index_search(&index, old + 8000, 100, &pos) < 8);
    bl_delta_index_free(&index);
}

/* Nearly identical input with moved blocks: anchors found first, the index
 * built over the little they leave, and the walk takes every run from its
 * anchor: few entries, the changed bytes as differences, nothing extra. */
static void test_nearly_identical_input_with_moved_blocks(void)
{
    enum { RUN = 6000, RUNS = 50, N = RUN * RUNS };
    uint8_t *old = malloc(N), *nw = malloc(N);
    bl_delta_source src;
    bl_delta_anchors anchors = {0};
    bl_delta_piece *pieces = NULL;
    bl_delta_index index;
    bl_delta_entries entries = {0};
    size_t n_pieces = 0, i;
    int64_t text = 0;
    bl_error err;
    buffer patch;

    fill_like(old, N, 31, 1);
    for (i = 0; i < RUNS; i++)
        memcpy(nw + i * RUN, old + ((i * 13) % RUNS) * RUN, RUN);
    for (i = 0; i < RUNS; i += 3)
        nw[i * RUN + 1234] = '#';
    bl_delta_memory_source(&src, nw, N);
    CHECK_INT(bl_delta_anchors_find(old, N, &src, 128, &anchors, &err), BL_OK);
    CHECK_INT(bl_delta_anchors_rest(&anchors, N, &pieces, &n_pieces, &text, &err), BL_OK);
    CHECK(text < N / 100);
    CHECK_INT(bl_delta_index_build_pieces(&index, old, N, pieces, n_pieces, text, 2, 0, &err), BL_OK);
    CHECK_INT(bl_delta_match_range(&index, &anchors, 0, nw, N, &entries, &err), BL_OK);
    CHECK_INT(check_entries_cover(&entries, N, N), 0);
    CHECK(entries.n <= RUNS + 1);
    /* a slice that starts inside an anchor takes it from there */
    entries.n = 0;
    CHECK_INT(bl_delta_match_range(&index, &anchors, RUN / 2, nw + RUN / 2, RUN * 2, &entries, &err),
              BL_OK);
    CHECK_INT(check_entries_cover(&entries, N, RUN * 2), 0);
    CHECK(entries.n <= 4);
    free(entries.v);
    bl_delta_index_free(&index);
    bl_delta_anchors_free(&anchors);
    /* the whole engine, through the same path */
    round_trip(old, N, nw, N);
    CHECK_INT(make_patch(old, N, nw, N, &patch), BL_OK);
    CHECK(patch.len < 2000);
    buffer_free(&patch);
    free(old);
    free(nw);
}

int main(void)
{
    RUN(test_search_finds_a_longest_match_with_either_prefix_table);
    RUN(test_string_filter_never_stops_a_string_of_old);
    RUN(test_suffix_array_asks_for_huge_pages);
    RUN(test_match_takes_the_place_that_goes_on_agreeing);
    RUN(test_cost_rule_drops_a_short_match_in_text_only);
    RUN(test_text_is_told_from_code);
    RUN(test_search_over_pieces_answers_in_old);
    RUN(test_nearly_identical_input_with_moved_blocks);
    RUN(test_empty_old_and_new);
    RUN(test_empty_old);
    RUN(test_empty_new);
    RUN(test_one_byte_files);
    RUN(test_identical_is_small);
    RUN(test_one_byte_changed);
    RUN(test_inserts_and_deletes);
    RUN(test_shuffled_blocks);
    RUN(test_random_data);
    RUN(test_sizes_around_thread_splits);
    RUN(test_patch_is_deterministic);
    RUN(test_hand_made_patch_applies);
    RUN(test_rejects_bad_header);
    RUN(test_patch_size_reads_header);
    RUN(test_rejects_negative_lengths_in_control);
    RUN(test_rejects_entries_past_new);
    RUN(test_rejects_entries_past_old);
    RUN(test_rejects_blocks_shorter_than_entries);
    RUN(test_rejects_unused_block_data);
    RUN(test_rejects_endless_idle_entries);
    RUN(test_entries_bounded_by_new_size_plus_one);
    RUN(test_applies_bsdiff43_patch_with_long_idle_runs);
    RUN(test_rejects_bad_bzip2);
    RUN(test_rejects_truncation_anywhere);
    return CHECK_DONE();
}

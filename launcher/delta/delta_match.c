/* SPDX-License-Identifier: Apache-2.0 */
/* The match search: where the bytes of new can be found in old, as the
 * control entries of a BSDIFF40 patch. The method is the one Colin Percival
 * published with bsdiff ("Naive differences of executable code", 2003):
 * walk over new looking up, in a suffix array of old, the longest match at
 * each position; keep laying new over old at the current alignment (old's
 * position minus new's) while it gets the bytes mostly right, whatever the
 * differences (they go to the diff block, where code whose addresses moved
 * makes them repeat and compress well); switch alignment when a match gets
 * clearly more bytes right; new bytes no alignment gets right enough go to
 * the extra block as they are.
 *
 * Our own choices (the format stays BSDIFF40): the suffix array comes from
 * libdivsufsort; the binary search starts from the bucket of the query's
 * first two (or three) bytes and skips the prefix already known to match at
 * both ends of its interval; the search never reads new outside the range
 * being matched, so ranges can be matched on separate threads; after a
 * position with no better match the walk moves a quarter of the match it
 * found on, instead of searching again at the very next byte; a position
 * whose next 8 bytes old does not hold (a filter of old's 8-byte strings
 * says so) is passed the same way without a search; of the places old holds
 * a match, the one that goes on agreeing longest is taken; a match must pay
 * for its control entry by what it saves, which depends on whether new
 * reads as text or as code (match_rule); where anchors were found first
 * (delta_anchor.h), the suffix array may index only the pieces of old they
 * leave, and the walk takes each anchor as a match where it lies. */
#include "delta_match.h"

#include <stdlib.h>
#include <string.h>

#include <divsufsort.h>
#include <divsufsort64.h>
#include <uv.h>

#include "platform.h"

#define BUCKETS 65536
#define BUCKETS3 (1u << 24)
/* An old this big gets the three-byte prefix table too (64 MiB, at most a
 * quarter of old): the search starts in an interval 256 times smaller, which
 * saves the binary search's first steps, each a cache miss or two. */
#define PREFIX3_MIN_OLD (256LL << 20)
#define MIN_SKIP 8
/* A match is taken only if it beats the current alignment by more than
 * CODE_RULE's min_gain bytes, so a position whose next 8 bytes are nowhere in old (its longest
 * match is shorter) is passed over without a search, as after a search
 * that found a short match. A filter of old's strings tells such
 * positions at one cache miss where a search costs a dozen: on biome it
 * stops 2.2 M of 5.3 M searches, the patch within 0.01%. A smaller old sits
 * largely in the cache, where a search is cheaper: on esbuild's 11 MB the
 * filter saved 5% of the time and cost 0.6% of patch size and 2 MiB, so only
 * an old of STRINGS8_MIN_OLD or more gets one. */
#define STRINGS8_MIN_OLD (64LL << 20)
/* What a match must be worth, by what it saves in the patch against what
 * its control entry costs (24 bytes, about 4 once compressed).
 * min_gain: a match replaces the current alignment only when it gets more
 * than this many bytes right beyond those the alignment gets right anyway.
 * extend_match, extend_length: an alignment reaches over bytes that only
 * partly agree while extend_match * agreeing - extend_length * length
 * grows; those bytes go to the diff block as differences, not to the extra
 * block as new bytes.
 * In code an extra byte costs about half a byte: 8 bytes pay for an entry,
 * and where addresses moved the differences repeat and compress better than
 * the code they stand for, so an alignment reaches while more than 3 bytes
 * in 7 agree (bsdiff 4.3: 8 bytes, and more than half): esbuild's patch 5.3%
 * smaller, biome's 0.1% (bench/RESULTS.md; other margins and weights tried
 * there). In text an extra byte costs a quarter of that and a difference is
 * as random as the text: a match must save 32 bytes, and an alignment
 * reaches only while more than 6 bytes in 7 agree. On typescript 5.8.3 ->
 * 5.9.3's package tar the patch fell from 312278 to 213099 bytes with both
 * (8 -> 16 / 24 / 32 / 40 / 48 bytes: 250158 / 227769 / 225587 / 231507 /
 * 237382 at 3 in 7; at 32, more than 2 in 3 / 3 in 4 / 4 in 5: 214525 /
 * 213893 / 213453). */
typedef struct {
    int64_t min_gain;
    int extend_match, extend_length;
} match_rule;

static const match_rule CODE_RULE = {8, 7, 3};
static const match_rule TEXT_RULE = {32, 7, 6};
/* Where old holds new's next bytes in several places, the search's answer is
 * one of them, as good as any for those bytes; best_place() looks at up to
 * CANDIDATES of them on each side of it in the suffix array and keeps the
 * one that agrees with most of the LOOKAHEAD bytes that follow. That
 * alignment goes on matching, so fewer control entries follow and the diff
 * block holds more zeros: esbuild's patch 1.7% smaller, biome's 2.2%
 * (bench/RESULTS.md; 16 to 256 candidates, 64 to 256 bytes: all within
 * 0.3% of these). */
#define CANDIDATES 64
#define LOOKAHEAD 64

static int64_t sa_at(const bl_delta_index *index, int64_t i)
{
    return index->sa32 ? index->sa32[i] : index->sa64[i];
}

/* Bucket of a suffix: its first two bytes; a one-byte suffix sorts first
 * among those that start with its byte. */
static unsigned suffix_key(const uint8_t *old, int64_t size, int64_t p)
{
    return p + 1 < size ? (unsigned)old[p] << 8 | old[p + 1] : (unsigned)old[p] << 8;
}

int bl_delta_index_prefix_bytes(int64_t old_size)
{
    return old_size >= PREFIX3_MIN_OLD && old_size <= INT32_MAX ? 3 : 2;
}

/* Counts every suffix under its two-byte (or three-byte) prefix, then turns
 * the counts into where each prefix starts in the suffix array. With the
 * three-byte table, the two-byte one is read off it: two-byte prefix k
 * starts where three-byte prefix k << 8 does (short suffixes are padded
 * with zeros in both), so old is read once. */
static void count_prefixes(bl_delta_index *index)
{
    const uint8_t *old = index->text;
    int64_t p, n = index->text_size, sum = 0;
    uint32_t sum3 = 0;
    unsigned k;

    if (!index->bucket3) {
        for (p = 0; p < n; p++)
            index->bucket[suffix_key(old, n, p) + 1]++;
        for (k = 0; k <= BUCKETS; k++) {
            sum += index->bucket[k];
            index->bucket[k] = sum;
        }
        return;
    }
    for (p = 0; p < n; p++) {
        unsigned key = (unsigned)old[p] << 16;
        if (p + 1 < n)
            key |= (unsigned)old[p + 1] << 8;
        if (p + 2 < n)
            key |= old[p + 2];
        index->bucket3[key + 1]++;
    }
    for (k = 0; k <= BUCKETS3; k++) {
        sum3 += index->bucket3[k];
        index->bucket3[k] = sum3;
    }
    for (k = 0; k <= BUCKETS; k++)
        index->bucket[k] = index->bucket3[(size_t)k << 8];
}

/* The filter's size in bits: the least power of two not under old's size,
 * so one to two bits a position (biome's 98 MB: 16 MiB). On biome, half as
 * many bits let 17% more searches through (3.7 M against 3.1 M), twice as
 * many stop 10% more for 16 MiB more. */
static unsigned strings8_log2(int64_t old_size)
{
    unsigned log2 = 6;
    while (log2 < 62 && ((int64_t)1 << log2) < old_size)
        log2++;
    return log2;
}

static uint64_t string8_bit(const uint8_t *s, unsigned log2)
{
    uint64_t x;
    memcpy(&x, s, 8);
    return (x * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - log2); /* Fibonacci hashing */
}

static void mark_strings8(bl_delta_index *index)
{
    int64_t p;

    if (!index->strings8)
        return;
    for (p = 0; p + 8 <= index->text_size; p++) {
        uint64_t bit = string8_bit(index->text + p, index->strings8_log2);
        index->strings8[bit >> 6] |= UINT64_C(1) << (bit & 63);
    }
}

int bl_delta_index_may_hold8(const bl_delta_index *index, const uint8_t *q, int64_t len)
{
    uint64_t bit;

    if (len < 8 || !index->strings8)
        return 1;
    bit = string8_bit(q, index->strings8_log2);
    return (int)(index->strings8[bit >> 6] >> (bit & 63) & 1);
}

/* The second thread's share while the first sorts: it reads old only. */
static void index_helper(void *arg)
{
    count_prefixes(arg);
    mark_strings8(arg);
}

int bl_delta_index_filters_strings(int64_t old_size)
{
    return old_size >= STRINGS8_MIN_OLD;
}

/* Sorts index->text and fills the tables; index->old and the text are set. */
static int index_text(bl_delta_index *index, int prefix_bytes, int filter_strings, bl_error *err)
{
    const uint8_t *text = index->text;
    int64_t text_size = index->text_size;
    uv_thread_t helper;
    int rc = BL_OK, helping = 0;

    if (!(index->bucket = calloc(BUCKETS + 1, sizeof *index->bucket)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if (text_size == 0)
        return BL_OK;
    if ((uint64_t)text_size > SIZE_MAX / sizeof(int64_t))
        return bl_error_set(err, BL_ETOOBIG, "old file of %lld bytes is too big for this build",
                            (long long)text_size);
    if (prefix_bytes == 3 && text_size <= INT32_MAX &&
        !(index->bucket3 = calloc(BUCKETS3 + 1, sizeof *index->bucket3)))
        return bl_error_set(err, BL_ENOMEM, "out of memory for the prefix table (64 MiB)");
    if (filter_strings) {
        size_t bytes;
        index->strings8_log2 = strings8_log2(text_size);
        bytes = (size_t)1 << (index->strings8_log2 - 3);
        if (!(index->strings8 = calloc(bytes, 1)))
            return bl_error_set(err, BL_ENOMEM, "out of memory for the string filter (%zu bytes)",
                                bytes);
        bl_plat_prefer_huge_pages(index->strings8, bytes);
    }
    if (uv_thread_create(&helper, index_helper, index) == 0)
        helping = 1;
    if (text_size <= INT32_MAX) {
        if (!(index->sa32 = malloc((size_t)text_size * sizeof *index->sa32)))
            rc = bl_error_set(err, BL_ENOMEM, "out of memory for the suffix array (%lld bytes)",
                              (long long)text_size * 4);
        else {
            bl_plat_prefer_huge_pages(index->sa32, (size_t)text_size * sizeof *index->sa32);
            if (divsufsort(text, index->sa32, (saidx_t)text_size) != 0)
                rc = bl_error_set(err, BL_ENOMEM, "suffix sorting failed");
        }
    } else {
        if (!(index->sa64 = malloc((size_t)text_size * sizeof *index->sa64)))
            rc = bl_error_set(err, BL_ENOMEM, "out of memory for the suffix array (%lld bytes)",
                              (long long)text_size * 8);
        else {
            bl_plat_prefer_huge_pages(index->sa64, (size_t)text_size * sizeof *index->sa64);
            if (divsufsort64(text, index->sa64, (saidx64_t)text_size) != 0)
                rc = bl_error_set(err, BL_ENOMEM, "suffix sorting failed");
        }
    }
    if (helping)
        uv_thread_join(&helper);
    else
        index_helper(index);
    return rc;
}

int bl_delta_index_build(bl_delta_index *index, const uint8_t *old, int64_t old_size,
                         int prefix_bytes, int filter_strings, bl_error *err)
{
    memset(index, 0, sizeof *index);
    index->old = index->text = old;
    index->old_size = index->text_size = old_size;
    return index_text(index, prefix_bytes, filter_strings, err);
}

int bl_delta_index_build_pieces(bl_delta_index *index, const uint8_t *old, int64_t old_size,
                                bl_delta_piece *pieces, size_t n_pieces, int64_t text_size,
                                int prefix_bytes, int filter_strings, bl_error *err)
{
    size_t i;

    memset(index, 0, sizeof *index);
    index->old = old;
    index->old_size = old_size;
    index->pieces = pieces;
    index->n_pieces = n_pieces;
    if ((uint64_t)text_size > SIZE_MAX - 1 || !(index->own_text = malloc((size_t)text_size + 1)))
        return bl_error_set(err, BL_ENOMEM, "out of memory for old's unmatched pieces (%lld bytes)",
                            (long long)text_size);
    for (i = 0; i < n_pieces; i++)
        memcpy(index->own_text + pieces[i].text_pos, old + pieces[i].old_pos, (size_t)pieces[i].len);
    index->text = index->own_text;
    index->text_size = text_size;
    return index_text(index, prefix_bytes, filter_strings, err);
}

void bl_delta_index_free(bl_delta_index *index)
{
    free(index->sa32);
    free(index->sa64);
    free(index->bucket);
    free(index->bucket3);
    free(index->strings8);
    free(index->own_text);
    free(index->pieces);
    memset(index, 0, sizeof *index);
}

/* Length of the common prefix of a[0..alen) and b[0..blen). */
static int64_t match_len(const uint8_t *a, int64_t alen, const uint8_t *b, int64_t blen)
{
    int64_t n = alen < blen ? alen : blen, i = 0;

#if defined(__GNUC__)
    while (i + 8 <= n) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (__builtin_ctzll(x ^ y) >> 3);
#else
            break;
#endif
        }
        i += 8;
    }
#endif
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* The suffix array interval [st, en] of the suffixes that start with q's
 * first three bytes (with the three-byte table) or two; 0 if there are none. */
static int prefix_interval(const bl_delta_index *index, const uint8_t *q, int64_t len, int64_t *st,
                           int64_t *en)
{
    if (index->bucket3 && len >= 3) {
        unsigned k = (unsigned)q[0] << 16 | (unsigned)q[1] << 8 | q[2];
        if (index->bucket3[k + 1] > index->bucket3[k]) {
            *st = index->bucket3[k];
            *en = (int64_t)index->bucket3[k + 1] - 1;
            return 1;
        }
    }
    if (len >= 2) {
        unsigned k = (unsigned)q[0] << 8 | q[1];
        if (index->bucket[k + 1] > index->bucket[k]) {
            *st = index->bucket[k];
            *en = index->bucket[k + 1] - 1;
            return 1;
        }
    }
    return 0;
}

/* The longest match of q in old: a binary search of the suffix array inside
 * the query's prefix interval, comparing only past the prefix common to both
 * ends (the longest match is at one end of the final interval). *at is the match's place in the
 * suffix array. */
static int64_t search_text(const bl_delta_index *index, const uint8_t *q, int64_t len,
                           int64_t *pos, int64_t *at)
{
    const uint8_t *old = index->text;
    int64_t n = index->text_size, st, en, lst, len_en;

    *pos = *at = 0;
    if (len == 0 || n == 0)
        return 0;
    if (!prefix_interval(index, q, len, &st, &en)) { /* at most q's first byte matches */
        unsigned k = (unsigned)q[0] << 8;
        if (index->bucket[k + 256] == index->bucket[k])
            return 0;
        *at = index->bucket[k];
        *pos = sa_at(index, *at);
        return 1;
    }
    lst = match_len(old + sa_at(index, st), n - sa_at(index, st), q, len);
    len_en = match_len(old + sa_at(index, en), n - sa_at(index, en), q, len);
    while (en - st >= 2) {
        int64_t x = st + (en - st) / 2, p = sa_at(index, x);
        int64_t m = lst < len_en ? lst : len_en;
        int64_t l = m + match_len(old + p + m, n - p - m, q + m, len - m);

        if (l < n - p && l < len && old[p + l] < q[l]) {
            st = x;
            lst = l;
        } else {
            en = x;
            len_en = l;
        }
    }
    if (lst > len_en) {
        *at = st;
        *pos = sa_at(index, st);
        return lst;
    }
    *at = en;
    *pos = sa_at(index, en);
    return len_en;
}

/* Old's position of the text's position p. */
static int64_t text_to_old(const bl_delta_index *index, int64_t p)
{
    size_t lo = 0, hi = index->n_pieces;

    if (!index->pieces)
        return p;
    while (hi - lo > 1) { /* the last piece starting at or before p */
        size_t mid = lo + (hi - lo) / 2;
        if (index->pieces[mid].text_pos <= p)
            lo = mid;
        else
            hi = mid;
    }
    return index->pieces[lo].old_pos + (p - index->pieces[lo].text_pos);
}

/* The search over the text, answered in old: a match found in the pieces
 * is measured again in old, where it may end sooner (it ran into the next
 * piece) or later (into what an anchor covers). */
static int64_t search(const bl_delta_index *index, const uint8_t *q, int64_t len, int64_t *pos,
                      int64_t *at)
{
    int64_t found = search_text(index, q, len, pos, at);

    if (!index->pieces || found == 0)
        return found;
    *pos = text_to_old(index, *pos);
    return match_len(index->old + *pos, index->old_size - *pos, q, len);
}

int64_t bl_delta_index_search(const bl_delta_index *index, const uint8_t *q, int64_t len,
                              int64_t *pos)
{
    int64_t at;
    return search(index, q, len, pos, &at);
}

/* How many of the LOOKAHEAD bytes of new after a match of len bytes at
 * new[scan..] agree with old at pos + len. */
static int64_t agree_after(const bl_delta_index *index, const uint8_t *nw, int64_t new_len,
                           int64_t scan, int64_t len, int64_t pos)
{
    int64_t i, end = len + LOOKAHEAD, count = 0;

    if (end > new_len - scan)
        end = new_len - scan;
    if (end > index->old_size - pos)
        end = index->old_size - pos;
    for (i = len; i < end; i++)
        count += index->old[pos + i] == nw[scan + i];
    return count;
}

static int64_t distance(int64_t a, int64_t b)
{
    return a > b ? a - b : b - a;
}

/* Of the places in old that hold the same len bytes as new[scan..] (the
 * suffix array's neighbours of at, up to CANDIDATES on each side), the one
 * that agrees with most of what follows in new; of equals, the one nearest
 * to expect, where the current alignment would be (a short seek compresses
 * better in the control block). */
static int64_t best_place(const bl_delta_index *index, const uint8_t *nw, int64_t new_len,
                          int64_t scan, int64_t len, int64_t at, int64_t pos, int64_t expect)
{
    int64_t best = pos, best_score = agree_after(index, nw, new_len, scan, len, pos);
    int dir;

    for (dir = -1; dir <= 1; dir += 2) {
        int64_t j = at + dir, k;
        for (k = 0; k < CANDIDATES && j >= 0 && j < index->text_size; k++, j += dir) {
            int64_t p = text_to_old(index, sa_at(index, j)), score;
            if (match_len(index->old + p, index->old_size - p, nw + scan, len) < len)
                break;
            score = agree_after(index, nw, new_len, scan, len, p);
            if (score > best_score ||
                (score == best_score && distance(p, expect) < distance(best, expect))) {
                best = p;
                best_score = score;
            }
        }
    }
    return best;
}

static int push_entry(bl_delta_entries *out, int64_t old_pos, int64_t add, int64_t copy,
                      bl_error *err)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 1024;
        bl_delta_entry *v = realloc(out->v, cap * sizeof *v);
        if (!v)
            return bl_error_set(err, BL_ENOMEM, "out of memory for control entries");
        out->v = v;
        out->cap = cap;
    }
    out->v[out->n].old_pos = old_pos;
    out->v[out->n].add = add;
    out->v[out->n].copy = copy;
    out->n++;
    return BL_OK;
}

/* The state of the walk over new. Entries lay new over old in alignments:
 * an alignment's shift is old's position minus new's, constant along it.
 * The entry being built starts at new[entry_new] over old[entry_old] (shift
 * entry_shift); the match just found is new[at..at+len) over old[pos..]. */
typedef struct {
    const bl_delta_index *index;
    const match_rule *rule;
    const uint8_t *old, *new_data;
    int64_t old_size, new_len;
    int64_t at, pos, len;
    int64_t entry_new, entry_old, entry_shift;
    /* The anchors, in new's positions; next_anchor is the first one that
     * ends past new_begin + at. */
    const bl_delta_anchors *anchors;
    size_t next_anchor;
    int64_t new_begin;
} walk;

/* 1 if old under the current entry's shift holds new[i]. */
static int agrees_under_entry(const walk *w, int64_t i)
{
    int64_t o = i + w->entry_shift;
    return o >= 0 && o < w->old_size && w->old[o] == w->new_data[i];
}

/* How many bytes of new[lo, hi) agree with old under the entry's shift. Both
 * ends only move right while one stretch of new is scanned, so each byte is
 * looked at twice at most. */
typedef struct {
    int64_t lo, hi, agreeing;
} agreement;

/* 1 if old under the entry's shift holds all of new[i, i + 8). Long equal
 * runs (nearly identical inputs) are counted 8 bytes at a time. */
static int agree8_under_entry(const walk *w, int64_t i)
{
    int64_t o = i + w->entry_shift;
    return o >= 0 && o + 8 <= w->old_size && memcmp(w->old + o, w->new_data + i, 8) == 0;
}

static void agreement_reach(const walk *w, agreement *a, int64_t hi)
{
    while (a->hi < hi) {
        if (hi - a->hi >= 8 && agree8_under_entry(w, a->hi)) {
            a->agreeing += 8;
            a->hi += 8;
        } else {
            a->agreeing += agrees_under_entry(w, a->hi);
            a->hi++;
        }
    }
}

static void agreement_start(const walk *w, agreement *a, int64_t lo)
{
    agreement_reach(w, a, lo);
    while (a->lo < lo) {
        if (lo - a->lo >= 8 && agree8_under_entry(w, a->lo)) {
            a->agreeing -= 8;
            a->lo += 8;
        } else {
            a->agreeing -= agrees_under_entry(w, a->lo);
            a->lo++;
        }
    }
}

enum next_match {
    NEXT_NONE,   /* new ends before a better match */
    NEXT_SAME,   /* the match found is the current alignment itself */
    NEXT_BETTER  /* a match that beats the current alignment */
};

/* The match an anchor makes at new[w->at], if one covers it: sets w->pos and
 * w->len (as far as old and new agree, past the anchor too) and returns 1.
 * Else returns 0 and sets *next_start to where the next anchor starts in the
 * slice (new_len if none does). */
static int anchor_match(walk *w, int64_t *next_start)
{
    const bl_delta_anchors *a = w->anchors;
    int64_t at = w->new_begin + w->at;

    *next_start = w->new_len;
    if (!a)
        return 0;
    while (w->next_anchor < a->n && a->v[w->next_anchor].new_pos + a->v[w->next_anchor].len <= at)
        w->next_anchor++;
    if (w->next_anchor == a->n)
        return 0;
    if (a->v[w->next_anchor].new_pos > at) {
        int64_t start = a->v[w->next_anchor].new_pos - w->new_begin;
        *next_start = start < w->new_len ? start : w->new_len;
        return 0;
    }
    w->pos = a->v[w->next_anchor].old_pos + (at - a->v[w->next_anchor].new_pos);
    w->len = match_len(w->old + w->pos, w->old_size - w->pos, w->new_data + w->at,
                       w->new_len - w->at);
    return 1;
}

/* Looks for the next match from new[w->at] on. A match replaces the current
 * alignment when it is more than the rule's min_gain bytes longer than the number of
 * its bytes the alignment gets right anyway (fewer would not pay for a
 * control entry); one the alignment gets wholly right is the alignment
 * going on, and the walk jumps past it. After a position with neither, the
 * next ones would mostly find the same match shifted by one: the walk moves
 * a quarter of its length on, MIN_SKIP bytes at least. A long match
 * starting in between is still found, a few bytes late, and the backward
 * extension takes those bytes back; where old and new differ every few
 * bytes (code whose offsets moved, new text) this saves most of the
 * searches, and the patch is no bigger: the short matches a byte-by-byte
 * walk switches to were not worth their control entries (bench/RESULTS.md).
 * Sets w->at, w->pos, w->len; *sa_at is the match's place in the suffix
 * array. */
static enum next_match next_match(walk *w, int64_t *sa_at, int *anchored)
{
    agreement same = {w->at, w->at, 0};

    for (; w->at < w->new_len;) {
        const uint8_t *q = w->new_data + w->at;
        int64_t rest = w->new_len - w->at, step, next_anchor;

        *anchored = anchor_match(w, &next_anchor);
        if (!*anchored)
            w->len = bl_delta_index_may_hold8(w->index, q, rest)
                         ? search(w->index, q, rest, &w->pos, sa_at)
                         : 0;
        agreement_reach(w, &same, w->at + w->len);
        if (w->len > same.agreeing + w->rule->min_gain)
            return NEXT_BETTER;
        if (w->len != 0 && w->len == same.agreeing)
            return NEXT_SAME;
        step = (w->len >> 2 > MIN_SKIP ? w->len >> 2 : MIN_SKIP) + 1;
        w->at = step < rest ? w->at + step : w->new_len;
        if (w->at > next_anchor) /* never past an anchor's start */
            w->at = next_anchor;
        agreement_start(w, &same, w->at);
    }
    return NEXT_NONE;
}

/* How much of a stretch laid over old is worth keeping as one alignment,
 * from its start outwards (dir 1: new[new_at], new[new_at + 1], ... over
 * old[old_at], ...; dir -1: new[new_at - 1], new[new_at - 2], ... over
 * old[old_at - 1], ...), at most limit bytes. A byte that agrees costs
 * nothing in the diff block; one that does not costs a difference, cheaper
 * than a new byte in the extra block when differences repeat (code whose
 * addresses moved). The length kept is the shortest that maximises
 * extend_match * agreeing - extend_length * length (the walk's rule). */
static int64_t worth_keeping(const walk *w, int64_t new_at, int64_t old_at, int64_t limit, int dir)
{
    int64_t n, score = 0, best = 0, kept = 0;
    int64_t first = dir > 0 ? 0 : -1;
    int64_t agree = w->rule->extend_match - w->rule->extend_length, differ = -w->rule->extend_length;

    for (n = 0; n < limit;) {
        int64_t k = first + dir * n;
        /* 8 bytes that all agree: the score grows at each, so the best is
         * at their end (the same as byte by byte, faster on long runs) */
        int64_t lo = dir > 0 ? k : k - 7;
        if (limit - n >= 8 && memcmp(w->old + old_at + lo, w->new_data + new_at + lo, 8) == 0) {
            score += 8 * agree;
            n += 8;
        } else {
            score += w->old[old_at + k] == w->new_data[new_at + k] ? agree : differ;
            n++;
        }
        if (score > best) {
            best = score;
            kept = n;
        }
    }
    return kept;
}

/* Where the entry's alignment (shift a) hands over to the next one (shift
 * b) inside new[lo, hi), which both would cover: the point up to which a
 * has got the most bytes right more than b (lo when it never leads). */
static int64_t handover(const walk *w, int64_t lo, int64_t hi, int64_t a, int64_t b)
{
    int64_t i, lead = 0, best = 0, at = lo;

    for (i = lo; i < hi; i++) {
        lead += (w->old[i + a] == w->new_data[i]) - (w->old[i + b] == w->new_data[i]);
        if (lead > best) {
            best = lead;
            at = i + 1;
        }
    }
    return at;
}

/* Ends the entry being built where the next match takes over (at the end
 * of new when there is none) and starts the next one. The entry's alignment
 * reaches forward over what it gets right enough, the match's backward
 * likewise, and what lies between them is new bytes (the extra block); if
 * the two reaches overlap, the handover point splits them. */
static int close_entry(walk *w, int last, bl_delta_entries *out, bl_error *err)
{
    int64_t room = w->at - w->entry_new;
    int64_t forward = room < w->old_size - w->entry_old ? room : w->old_size - w->entry_old;
    int64_t diff_end = w->entry_new + worth_keeping(w, w->entry_new, w->entry_old, forward, 1);
    int64_t next_start = w->at;
    int rc;

    if (!last)
        next_start -= worth_keeping(w, w->at, w->pos, room < w->pos ? room : w->pos, -1);
    if (diff_end > next_start)
        diff_end = next_start = handover(w, next_start, diff_end, w->entry_shift, w->pos - w->at);
    rc = push_entry(out, w->entry_old, diff_end - w->entry_new, next_start - diff_end, err);
    if (rc != BL_OK)
        return rc;
    w->entry_shift = w->pos - w->at;
    w->entry_new = next_start;
    w->entry_old = next_start + w->entry_shift;
    return BL_OK;
}

int bl_delta_match_is_text(const uint8_t *data, int64_t len)
{
    int64_t i, nonzero = 0, control = 0;

    for (i = 0; i < len; i++) {
        uint8_t c = data[i];
        nonzero += c != 0;
        control += (c != 0 && c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
    }
    return control <= nonzero / 128;
}

int bl_delta_match_range(const bl_delta_index *index, const bl_delta_anchors *anchors,
                         int64_t new_begin, const uint8_t *new_data, int64_t new_len,
                         bl_delta_entries *out, bl_error *err)
{
    walk w;

    memset(&w, 0, sizeof w);
    w.index = index;
    w.rule = bl_delta_match_is_text(new_data, new_len) ? &TEXT_RULE : &CODE_RULE;
    w.old = index->old;
    w.old_size = index->old_size;
    w.new_data = new_data;
    w.new_len = new_len;
    w.anchors = anchors;
    w.new_begin = new_begin;
    while (w.at < new_len) {
        int64_t sa_at = 0;
        enum next_match next;
        int rc, anchored = 0;

        w.at += w.len; /* past the match the last entry ended on */
        next = next_match(&w, &sa_at, &anchored);
        if (next == NEXT_SAME)
            continue;
        if (next == NEXT_BETTER && !anchored)
            w.pos = best_place(index, new_data, new_len, w.at, w.len, sa_at, w.pos, w.at + w.entry_shift);
        if ((rc = close_entry(&w, next == NEXT_NONE, out, err)) != BL_OK)
            return rc;
    }
    return BL_OK;
}

/* The match search of bsdiff 4.3 over a libdivsufsort suffix array: at each
 * position of new, the longest match in old; a match is taken when it beats
 * the current alignment (old at the previous match's offset) by more than 8
 * bytes, then the previous match is extended forward and this one backward
 * while more than half the bytes agree, and what lies between becomes extra.
 *
 * Differences from bsdiff 4.3 (the format is the same): the suffix array
 * comes from libdivsufsort; the binary search starts from the bucket of the
 * query's first two bytes and skips the prefix already known to match at
 * both ends of its interval; the search never reads new outside the range
 * being matched, so ranges can be matched on separate threads; after a
 * position with no better match, the scan skips a quarter of the match it
 * found, at least 8 bytes, instead of searching again at the very next
 * byte; a position whose next 8 bytes old does not hold (a filter of old's
 * 8-byte strings says so) is skipped the same way without a search. */
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
/* bsdiff takes a match only if it beats the current alignment by more than
 * 8 bytes, so a position whose next 8 bytes are nowhere in old (its longest
 * match is shorter) is passed over without a search, as after a search
 * that found a short match. A filter of old's strings tells such
 * positions at one cache miss where a search costs a dozen: on biome it
 * stops 2.2 M of 5.3 M searches, the patch within 0.01%. A smaller old sits
 * largely in the cache, where a search is cheaper: on esbuild's 11 MB the
 * filter saved 5% of the time and cost 0.6% of patch size and 2 MiB, so only
 * an old of STRINGS8_MIN_OLD or more gets one. */
#define STRINGS8_MIN_OLD (64LL << 20)
/* How far a match is extended into bytes that only partly agree: while
 * EXTEND_SCORE_MATCH * agreeing - EXTEND_SCORE_LENGTH * length grows, i.e.
 * while more than 3 bytes in 7 agree (bsdiff 4.3: 2 and 1, more than half).
 * Those bytes go to the diff block as differences, not to the extra block as
 * new bytes; in code whose addresses moved, the differences repeat and
 * compress better than the code they stand for: esbuild's patch is 5.3%
 * smaller, biome's 0.1%, the app tar's 0.6% (bench/RESULTS.md; more than
 * 2 in 5 did as well, 3 in 5 no better than half, 1 in 3 or 1 in 4 worse). */
#define EXTEND_SCORE_MATCH 7
#define EXTEND_SCORE_LENGTH 3
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
    const uint8_t *old = index->old;
    int64_t p, n = index->old_size, sum = 0;
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
    for (p = 0; p + 8 <= index->old_size; p++) {
        uint64_t bit = string8_bit(index->old + p, index->strings8_log2);
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

int bl_delta_index_build(bl_delta_index *index, const uint8_t *old, int64_t old_size,
                         int prefix_bytes, int filter_strings, bl_error *err)
{
    uv_thread_t helper;
    int rc = BL_OK, helping = 0;

    memset(index, 0, sizeof *index);
    index->old = old;
    index->old_size = old_size;
    if (!(index->bucket = calloc(BUCKETS + 1, sizeof *index->bucket)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if (old_size == 0)
        return BL_OK;
    if ((uint64_t)old_size > SIZE_MAX / sizeof(int64_t))
        return bl_error_set(err, BL_ETOOBIG, "old file of %lld bytes is too big for this build",
                            (long long)old_size);
    if (prefix_bytes == 3 && old_size <= INT32_MAX &&
        !(index->bucket3 = calloc(BUCKETS3 + 1, sizeof *index->bucket3)))
        return bl_error_set(err, BL_ENOMEM, "out of memory for the prefix table (64 MiB)");
    if (filter_strings) {
        size_t bytes;
        index->strings8_log2 = strings8_log2(old_size);
        bytes = (size_t)1 << (index->strings8_log2 - 3);
        if (!(index->strings8 = calloc(bytes, 1)))
            return bl_error_set(err, BL_ENOMEM, "out of memory for the string filter (%zu bytes)",
                                bytes);
        bl_plat_prefer_huge_pages(index->strings8, bytes);
    }
    if (uv_thread_create(&helper, index_helper, index) == 0)
        helping = 1;
    if (old_size <= INT32_MAX) {
        if (!(index->sa32 = malloc((size_t)old_size * sizeof *index->sa32)))
            rc = bl_error_set(err, BL_ENOMEM, "out of memory for the suffix array (%lld bytes)",
                              (long long)old_size * 4);
        else {
            bl_plat_prefer_huge_pages(index->sa32, (size_t)old_size * sizeof *index->sa32);
            if (divsufsort(old, index->sa32, (saidx_t)old_size) != 0)
                rc = bl_error_set(err, BL_ENOMEM, "suffix sorting failed");
        }
    } else {
        if (!(index->sa64 = malloc((size_t)old_size * sizeof *index->sa64)))
            rc = bl_error_set(err, BL_ENOMEM, "out of memory for the suffix array (%lld bytes)",
                              (long long)old_size * 8);
        else {
            bl_plat_prefer_huge_pages(index->sa64, (size_t)old_size * sizeof *index->sa64);
            if (divsufsort64(old, index->sa64, (saidx64_t)old_size) != 0)
                rc = bl_error_set(err, BL_ENOMEM, "suffix sorting failed");
        }
    }
    if (helping)
        uv_thread_join(&helper);
    else
        index_helper(index);
    return rc;
}

void bl_delta_index_free(bl_delta_index *index)
{
    free(index->sa32);
    free(index->sa64);
    free(index->bucket);
    free(index->bucket3);
    free(index->strings8);
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

/* bsdiff's binary search, inside the query's prefix interval, comparing only
 * past the prefix common to both ends. *at is the match's place in the
 * suffix array. */
static int64_t search(const bl_delta_index *index, const uint8_t *q, int64_t len, int64_t *pos,
                      int64_t *at)
{
    const uint8_t *old = index->old;
    int64_t n = index->old_size, st, en, lst, len_en;

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
        for (k = 0; k < CANDIDATES && j >= 0 && j < index->old_size; k++, j += dir) {
            int64_t p = sa_at(index, j), score;
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

typedef struct {
    const uint8_t *old, *new_data;
    int64_t old_size, end;
    int64_t scan, pos, len;            /* current match: new[scan..] at old[pos..] */
    int64_t last_scan, last_pos, last_offset;
} matcher;

/* bsdiff's extensions, with the EXTEND_SCORE weights: the previous match
 * forward, this one backward, and the split of their overlap. Sets *lenf
 * and *lenb. */
static void extend(const matcher *m, int64_t *lenf_out, int64_t *lenb_out)
{
    const uint8_t *old = m->old, *nw = m->new_data;
    int64_t i, s = 0, sf = 0, lenf = 0, lenb = 0;

    for (i = 0; m->last_scan + i < m->scan && m->last_pos + i < m->old_size;) {
        if (old[m->last_pos + i] == nw[m->last_scan + i])
            s++;
        i++;
        if (s * EXTEND_SCORE_MATCH - i * EXTEND_SCORE_LENGTH >
            sf * EXTEND_SCORE_MATCH - lenf * EXTEND_SCORE_LENGTH) {
            sf = s;
            lenf = i;
        }
    }
    if (m->scan < m->end) {
        int64_t sb = 0;
        s = 0;
        for (i = 1; m->scan >= m->last_scan + i && m->pos >= i; i++) {
            if (old[m->pos - i] == nw[m->scan - i])
                s++;
            if (s * EXTEND_SCORE_MATCH - i * EXTEND_SCORE_LENGTH >
                sb * EXTEND_SCORE_MATCH - lenb * EXTEND_SCORE_LENGTH) {
                sb = s;
                lenb = i;
            }
        }
    }
    if (m->last_scan + lenf > m->scan - lenb) {
        int64_t overlap = (m->last_scan + lenf) - (m->scan - lenb), ss = 0, lens = 0;
        s = 0;
        for (i = 0; i < overlap; i++) {
            if (nw[m->last_scan + lenf - overlap + i] == old[m->last_pos + lenf - overlap + i])
                s++;
            if (nw[m->scan - lenb + i] == old[m->pos - lenb + i])
                s--;
            if (s > ss) {
                ss = s;
                lens = i + 1;
            }
        }
        lenf += lens - overlap;
        lenb -= lens;
    }
    *lenf_out = lenf;
    *lenb_out = lenb;
}

/* Does old at the current alignment agree with new at i? */
static int aligned(const matcher *m, int64_t i)
{
    int64_t o = i + m->last_offset;
    return o >= 0 && o < m->old_size && m->old[o] == m->new_data[i];
}

int bl_delta_match_range(const bl_delta_index *index, const uint8_t *new_data, int64_t new_len,
                         bl_delta_entries *out, bl_error *err)
{
    matcher m;
    int rc;

    memset(&m, 0, sizeof m);
    m.old = index->old;
    m.old_size = index->old_size;
    m.new_data = new_data;
    m.end = new_len;
    while (m.scan < new_len) {
        int64_t old_score = 0, scsc, skip, at = 0;

        for (scsc = m.scan += m.len; m.scan < new_len; m.scan++) {
            if (bl_delta_index_may_hold8(index, new_data + m.scan, new_len - m.scan))
                m.len = search(index, new_data + m.scan, new_len - m.scan, &m.pos, &at);
            else
                m.len = 0; /* no match to take here: skip as after a short one */
            for (; scsc < m.scan + m.len; scsc++)
                old_score += aligned(&m, scsc);
            if ((m.len == old_score && m.len != 0) || m.len > old_score + 8)
                break;
            old_score -= aligned(&m, m.scan);
            /* No better match here, and the next positions would mostly find
             * the same short match shifted by one: skip a quarter of its
             * length, and at least MIN_SKIP bytes, scoring the alignment
             * over the bytes skipped. A long match starting in between is
             * still found, a few bytes late, and extend() takes those bytes
             * back. Where old and new differ every few bytes (code whose
             * offsets moved, new text) this saves most of the searches, and
             * the patch is no bigger: the short matches bsdiff 4.3 switches
             * to at every byte were not worth their control entries
             * (bench/RESULTS.md). */
            skip = m.len >> 2;
            if (skip < MIN_SKIP)
                skip = MIN_SKIP;
            for (; scsc <= m.scan + skip && scsc < new_len; scsc++)
                old_score += aligned(&m, scsc);
            for (; skip > 0 && m.scan + 1 < scsc; skip--) {
                m.scan++;
                old_score -= aligned(&m, m.scan);
            }
        }
        if (m.len != old_score || m.scan == new_len) {
            int64_t lenf, lenb;
            if (m.scan < new_len && m.len > 0)
                m.pos = best_place(index, new_data, new_len, m.scan, m.len, at, m.pos,
                                   m.scan + m.last_offset);
            extend(&m, &lenf, &lenb);
            rc = push_entry(out, m.last_pos, lenf, (m.scan - lenb) - (m.last_scan + lenf), err);
            if (rc != BL_OK)
                return rc;
            m.last_scan = m.scan - lenb;
            m.last_pos = m.pos - lenb;
            m.last_offset = m.pos - m.scan;
        }
    }
    return BL_OK;
}

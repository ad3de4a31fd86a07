/* SPDX-License-Identifier: Apache-2.0 */
#include "version.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Numbers beyond this are refused rather than wrapped. */
#define NUMBER_MAX 999999999999999999ULL

static int is_separator(char c)
{
    return c == '.' || c == '-' || c == '_';
}

/* Reads a run of digits at *p; returns 0 if there is none or it overflows. */
static int read_number(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t n = 0;
    if (!isdigit((unsigned char)*s))
        return 0;
    while (isdigit((unsigned char)*s)) {
        if (n > (NUMBER_MAX - 9) / 10)
            return 0;
        n = n * 10 + (uint64_t)(*s - '0');
        s++;
    }
    *p = s;
    *out = n;
    return 1;
}

/* Case-insensitive prefix match that advances *p on success. */
static int eat_word(const char **p, const char *word)
{
    size_t n = strlen(word);
    size_t i;
    for (i = 0; i < n; i++) {
        if (tolower((unsigned char)(*p)[i]) != word[i])
            return 0;
    }
    *p += n;
    return 1;
}

/* PEP 440 pre-release spellings, longest first so "preview" wins over "pre". */
static int read_pre_kind(const char **p)
{
    static const struct { const char *word; int kind; } words[] = {
        {"preview", BL_PRE_RC}, {"alpha", BL_PRE_ALPHA}, {"beta", BL_PRE_BETA},
        {"pre", BL_PRE_RC},     {"rc", BL_PRE_RC},       {"a", BL_PRE_ALPHA},
        {"b", BL_PRE_BETA},     {"c", BL_PRE_RC},
    };
    size_t i;
    for (i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (eat_word(p, words[i].word))
            return words[i].kind;
    }
    return BL_PRE_NONE;
}

/* An optional separator, then a number; a missing number means 0 (PEP 440
 * "implicit number"). */
static int read_implicit_number(const char **p, uint64_t *out)
{
    const char *s = *p;
    if (is_separator(*s))
        s++;
    if (isdigit((unsigned char)*s)) {
        if (!read_number(&s, out))
            return 0;
    } else {
        *out = 0;
    }
    *p = s;
    return 1;
}

static int parse_release(const char **p, bl_version *v)
{
    const char *s = *p;
    uint64_t n;
    const char *save;

    if (!read_number(&s, &n))
        return 0;
    if (*s == '!') { /* epoch */
        v->epoch = n;
        s++;
        if (!read_number(&s, &n))
            return 0;
    }
    v->release[v->release_count++] = n;
    while (s[0] == '.' && isdigit((unsigned char)s[1])) {
        save = s + 1;
        if (v->release_count == BL_VERSION_MAX_RELEASE || !read_number(&save, &n))
            return 0;
        v->release[v->release_count++] = n;
        s = save;
    }
    *p = s;
    return 1;
}

static int parse_suffixes(const char **p, bl_version *v)
{
    const char *s = *p;
    const char *t;
    int kind;

    /* pre-release: [sep](a|b|rc|alpha|beta|c|pre|preview)[sep][N] */
    t = is_separator(*s) ? s + 1 : s;
    kind = read_pre_kind(&t);
    if (kind != BL_PRE_NONE) {
        v->pre_kind = kind;
        if (!read_implicit_number(&t, &v->pre))
            return 0;
        s = t;
    }
    /* post-release: [sep](post|rev|r)[sep][N], or "-N" */
    t = is_separator(*s) ? s + 1 : s;
    if (eat_word(&t, "post") || eat_word(&t, "rev") || eat_word(&t, "r")) {
        v->has_post = 1;
        if (!read_implicit_number(&t, &v->post))
            return 0;
        s = t;
    } else if (*s == '-' && isdigit((unsigned char)s[1])) {
        t = s + 1;
        v->has_post = 1;
        if (!read_number(&t, &v->post))
            return 0;
        s = t;
    }
    /* dev release: [sep]dev[sep][N] */
    t = is_separator(*s) ? s + 1 : s;
    if (eat_word(&t, "dev")) {
        v->has_dev = 1;
        if (!read_implicit_number(&t, &v->dev))
            return 0;
        s = t;
    }
    *p = s;
    return 1;
}

/* Local version label: +[a-z0-9]+([-_.][a-z0-9]+)*, normalised to lower case
 * with '.' separators. */
static int parse_local(const char **p, bl_version *v)
{
    const char *s = *p;
    size_t n = 0;
    int need_alnum = 1;

    if (*s != '+')
        return 1;
    s++;
    while (*s && (isalnum((unsigned char)*s) || is_separator(*s))) {
        int sep = is_separator(*s);
        if (sep && need_alnum)
            return 0;
        if (n + 1 >= sizeof v->local)
            return 0;
        v->local[n++] = sep ? '.' : (char)tolower((unsigned char)*s);
        need_alnum = sep;
        s++;
    }
    if (need_alnum)
        return 0;
    v->local[n] = '\0';
    *p = s;
    return 1;
}

int bl_version_parse(const char *text, bl_version *out, bl_error *err)
{
    const char *s = text;
    bl_version v;

    memset(&v, 0, sizeof v);
    if (!text)
        return bl_error_set(err, BL_EINVAL, "version is missing");
    while (isspace((unsigned char)*s))
        s++;
    if (*s == 'v' || *s == 'V')
        s++;
    if (!parse_release(&s, &v) || !parse_suffixes(&s, &v) || !parse_local(&s, &v))
        goto invalid;
    while (isspace((unsigned char)*s))
        s++;
    if (*s != '\0')
        goto invalid;
    *out = v;
    return BL_OK;

invalid:
    return bl_error_set(err, BL_EINVAL, "'%.64s' is not a PEP 440 version (expected e.g. 1.2.0, 1.3.0rc1)",
                        text);
}

static int compare_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

/* PEP 440 local labels: segments compared numerically when both are numbers,
 * a number sorts above a word, words compare as strings; more segments win. */
static int compare_local(const char *a, const char *b)
{
    while (*a && *b) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");
        int na = strspn(a, "0123456789") == la, nb = strspn(b, "0123456789") == lb;
        int c;
        if (na && nb) {
            uint64_t x = 0, y = 0;
            const char *pa = a, *pb = b;
            read_number(&pa, &x);
            read_number(&pb, &y);
            c = compare_u64(x, y);
        } else if (na != nb) {
            c = na ? 1 : -1;
        } else {
            c = strncmp(a, b, la < lb ? la : lb);
            if (c == 0)
                c = compare_u64(la, lb);
        }
        if (c != 0)
            return c < 0 ? -1 : 1;
        a += la + (a[la] == '.');
        b += lb + (b[lb] == '.');
    }
    return (*a != '\0') - (*b != '\0');
}

/* The pre-release slot's sort key: a dev-only release (1.0.dev1) sorts before
 * every pre-release of the same release; a final release after them all. */
static int pre_rank(const bl_version *v)
{
    if (v->pre_kind != BL_PRE_NONE)
        return v->pre_kind; /* 1..3 */
    if (v->has_dev && !v->has_post)
        return 0;
    return 4;
}

int bl_version_compare(const bl_version *a, const bl_version *b)
{
    int i, c;
    int n = a->release_count > b->release_count ? a->release_count : b->release_count;

    if ((c = compare_u64(a->epoch, b->epoch)) != 0)
        return c;
    for (i = 0; i < n; i++) { /* missing parts are zeros: 1.0 == 1.0.0 */
        uint64_t x = i < a->release_count ? a->release[i] : 0;
        uint64_t y = i < b->release_count ? b->release[i] : 0;
        if ((c = compare_u64(x, y)) != 0)
            return c;
    }
    if ((c = pre_rank(a) - pre_rank(b)) != 0)
        return c < 0 ? -1 : 1;
    if (a->pre_kind != BL_PRE_NONE && (c = compare_u64(a->pre, b->pre)) != 0)
        return c;
    if (a->has_post != b->has_post) /* no post sorts first */
        return a->has_post ? 1 : -1;
    if (a->has_post && (c = compare_u64(a->post, b->post)) != 0)
        return c;
    if (a->has_dev != b->has_dev) /* a dev release sorts before its final */
        return a->has_dev ? -1 : 1;
    if (a->has_dev && (c = compare_u64(a->dev, b->dev)) != 0)
        return c;
    return compare_local(a->local, b->local);
}

int bl_version_compare_text(const char *a, const char *b)
{
    bl_version va, vb;
    int ok_a = bl_version_parse(a, &va, NULL) == BL_OK;
    int ok_b = bl_version_parse(b, &vb, NULL) == BL_OK;
    int c;

    if (ok_a && ok_b)
        return bl_version_compare(&va, &vb);
    if (ok_a != ok_b)
        return ok_a ? 1 : -1;
    c = strcmp(a ? a : "", b ? b : "");
    return c < 0 ? -1 : c > 0;
}

int bl_version_is_prerelease(const bl_version *v)
{
    return v->pre_kind != BL_PRE_NONE || v->has_dev;
}

int bl_version_format(const bl_version *v, char *out, size_t size)
{
    static const char *pre_names[] = {"", "a", "b", "rc"};
    size_t used = 0;
    int i, n;

#define APPEND(...)                                                        \
    do {                                                                   \
        n = snprintf(out + used, size - used, __VA_ARGS__);                \
        if (n < 0 || (size_t)n >= size - used)                             \
            return BL_ETOOBIG;                                             \
        used += (size_t)n;                                                 \
    } while (0)

    if (size == 0)
        return BL_ETOOBIG;
    out[0] = '\0';
    if (v->epoch)
        APPEND("%llu!", (unsigned long long)v->epoch);
    for (i = 0; i < v->release_count; i++)
        APPEND("%s%llu", i ? "." : "", (unsigned long long)v->release[i]);
    if (v->pre_kind != BL_PRE_NONE)
        APPEND("%s%llu", pre_names[v->pre_kind], (unsigned long long)v->pre);
    if (v->has_post)
        APPEND(".post%llu", (unsigned long long)v->post);
    if (v->has_dev)
        APPEND(".dev%llu", (unsigned long long)v->dev);
    if (v->local[0])
        APPEND("+%s", v->local);
#undef APPEND
    return BL_OK;
}

int bl_version_is_safe_name(const char *text)
{
    bl_version v;
    size_t n;
    if (!text)
        return 0;
    n = strlen(text);
    if (n == 0 || n >= BL_VERSION_MAX_TEXT || text[0] == '.')
        return 0;
    if (strspn(text, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+!_-") != n)
        return 0;
    return bl_version_parse(text, &v, NULL) == BL_OK;
}

int bl_version_has_prefix(const bl_version *v, const char *prefix)
{
    int i = 0;
    if (!*prefix)
        return 1;
    if (v->epoch != 0)
        return 0;
    for (;;) {
        char *end;
        unsigned long long want;
        if (*prefix < '0' || *prefix > '9')
            return 0;
        want = strtoull(prefix, &end, 10);
        if ((i < v->release_count ? v->release[i] : 0) != want)
            return 0;
        i++;
        if (*end == '\0')
            return 1;
        if (*end != '.')
            return 0;
        prefix = end + 1;
    }
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "canonjson.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

/* Strictly valid UTF-8, as Python decodes it before securesystemslib ever
 * sees the text (base/utf8.h). */
static int utf8_valid(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), i = 0, step;
    while (i < n) {
        if ((step = bl_utf8_sequence(s + i, n - i, NULL)) == 0)
            return 0;
        i += step;
    }
    return 1;
}

/* Where the integers of 2^53 and beyond are in the text, in document order. */
typedef struct {
    size_t *at, *len;
    size_t count, cap;
} big_numbers;

/* The digits (no sign, no leading zero) of an integer of 2^53 or more? */
static int digits_beyond_exact(const unsigned char *digits, size_t n)
{
    static const char two_53[] = "9007199254740992";
    return n > sizeof two_53 - 1 || (n == sizeof two_53 - 1 && memcmp(digits, two_53, n) >= 0);
}

static int remember_big(big_numbers *big, size_t at, size_t len, bl_error *err)
{
    if (big->count == big->cap) {
        size_t cap = big->cap ? big->cap * 2 : 8;
        size_t *grown_at = realloc(big->at, cap * sizeof *grown_at), *grown_len;
        if (!grown_at)
            return bl_error_set(err, BL_ENOMEM, "JSON: out of memory");
        big->at = grown_at;
        if (!(grown_len = realloc(big->len, cap * sizeof *grown_len)))
            return bl_error_set(err, BL_ENOMEM, "JSON: out of memory");
        big->len = grown_len;
        big->cap = cap;
    }
    big->at[big->count] = at;
    big->len[big->count] = len;
    big->count++;
    return BL_OK;
}

/* A lexical pass before cJSON: what cJSON would accept silently but
 * securesystemslib (Python's json) would read differently or not at all, and
 * where the integers are that a double cannot hold. cJSON still checks the
 * grammar; this only rejects. */
static int prescan(const unsigned char *s, size_t len, big_numbers *big, bl_error *err)
{
    size_t i = 0, step;
    int depth = 0, in_string = 0;

    while (i < len) {
        unsigned char c = s[i];
        if (c == 0)
            return bl_error_set(err, BL_ECORRUPT, "JSON: NUL byte at offset %zu", i);
        if (in_string) {
            if (c == '"') {
                in_string = 0;
            } else if (c == '\\') {
                if (i + 1 < len && s[i + 1] == 'u' && i + 5 < len && memcmp(s + i + 2, "0000", 4) == 0)
                    return bl_error_set(err, BL_ECORRUPT, "JSON: \\u0000 in a string at offset %zu", i);
                i++; /* the escaped character; cJSON validates the escape */
            } else if (c < 0x20) {
                return bl_error_set(err, BL_ECORRUPT, "JSON: control character 0x%02x in a string at offset %zu",
                                    c, i);
            } else if (c >= 0x80) {
                if ((step = bl_utf8_sequence(s + i, len - i, NULL)) == 0)
                    return bl_error_set(err, BL_ECORRUPT, "JSON: invalid UTF-8 at offset %zu", i);
                i += step;
                continue;
            }
            i++;
            continue;
        }
        if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > BL_CANONJSON_MAX_DEPTH)
                return bl_error_set(err, BL_ECORRUPT, "JSON: nested deeper than %d at offset %zu",
                                    BL_CANONJSON_MAX_DEPTH, i);
        } else if (c == ']' || c == '}') {
            depth--;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t start = i, digits;
            int rc;
            if (c == '-')
                i++;
            if (i + 1 < len && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9')
                return bl_error_set(err, BL_ECORRUPT, "JSON: number with a leading zero at offset %zu", start);
            digits = i;
            while (i < len && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i < len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E'))
                return bl_error_set(err, BL_ECORRUPT,
                                    "JSON: non-integer number at offset %zu (metadata allows only integers)",
                                    start);
            if (i - digits > BL_CANONJSON_MAX_DIGITS)
                return bl_error_set(err, BL_ECORRUPT,
                                    "JSON: integer of %zu digits at offset %zu (Python reads at most %d)",
                                    i - digits, start, BL_CANONJSON_MAX_DIGITS);
            if (i > digits && digits_beyond_exact(s + digits, i - digits) &&
                (rc = remember_big(big, start, i - start, err)) != BL_OK)
                return rc;
            continue;
        }
        i++;
    }
    return BL_OK;
}

static int compare_names(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string); /* unsigned bytes: UTF-8 order */
}

/* The children of an object, sorted by name, in a new array (NULL when empty). */
static int sorted_members(const cJSON *object, const cJSON ***out, size_t *count, bl_error *err)
{
    const cJSON *child;
    const cJSON **members;
    size_t n = 0, i = 0;
    for (child = object->child; child; child = child->next)
        n++;
    *out = NULL;
    *count = n;
    if (n == 0)
        return BL_OK;
    if (!(members = malloc(n * sizeof *members)))
        return bl_error_set(err, BL_ENOMEM, "JSON: out of memory");
    for (child = object->child; child; child = child->next) {
        if (!child->string) {
            free(members);
            return bl_error_set(err, BL_EINVAL, "JSON: object member without a name");
        }
        members[i++] = child;
    }
    qsort(members, n, sizeof *members, compare_names);
    *out = members;
    return BL_OK;
}

static int number_is_integer(double d)
{
    return isfinite(d) && d == floor(d) && fabs(d) <= BL_CANONJSON_MAX_INT;
}

/* Turns the numbers beyond 2^53 into raw items of their digits as written,
 * pairing the tree's numbers, walked in document order, with the prescan's:
 * cJSON read each of those as "1e999" (infinite), every other number is
 * exact, so the two lists match one for one. */
static int keep_digits(cJSON *item, const char *text, const big_numbers *big, size_t *next, bl_error *err)
{
    cJSON *child;
    if (cJSON_IsNumber(item) && !(fabs(item->valuedouble) <= BL_CANONJSON_MAX_INT)) {
        char *digits;
        cJSON *raw;
        if (*next >= big->count)
            return bl_error_set(err, BL_ECORRUPT, "JSON: a large number was not found in the text");
        if (!(digits = malloc(big->len[*next] + 1)))
            return bl_error_set(err, BL_ENOMEM, "JSON: out of memory");
        memcpy(digits, text + big->at[*next], big->len[*next]);
        digits[big->len[*next]] = '\0';
        (*next)++;
        raw = cJSON_CreateRaw(digits); /* cJSON's allocator, freed by cJSON_Delete */
        free(digits);
        if (!raw)
            return bl_error_set(err, BL_ENOMEM, "JSON: out of memory");
        item->type = cJSON_Raw | (item->type & cJSON_StringIsConst);
        item->valuestring = raw->valuestring;
        item->valuedouble = 0;
        item->valueint = 0;
        raw->valuestring = NULL;
        cJSON_Delete(raw);
    }
    for (child = item->child; child; child = child->next) {
        int rc = keep_digits(child, text, big, next, err);
        if (rc != BL_OK)
            return rc;
    }
    return BL_OK;
}

/* After cJSON: duplicate keys and numbers beyond exact doubles. */
static int check_tree(const cJSON *item, int depth, bl_error *err)
{
    const cJSON *child;
    if (depth > BL_CANONJSON_MAX_DEPTH)
        return bl_error_set(err, BL_ECORRUPT, "JSON: nested deeper than %d", BL_CANONJSON_MAX_DEPTH);
    if (cJSON_IsNumber(item) && !number_is_integer(item->valuedouble))
        return bl_error_set(err, BL_ECORRUPT, "JSON: number %.0f is beyond 2^53 (not exact)", item->valuedouble);
    if (cJSON_IsObject(item)) {
        const cJSON **members;
        size_t n, i;
        int rc = sorted_members(item, &members, &n, err);
        if (rc != BL_OK)
            return rc;
        for (i = 1; i < n; i++) {
            if (strcmp(members[i - 1]->string, members[i]->string) == 0) {
                rc = bl_error_set(err, BL_ECORRUPT, "JSON: duplicate key \"%.64s\"", members[i]->string);
                break;
            }
        }
        free(members);
        if (rc != BL_OK)
            return rc;
    }
    for (child = item->child; child; child = child->next) {
        int rc = check_tree(child, depth + 1, err);
        if (rc != BL_OK)
            return rc;
    }
    return BL_OK;
}

int bl_canonjson_parse(const char *text, size_t len, size_t max_len, cJSON **out, bl_error *err)
{
    const char *end = NULL;
    cJSON *root;
    big_numbers big = {NULL, NULL, 0, 0};
    char *copy = NULL;
    size_t offset, next = 0;
    int rc;

    *out = NULL;
    if (len > max_len)
        return bl_error_set(err, BL_ETOOBIG, "JSON: %zu bytes is more than the %zu allowed", len, max_len);
    if ((rc = prescan((const unsigned char *)text, len, &big, err)) != BL_OK)
        goto cleanup;
    /* cJSON reads at most 63 characters of a number: it gets a copy where
     * each large one is "1e999" padded with spaces, at the same offsets. */
    if (big.count > 0) {
        if (!(copy = malloc(len ? len : 1))) {
            rc = bl_error_set(err, BL_ENOMEM, "JSON: out of memory");
            goto cleanup;
        }
        memcpy(copy, text, len);
        for (offset = 0; offset < big.count; offset++) {
            memset(copy + big.at[offset], ' ', big.len[offset]);
            memcpy(copy + big.at[offset], "1e999", 5); /* at least 16 digits were there */
        }
    }
    root = cJSON_ParseWithLengthOpts(copy ? copy : text, len, &end, 0);
    if (end && copy)
        end = text + (end - copy);
    if (!root) {
        offset = end && end >= text ? (size_t)(end - text) : 0;
        rc = bl_error_set(err, BL_ECORRUPT, "JSON: syntax error near offset %zu", offset);
        goto cleanup;
    }
    for (offset = (size_t)(end - text); offset < len; offset++) {
        if (!strchr(" \t\r\n", text[offset])) {
            rc = bl_error_set(err, BL_ECORRUPT, "JSON: unexpected data after the value at offset %zu", offset);
            break;
        }
    }
    if (rc == BL_OK && (rc = keep_digits(root, text, &big, &next, err)) == BL_OK && next != big.count)
        rc = bl_error_set(err, BL_ECORRUPT, "JSON: %zu large numbers in the text, %zu in the value", big.count, next);
    if (rc == BL_OK)
        rc = check_tree(root, 0, err);
    if (rc == BL_OK)
        *out = root;
    else
        cJSON_Delete(root);

cleanup:
    free(copy);
    free(big.at);
    free(big.len);
    return rc;
}

int bl_canonjson_get_uint(const cJSON *item, unsigned long long *out)
{
    if (!cJSON_IsNumber(item) || !number_is_integer(item->valuedouble) || item->valuedouble < 0)
        return 0;
    *out = (unsigned long long)item->valuedouble;
    return 1;
}

typedef struct {
    char *data;
    size_t len, cap;
} buffer;

static int put(buffer *b, const char *s, size_t n, bl_error *err)
{
    if (n > SIZE_MAX / 2 - b->len - 1)
        return bl_error_set(err, BL_ETOOBIG, "JSON: canonical form too large");
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *grown;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (!(grown = realloc(b->data, cap)))
            return bl_error_set(err, BL_ENOMEM, "JSON: out of memory");
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return BL_OK;
}

/* securesystemslib: '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"' */
static int put_string(buffer *b, const char *s, bl_error *err)
{
    const char *run = s;
    int rc;
    if (!utf8_valid(s))
        return bl_error_set(err, BL_EINVAL, "JSON: string is not valid UTF-8");
    if ((rc = put(b, "\"", 1, err)) != BL_OK)
        return rc;
    for (; *s; s++) {
        if (*s != '\\' && *s != '"')
            continue;
        if ((rc = put(b, run, (size_t)(s - run), err)) != BL_OK || (rc = put(b, "\\", 1, err)) != BL_OK)
            return rc;
        run = s; /* the quote or backslash itself starts the next run */
    }
    if ((rc = put(b, run, (size_t)(s - run), err)) != BL_OK)
        return rc;
    return put(b, "\"", 1, err);
}

/* -?[1-9][0-9]* or 0, as Python's str(int) writes an integer. */
static int is_integer_text(const char *s)
{
    int negative;
    size_t n;
    if (!s)
        return 0;
    negative = *s == '-';
    s += negative;
    n = strspn(s, "0123456789");
    if (n == 0 || s[n] != '\0')
        return 0;
    return s[0] != '0' || (n == 1 && !negative);
}

static int encode(buffer *b, const cJSON *item, int depth, bl_error *err)
{
    char number[32];
    const cJSON *child;
    int rc;

    if (depth > BL_CANONJSON_MAX_DEPTH)
        return bl_error_set(err, BL_EINVAL, "JSON: nested deeper than %d", BL_CANONJSON_MAX_DEPTH);
    switch (item->type & 0xff) {
    case cJSON_False: return put(b, "false", 5, err);
    case cJSON_True: return put(b, "true", 4, err);
    case cJSON_NULL: return put(b, "null", 4, err);
    case cJSON_String: return put_string(b, item->valuestring ? item->valuestring : "", err);
    case cJSON_Raw: /* only an integer's digits, as bl_canonjson_parse keeps them */
        if (!is_integer_text(item->valuestring))
            return bl_error_set(err, BL_EINVAL, "JSON: raw value %.32s has no canonical form",
                                item->valuestring ? item->valuestring : "(null)");
        return put(b, item->valuestring, strlen(item->valuestring), err);
    case cJSON_Number:
        if (!number_is_integer(item->valuedouble))
            return bl_error_set(err, BL_EINVAL, "JSON: %g has no canonical form (only integers below 2^53)",
                                item->valuedouble);
        snprintf(number, sizeof number, "%lld", (long long)item->valuedouble);
        return put(b, number, strlen(number), err);
    case cJSON_Array:
        if ((rc = put(b, "[", 1, err)) != BL_OK)
            return rc;
        for (child = item->child; child; child = child->next) {
            if ((child != item->child && (rc = put(b, ",", 1, err)) != BL_OK) ||
                (rc = encode(b, child, depth + 1, err)) != BL_OK)
                return rc;
        }
        return put(b, "]", 1, err);
    case cJSON_Object: {
        const cJSON **members;
        size_t n, i;
        if ((rc = sorted_members(item, &members, &n, err)) != BL_OK)
            return rc;
        rc = put(b, "{", 1, err);
        for (i = 0; rc == BL_OK && i < n; i++) {
            if (i > 0 && strcmp(members[i - 1]->string, members[i]->string) == 0)
                rc = bl_error_set(err, BL_EINVAL, "JSON: duplicate key \"%.64s\"", members[i]->string);
            else if ((i == 0 || (rc = put(b, ",", 1, err)) == BL_OK) &&
                     (rc = put_string(b, members[i]->string, err)) == BL_OK && (rc = put(b, ":", 1, err)) == BL_OK)
                rc = encode(b, members[i], depth + 1, err);
        }
        free(members);
        return rc != BL_OK ? rc : put(b, "}", 1, err);
    }
    default: return bl_error_set(err, BL_EINVAL, "JSON: value of type %d has no canonical form", item->type);
    }
}

int bl_canonjson_encode(const cJSON *value, char **out, size_t *out_len, bl_error *err)
{
    buffer b = {NULL, 0, 0};
    int rc = value ? encode(&b, value, 0, err) : bl_error_set(err, BL_EINVAL, "JSON: no value");
    if (rc == BL_OK && !b.data)
        rc = put(&b, "", 0, err);
    if (rc != BL_OK) {
        free(b.data);
        *out = NULL;
        return rc;
    }
    *out = b.data;
    *out_len = b.len;
    return BL_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The font choice's pure parts (splash_font.h): no SDL, no files, so the
 * unit tests check them as they are. */
#include <stdio.h>
#include <string.h>

#include "base/ascii.h"
#include "base/utf8.h"
#include "splash_font.h"

#define REPLACEMENT 0xFFFDu

/* Inserts cp into the ascending set of *n (capacity max) unless it is there. */
static void insert_point(uint32_t *set, size_t *n, size_t max, uint32_t cp)
{
    size_t lo = 0, hi = *n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set[mid] == cp)
            return;
        if (set[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (*n >= max)
        return;
    memmove(set + lo + 1, set + lo, (*n - lo) * sizeof *set);
    set[lo] = cp;
    (*n)++;
}

size_t bl_splash_font_code_points(const char *text, uint32_t *out, size_t max)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    size_t left = strlen((const char *)s), n = 0;
    while (left > 0) {
        uint32_t cp = 0;
        size_t len = bl_utf8_sequence(s, left, &cp);
        if (len == 0) { /* one byte at a time, as the renderer skips it */
            cp = REPLACEMENT;
            len = 1;
        }
        if (cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0))
            insert_point(out, &n, max, cp);
        s += len;
        left -= len;
    }
    return n;
}

int bl_splash_font_points_within(const uint32_t *points, size_t count, const uint32_t *set, size_t set_count)
{
    size_t i, j = 0;
    for (i = 0; i < count; i++) {
        while (j < set_count && set[j] < points[i])
            j++;
        if (j == set_count || set[j] != points[i])
            return 0;
    }
    return 1;
}

size_t bl_splash_font_points_merge(uint32_t *set, size_t set_count, size_t max, const uint32_t *points,
                                   size_t count)
{
    size_t i;
    for (i = 0; i < count; i++)
        insert_point(set, &set_count, max, points[i]);
    return set_count;
}

void bl_splash_font_lang_tag(const char *language, char *out, size_t size)
{
    size_t i;
    if (size == 0)
        return;
    snprintf(out, size, "%s", language && *language ? language : "en");
    for (i = 0; out[i]; i++) {
        if (out[i] == '.' || out[i] == '@') { /* "zh_CN.UTF-8": the encoding is not the language */
            out[i] = '\0';
            break;
        }
        out[i] = out[i] == '_' ? '-' : bl_ascii_lower(out[i]);
    }
}

const char *const *bl_splash_font_system_names(const char *language)
{
    static const char *const chinese[] = {"msyh.ttc", "msyh.ttf", "simsun.ttc", NULL};
    static const char *const latin[] = {"segoeui.ttf", NULL};
    if (language && strncmp(language, "zh", 2) == 0 && (language[2] == '\0' || language[2] == '_' ||
                                                         language[2] == '-'))
        return chinese;
    return latin;
}

/* The first font of *count that covers text, or -1. */
static int first_covering(const char *text, size_t *count, bl_splash_font_covers covers, void *ctx)
{
    size_t i;
    for (i = 0; i < *count; i++)
        if (covers(ctx, i, text, count))
            return (int)i;
    return -1;
}

bl_splash_font_pick bl_splash_font_pick_line(const char *text, const char *english, size_t *count,
                                             bl_splash_font_covers covers, void *ctx)
{
    bl_splash_font_pick pick = {-1, 0};
    if ((pick.font = first_covering(text, count, covers, ctx)) >= 0)
        return pick;
    if (english && *english && strcmp(english, text) != 0) {
        pick.english = 1;
        pick.font = first_covering(english, count, covers, ctx);
    }
    return pick;
}

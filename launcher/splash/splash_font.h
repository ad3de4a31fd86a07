/* SPDX-License-Identifier: Apache-2.0 */
/* Which font draws a line of the splash. A line is drawn with the first font
 * that has a glyph for every character of it, in this order: the publisher's
 * font (resources/), the system's font for the language (fontconfig on
 * Linux, the UI font under the Windows fonts folder), the bundled DejaVu
 * Sans. When none covers it, the line is drawn in English instead: a
 * missing glyph never shows as a box. The pure parts are here, the SDL side
 * in splash_font_cache.c, the system's fonts in splash_fontconfig.c. */
#ifndef BL_SPLASH_FONT_H
#define BL_SPLASH_FONT_H

#include <stddef.h>
#include <stdint.h>

#include "base/fsutil.h"

/* A font: a file, and the face in it (a .ttc holds several, from 0). */
typedef struct {
    char path[BL_PATH_MAX];
    int face;
} bl_splash_font_file;

/* The distinct code points of UTF-8 text a font must have glyphs for,
 * ascending, at most max of them (the rest dropped: size out for the text,
 * one per byte is always enough). Controls are left out (nothing is drawn
 * for them); an invalid sequence counts as U+FFFD, which is what the
 * renderer draws for it. Returns how many were written. Pure. */
size_t bl_splash_font_code_points(const char *text, uint32_t *out, size_t max);

/* 1 when every one of the count points (ascending) is in the ascending set
 * of set_count points. Pure. */
int bl_splash_font_points_within(const uint32_t *points, size_t count, const uint32_t *set, size_t set_count);

/* Merges the ascending points into the ascending set (capacity max),
 * keeping it ascending and distinct; returns the set's new size (points
 * beyond max are dropped). Pure. */
size_t bl_splash_font_points_merge(uint32_t *set, size_t set_count, size_t max, const uint32_t *points,
                                   size_t count);

/* fontconfig's name for a catalog's language: "zh_CN" -> "zh-cn",
 * "en" -> "en", NULL or "" -> "en" (RFC 3066, lower case). Pure. */
void bl_splash_font_lang_tag(const char *language, char *out, size_t size);

/* The font files, in the Windows fonts folder, with which the system's own
 * UI draws language's text, best first, NULL-terminated: Chinese
 * (zh, zh_CN, ...) Microsoft YaHei (msyh.ttc; msyh.ttf before Windows 8)
 * then SimSun; English and any other language Segoe UI. Pure. */
const char *const *bl_splash_font_system_names(const char *language);

/* What a line shows: the font (an index into the caller's list) and the
 * text it draws. */
typedef struct {
    int font;    /* -1: no font covers it, or the English text: nothing is drawn */
    int english; /* 1: the English text, because no font covers the language's */
} bl_splash_font_pick;

/* Tells whether font i of the caller's list has a glyph for every point of
 * text; more fonts may be added to the list meanwhile (the system's, asked
 * for that text), so *count is read again after each call. */
typedef int (*bl_splash_font_covers)(void *ctx, size_t i, const char *text, size_t *count);

/* The first font (of *count, in order) that covers text; if none does, the
 * first that covers english (NULL or "": there is no other text). Pure
 * apart from what covers does. */
bl_splash_font_pick bl_splash_font_pick_line(const char *text, const char *english, size_t *count,
                                             bl_splash_font_covers covers, void *ctx);

/* The system's fonts (Linux: fontconfig) for language that have glyphs for
 * every point, best first, at most max; 0 when there are none or the build
 * has no fontconfig (Windows, macOS: their fonts are found by name,
 * bl_splash_font_system_names). */
size_t bl_splash_font_system_find(const char *language, const uint32_t *points, size_t count,
                                  bl_splash_font_file *out, size_t max);

#endif

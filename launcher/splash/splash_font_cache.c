/* SPDX-License-Identifier: Apache-2.0 */
/* The splash's fonts, SDL side: the list of fonts in the order a line tries
 * them (splash_font.h), each opened at the title's and the text's size the
 * first time a line needs it, and the check that a font has a glyph for
 * every character of a line (TTF_GlyphIsProvided32).
 *
 * The order: the publisher's font first; then, for English, the bundled
 * DejaVu Sans, which covers it and draws it the same on every machine
 * without loading the system's font list (6-16 ms for fontconfig here, on
 * a first frame whose budget is 100 ms: bench/RESULTS.md), and the
 * system's after; for any other language the system's font for it first
 * (its Latin letters and digits then match its own script on the whole
 * splash) and the bundled one last. The system's fonts are the UI fonts
 * found by name in the Windows fonts folder, and those fontconfig finds
 * for a text's characters, asked once for each new set of characters. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "splash_sdl.h"
#include "start/log.h"

#define PUBLISHER_FONT "resources/splash-font" /* .ttf, .otf or .ttc */
#define BUNDLED_FONT "resources/DejaVuSans.ttf"
/* fonts-dejavu-core, where a development build finds it without resources/ */
#define DEBIAN_DEJAVU_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define SYSTEM_FOUND_MAX 3 /* fonts taken from one fontconfig answer */

static int is_english(const char *language)
{
    return !language || !*language || strcmp(language, "en") == 0 || strncmp(language, "en_", 3) == 0;
}

static void add_slot(bl_splash_fonts *f, int kind, const char *path, int face)
{
    bl_splash_font_slot *slot;
    if (f->count >= BL_SPLASH_FONT_SLOTS || !path || !*path)
        return;
    slot = &f->slot[f->count++];
    memset(slot, 0, sizeof *slot);
    snprintf(slot->file.path, sizeof slot->file.path, "%s", path);
    slot->file.face = face;
    slot->kind = kind;
}

/* The publisher's: the splash options' font (a driver's --font), else
 * resources/splash-font.ttf, .otf or .ttc when the bundle ships one. */
static void add_publisher_font(bl_splash_fonts *f, const bl_splash_options *opt)
{
    static const char *const extensions[] = {".ttf", ".otf", ".ttc"};
    char path[BL_PATH_MAX], name[64];
    size_t i;
    if (opt->font_path && *opt->font_path) {
        if (bl_splash_resolve_path(opt->root, opt->font_path, NULL, path, sizeof path) == BL_OK)
            add_slot(f, BL_SPLASH_FONT_PUBLISHER, path, 0);
        return;
    }
    for (i = 0; i < sizeof extensions / sizeof extensions[0]; i++) {
        snprintf(name, sizeof name, "%s%s", PUBLISHER_FONT, extensions[i]);
        if (bl_splash_resolve_path(opt->root, name, NULL, path, sizeof path) == BL_OK && bl_fs_exists(path)) {
            add_slot(f, BL_SPLASH_FONT_PUBLISHER, path, 0);
            return;
        }
    }
}

/* The system's UI fonts for the language that exist under its fonts
 * folder (Windows), and the place where fontconfig's answers go. */
static void add_system_fonts(bl_splash_fonts *f)
{
    const char *const *name = bl_splash_font_system_names(f->language);
    char dir[BL_PATH_MAX], path[BL_PATH_MAX];
    bl_error err;
    if (bl_plat_fonts_dir(dir, sizeof dir, &err) == BL_OK)
        for (; *name; name++) {
            int n = snprintf(path, sizeof path, "%s/%s", dir, *name);
            if (n > 0 && (size_t)n < sizeof path && bl_fs_exists(path))
                add_slot(f, BL_SPLASH_FONT_SYSTEM, path, 0);
        }
    add_slot(f, BL_SPLASH_FONT_ASK_SYSTEM, "fontconfig", 0);
}

static void add_bundled_font(bl_splash_fonts *f, const bl_splash_options *opt)
{
    char path[BL_PATH_MAX];
    if (bl_splash_resolve_path(opt->root, NULL, BUNDLED_FONT, path, sizeof path) == BL_OK && bl_fs_exists(path))
        add_slot(f, BL_SPLASH_FONT_BUNDLED, path, 0);
    else
        add_slot(f, BL_SPLASH_FONT_BUNDLED, DEBIAN_DEJAVU_FONT, 0);
}

void bl_splash_fonts_init(bl_splash_fonts *f, const bl_splash_options *opt, const char *language)
{
    memset(f, 0, sizeof *f);
    snprintf(f->language, sizeof f->language, "%s", language && *language ? language : "en");
    add_publisher_font(f, opt);
    if (is_english(f->language)) {
        add_bundled_font(f, opt);
        add_system_fonts(f);
    } else {
        add_system_fonts(f);
        add_bundled_font(f, opt);
    }
}

static void close_slot(bl_splash_font_slot *slot)
{
    if (slot->title)
        TTF_CloseFont(slot->title);
    if (slot->text)
        TTF_CloseFont(slot->text);
    slot->title = slot->text = NULL;
}

void bl_splash_fonts_resize(bl_splash_fonts *f, int title_px, int text_px)
{
    size_t i;
    for (i = 0; i < f->count; i++)
        close_slot(&f->slot[i]);
    f->title_px = title_px;
    f->text_px = text_px;
}

/* Opens slot at both sizes unless done; 0 when it cannot be (said once). */
static int open_slot(bl_splash_fonts *f, bl_splash_font_slot *slot)
{
    if (slot->kind == BL_SPLASH_FONT_ASK_SYSTEM || slot->unusable)
        return 0;
    if (slot->title && slot->text)
        return 1;
    close_slot(slot);
    slot->title = TTF_OpenFontIndex(slot->file.path, f->title_px, slot->file.face);
    slot->text = TTF_OpenFontIndex(slot->file.path, f->text_px, slot->file.face);
    if (!slot->title || !slot->text) {
        if (slot->kind != BL_SPLASH_FONT_BUNDLED || strcmp(slot->file.path, DEBIAN_DEJAVU_FONT) != 0)
            bl_log(BL_LOG_WARN, "splash", "cannot use the font %s (%s); trying the next", slot->file.path,
                   TTF_GetError());
        close_slot(slot);
        slot->unusable = 1;
        return 0;
    }
    TTF_SetFontStyle(slot->title, TTF_STYLE_BOLD);
    return 1;
}

/* fontconfig's fonts for the characters of points, put in place of the
 * ASK_SYSTEM slot at i (which moves after them); once per new character. */
static void ask_system(bl_splash_fonts *f, size_t i, const uint32_t *points, size_t count)
{
    bl_splash_font_file found[SYSTEM_FOUND_MAX];
    size_t n, k, j, added = 0;
    if (bl_splash_font_points_within(points, count, f->asked, f->asked_count))
        return;
    f->asked_count = bl_splash_font_points_merge(f->asked, f->asked_count, BL_SPLASH_FONT_ASKED_MAX, points, count);
    n = bl_splash_font_system_find(f->language, points, count, found, SYSTEM_FOUND_MAX);
    for (k = 0; k < n && f->count < BL_SPLASH_FONT_SLOTS; k++) {
        int known = 0;
        for (j = 0; j < f->count; j++)
            known |= strcmp(f->slot[j].file.path, found[k].path) == 0 && f->slot[j].file.face == found[k].face;
        if (known)
            continue;
        memmove(&f->slot[i + added + 1], &f->slot[i + added], (f->count - i - added) * sizeof f->slot[0]);
        memset(&f->slot[i + added], 0, sizeof f->slot[0]);
        f->slot[i + added].file = found[k];
        f->slot[i + added].kind = BL_SPLASH_FONT_SYSTEM;
        f->count++;
        added++;
    }
}

static int covers(void *ctx, size_t i, const char *text, size_t *count)
{
    bl_splash_fonts *f = ctx;
    bl_splash_font_slot *slot = &f->slot[i];
    size_t n = bl_splash_font_code_points(text, f->points, BL_SPLASH_FONT_POINTS_MAX), k;
    if (slot->kind == BL_SPLASH_FONT_ASK_SYSTEM) {
        ask_system(f, i, f->points, n);
        *count = f->count;
        slot = &f->slot[i]; /* a font found, or still the question: then it covers nothing */
    }
    if (!open_slot(f, slot))
        return 0;
    for (k = 0; k < n; k++)
        if (!TTF_GlyphIsProvided32(slot->text, f->points[k]))
            return 0;
    return 1;
}

TTF_Font *bl_splash_fonts_line(bl_splash_fonts *f, int title, const char *text, const char *english,
                               const char **drawn)
{
    size_t count = f->count;
    bl_splash_font_pick pick = bl_splash_font_pick_line(text, english, &count, covers, f);
    bl_splash_font_slot *slot;
    *drawn = pick.english ? english : text;
    if (pick.english && !f->fallback_said) {
        bl_log(BL_LOG_WARN, "splash", "no font has every character of \"%s\" (%s); showing it in English: "
               "a font for the language (fonts-wqy-microhei, fonts-noto-cjk) or the publisher's "
               "resources/splash-font.ttf would show it", text, f->language);
        f->fallback_said = 1;
    }
    if (pick.font < 0)
        return NULL;
    slot = &f->slot[pick.font];
    if (!slot->said) {
        /* debug: a font found is nothing to report (log_level debug shows it) */
        bl_log(BL_LOG_DEBUG, "splash", "font %s (face %d) for \"%s\"", slot->file.path, slot->file.face, *drawn);
        slot->said = 1;
    }
    return title ? slot->title : slot->text;
}

int bl_splash_fonts_any(bl_splash_fonts *f)
{
    size_t i;
    for (i = 0; i < f->count; i++)
        if (open_slot(f, &f->slot[i]))
            return 1;
    return 0;
}

void bl_splash_fonts_close(bl_splash_fonts *f)
{
    bl_splash_fonts_resize(f, 0, 0);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the SDL splash: the window's state, shared by splash.c (window,
 * events, threads) and splash_draw.c (what a frame shows). Not for other
 * modules: they use splash.h. */
#ifndef BL_SPLASH_SDL_H
#define BL_SPLASH_SDL_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "base/fsutil.h"
#include "splash_font.h"
#include "splash_module.h"

/* A line of text rendered once and redrawn from its texture until it changes. */
typedef struct {
    char wanted[320]; /* the text asked for, in the splash's language */
    char text[320];   /* the text drawn: wanted, or its English when no font covers it */
    SDL_Color color;
    int wrap_width; /* 0: one line */
    SDL_Texture *texture;
    TTF_Font *font; /* the font it was drawn with (owned by the font list) */
    int width, height;
} bl_splash_line;

#define BL_SPLASH_FONT_SLOTS 12
#define BL_SPLASH_FONT_POINTS_MAX 320 /* a line's characters: at most one per byte */
#define BL_SPLASH_FONT_ASKED_MAX 1024

enum { BL_SPLASH_FONT_PUBLISHER, BL_SPLASH_FONT_SYSTEM, BL_SPLASH_FONT_ASK_SYSTEM, BL_SPLASH_FONT_BUNDLED };

/* One font of the list, opened at the title's and the text's size when a
 * line first needs it. ASK_SYSTEM stands where fontconfig's fonts go. */
typedef struct {
    bl_splash_font_file file;
    int kind;
    TTF_Font *title, *text;
    int unusable; /* it could not be opened: skipped */
    int said;     /* its use was logged */
} bl_splash_font_slot;

/* The fonts a line tries, in order (splash_font_cache.c). */
typedef struct {
    bl_splash_font_slot slot[BL_SPLASH_FONT_SLOTS];
    size_t count;
    char language[32];
    int title_px, text_px;
    uint32_t asked[BL_SPLASH_FONT_ASKED_MAX]; /* characters fontconfig was asked for, ascending */
    size_t asked_count;
    uint32_t points[BL_SPLASH_FONT_POINTS_MAX]; /* scratch: a line's characters */
    int fallback_said; /* the English fallback was logged */
} bl_splash_fonts;

/* The list for opt's fonts and the language ("zh_CN"; NULL: English). */
void bl_splash_fonts_init(bl_splash_fonts *f, const bl_splash_options *opt, const char *language);
/* Closes the opened fonts; they open again at the new sizes (pixels). */
void bl_splash_fonts_resize(bl_splash_fonts *f, int title_px, int text_px);
/* The font for a line (title: the bold title's size, else the text's) and
 * in *drawn the text it draws: text, or english when no font covers text.
 * NULL when no font covers what would be drawn: the line stays empty. */
TTF_Font *bl_splash_fonts_line(bl_splash_fonts *f, int title, const char *text, const char *english,
                               const char **drawn);
/* 1 when at least one font of the list opens. */
int bl_splash_fonts_any(bl_splash_fonts *f);
void bl_splash_fonts_close(bl_splash_fonts *f);

struct bl_splash_window {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *background; /* the image, or a generated plain one */
    int base_width, base_height; /* the window's size at scale 1 */
    bl_splash_fonts fonts;
    int fonts_for_width; /* the drawn width the fonts were sized for */
    char title[128], version[64];
    char english_title[64]; /* the title in ASCII: the fallback when no font covers title */
    char language[16];      /* the sentences' language, "en" or a catalog's name (start/i18n.h) */
    bl_splash_line title_line, version_line, percent_line, status_line, error_line;
    bl_splash_stats stats;
    void (*observe)(void *ctx, const bl_splash_stats *stats);
    void *observe_ctx;
    uint64_t last_frame_ns;
    int dirty;        /* exposed or resized: draw now */
    int error_shown;  /* the last frame showed an error sentence */
    int working;      /* work is running: closing cancels it */
    int closed;       /* the user closed the window, or it was taken down */
    int sdl_started, ttf_started;
    uv_timer_t *linger; /* allocated: it may outlive s until its close callback */
    bl_progress *linger_progress;
    uint64_t linger_until;
};

/* Presents one frame showing v at time now (uv_hrtime()). */
void bl_splash_draw_frame(bl_splash_window *s, const bl_progress_view *v, uint64_t now);

/* 1 while v needs frames even when it does not change (an indeterminate
 * bar, an error that will expire). */
int bl_splash_draw_animating(const bl_splash_window *s, const bl_progress_view *v, uint64_t now);

/* Frees the textures and fonts the frames made. */
void bl_splash_draw_free(bl_splash_window *s);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the SDL splash: the window's state, shared by splash.c (window,
 * events, threads) and splash_draw.c (what a frame shows). Not for other
 * modules: they use splash.h. */
#ifndef BL_SPLASH_SDL_H
#define BL_SPLASH_SDL_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "base/fsutil.h"
#include "splash_module.h"

/* A line of text rendered once and redrawn from its texture until it changes. */
typedef struct {
    char text[320];
    SDL_Color color;
    int wrap_width; /* 0: one line */
    SDL_Texture *texture;
    int width, height;
} bl_splash_line;

struct bl_splash_window {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *background; /* the image, or a generated plain one */
    int base_width, base_height; /* the window's size at scale 1 */
    TTF_Font *title_font, *text_font;
    int fonts_for_width; /* the drawn width the fonts were sized for */
    char font_path[BL_PATH_MAX];
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

/* SPDX-License-Identifier: Apache-2.0 */
/* What one splash frame shows: the image, a dark band at the bottom that
 * keeps the text readable on any picture, the app's name and version, the
 * status line (or an error sentence in a warm colour), and a progress bar
 * that fills with done/total or sweeps when the total is unknown. Sizes are
 * in image pixels times the scale, so a HiDPI window draws sharp text. */
#include <math.h>
#include <stdio.h>

#include "splash_sdl.h"
#include "start/log.h"

#define TITLE_PX 19
#define TEXT_PX 14
#define PAD 16
#define BAR_HEIGHT 6
#define SWEEP_PERIOD_NS 1400000000ULL

static const SDL_Color title_color = {255, 255, 255, 255};
static const SDL_Color muted_color = {176, 188, 206, 255};
static const SDL_Color status_color = {226, 232, 241, 255};
static const SDL_Color error_color = {255, 150, 128, 255};

static int px(double scale, int size)
{
    return (int)lround(size * scale);
}

static void free_line(bl_splash_line *line)
{
    if (line->texture)
        SDL_DestroyTexture(line->texture);
    memset(line, 0, sizeof *line);
}

/* Fonts are opened at the drawn size (not scaled afterwards) so HiDPI text is
 * as sharp as the screen allows. */
static void ensure_fonts(bl_splash_window *s, int drawn_width, double scale)
{
    if (!s->ttf_started || s->fonts_for_width == drawn_width)
        return;
    bl_splash_fonts_resize(&s->fonts, px(scale, TITLE_PX), px(scale, TEXT_PX));
    s->fonts_for_width = drawn_width;
    free_line(&s->title_line); /* rendered at the old size */
    free_line(&s->version_line);
    free_line(&s->percent_line);
    free_line(&s->status_line);
    free_line(&s->error_line);
    s->stats.has_font = bl_splash_fonts_any(&s->fonts);
}

/* Renders text into line's texture unless it already shows it, with the
 * first font that has all its characters, or english (NULL: none) with
 * one when no font has: never a missing glyph's box. */
static void set_line(bl_splash_window *s, bl_splash_line *line, int title, const char *text, const char *english,
                     SDL_Color color, int wrap_width)
{
    SDL_Surface *surface;
    const char *drawn = text;
    if (line->wanted[0] && strcmp(line->wanted, text) == 0 && wrap_width == line->wrap_width &&
        memcmp(&color, &line->color, sizeof color) == 0)
        return;
    free_line(line);
    if (!s->ttf_started || !*text)
        return;
    snprintf(line->wanted, sizeof line->wanted, "%s", text);
    line->color = color;
    line->wrap_width = wrap_width;
    if (!(line->font = bl_splash_fonts_line(&s->fonts, title, text, english, &drawn)))
        return;
    snprintf(line->text, sizeof line->text, "%s", drawn);
    surface = wrap_width > 0 ? TTF_RenderUTF8_Blended_Wrapped(line->font, drawn, color, (Uint32)wrap_width)
                             : TTF_RenderUTF8_Blended(line->font, drawn, color);
    if (!surface)
        return;
    line->texture = SDL_CreateTextureFromSurface(s->renderer, surface);
    line->width = surface->w;
    line->height = surface->h;
    SDL_FreeSurface(surface);
}

/* How far below the title's top a smaller line starts so that both stand
 * on one baseline. */
static int baseline_offset(const bl_splash_line *title, const bl_splash_line *line)
{
    return title->font && line->font ? TTF_FontAscent(title->font) - TTF_FontAscent(line->font) : 0;
}

/* Draws line at (x, y), cut at max_width rather than spilling off the band. */
static void put_line(bl_splash_window *s, const bl_splash_line *line, int x, int y, int max_width)
{
    SDL_Rect src = {0, 0, line->width, line->height}, dst = {x, y, line->width, line->height};
    if (!line->texture || max_width <= 0)
        return;
    if (src.w > max_width)
        src.w = dst.w = max_width;
    SDL_RenderCopy(s->renderer, line->texture, &src, &dst);
}

static void fill(bl_splash_window *s, int x, int y, int w, int h, Uint8 r, Uint8 g, Uint8 b, Uint8 a)
{
    SDL_Rect rect = {x, y, w, h};
    SDL_SetRenderDrawColor(s->renderer, r, g, b, a);
    SDL_RenderFillRect(s->renderer, &rect);
}

static int error_visible(const bl_progress_view *v, uint64_t now)
{
    return v->error[0] && now >= v->error_time &&
           now - v->error_time < (uint64_t)BL_SPLASH_ERROR_SHOW_MS * 1000000ULL;
}

/* While checking, the bytes are those of one small metadata file after
 * another: a bar filling and emptying for each would say nothing, so the
 * check sweeps like any stage whose total is unknown. */
static int indeterminate(const bl_progress_view *v)
{
    return (v->total == 0 || v->stage == BL_STAGE_CHECKING) && v->stage != BL_STAGE_DONE;
}

int bl_splash_draw_animating(const bl_splash_window *s, const bl_progress_view *v, uint64_t now)
{
    return indeterminate(v) || error_visible(v, now) != s->error_shown;
}

/* The bar: a faint track, filled with done/total, or a segment sweeping
 * across it while the total is unknown (checking, starting). */
static void draw_bar(bl_splash_window *s, const bl_progress_view *v, int x, int y, int w, int h, uint64_t now)
{
    fill(s, x, y, w, h, 255, 255, 255, 40);
    if (!indeterminate(v)) {
        double fraction = v->stage == BL_STAGE_DONE ? 1.0 : (double)v->done / (double)v->total;
        int filled = (int)lround(w * (fraction > 1.0 ? 1.0 : fraction));
        fill(s, x, y, filled, h, 88, 166, 255, 255);
    } else {
        int segment = w * 28 / 100;
        double phase = (double)(now % SWEEP_PERIOD_NS) / (double)SWEEP_PERIOD_NS;
        int left = x - segment + (int)lround((w + segment) * phase), right = left + segment;
        if (left < x)
            left = x;
        if (right > x + w)
            right = x + w;
        if (right > left)
            fill(s, left, y, right - left, h, 88, 166, 255, 255);
    }
}

/* The title's row keeps its height when the title draws nothing (no font
 * has its characters, nor the English title's): the lines below stay
 * where they are, nothing overlaps. */
static int title_row_height(const bl_splash_window *s)
{
    int h = s->title_line.height;
    if (s->version_line.height > h)
        h = s->version_line.height;
    if (s->percent_line.height > h)
        h = s->percent_line.height;
    return h;
}

static void draw_band(bl_splash_window *s, const bl_progress_view *v, int width, int height, double scale, uint64_t now)
{
    /* each line in the splash's language and in English, for a line no font covers */
    char status[320], status_en[320], percent[16], percent_en[16], version[96], version_en[96];
    int pad = px(scale, PAD), bar_h = px(scale, BAR_HEIGHT), inner = width - 2 * pad;
    int show_error = error_visible(v, now), band_h, row_h, y;
    const bl_splash_line *message;

    bl_splash_percent_text(v, s->language, percent, sizeof percent);
    bl_splash_percent_text(v, "en", percent_en, sizeof percent_en);
    bl_splash_status_text(v, s->title, s->language, status, sizeof status);
    bl_splash_status_text(v, s->english_title, "en", status_en, sizeof status_en);
    /* the installed version, the one an update installs, or the one starting */
    bl_splash_version_text(v, s->version, s->language, version, sizeof version);
    bl_splash_version_text(v, s->version, "en", version_en, sizeof version_en);
    set_line(s, &s->title_line, 1, s->title, s->english_title, title_color, 0);
    set_line(s, &s->version_line, 0, version, version_en, muted_color, 0);
    set_line(s, &s->percent_line, 0, percent, percent_en, muted_color, 0);
    set_line(s, &s->status_line, 0, status, status_en, status_color, 0);
    set_line(s, &s->error_line, 0, show_error ? v->error : "", v->error_en, error_color, inner);
    message = show_error && s->error_line.texture ? &s->error_line : &s->status_line;
    row_h = title_row_height(s);

    band_h = pad + bar_h + pad;
    if (s->stats.has_font)
        band_h += row_h + px(scale, 4) + message->height + px(scale, 10);
    y = height - band_h;
    fill(s, 0, y, width, band_h, 10, 14, 22, 200);
    fill(s, 0, y, width, px(scale, 1) > 0 ? px(scale, 1) : 1, 255, 255, 255, 36);
    y += pad;
    if (s->stats.has_font) {
        put_line(s, &s->title_line, pad, y, inner);
        /* the version sits on the title's baseline */
        put_line(s, &s->version_line, pad + s->title_line.width + px(scale, 8),
                 y + baseline_offset(&s->title_line, &s->version_line), inner - s->title_line.width);
        put_line(s, &s->percent_line, width - pad - s->percent_line.width,
                 y + baseline_offset(&s->title_line, &s->percent_line), inner);
        y += row_h + px(scale, 4);
        put_line(s, message, pad, y, inner);
        y += message->height + px(scale, 10);
    }
    draw_bar(s, v, pad, y, inner, bar_h, now);
    s->error_shown = show_error;
}

void bl_splash_draw_frame(bl_splash_window *s, const bl_progress_view *v, uint64_t now)
{
    int width = 0, height = 0;
    double scale;

    if (SDL_GetRendererOutputSize(s->renderer, &width, &height) != 0 || width <= 0 || height <= 0)
        return;
    scale = (double)width / s->base_width;
    ensure_fonts(s, width, scale);
    SDL_SetRenderDrawBlendMode(s->renderer, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(s->renderer, 16, 22, 34, 255);
    SDL_RenderClear(s->renderer);
    if (s->background)
        SDL_RenderCopy(s->renderer, s->background, NULL, NULL);
    draw_band(s, v, width, height, scale, now);
    SDL_RenderPresent(s->renderer);

    s->last_frame_ns = uv_hrtime();
    if (!s->stats.frames++)
        s->stats.first_frame_ns = s->last_frame_ns;
    s->stats.pixel_width = width;
    s->stats.pixel_height = height;
    s->stats.scale = scale;
    s->stats.shown = *v;
    s->dirty = 0;
}

void bl_splash_draw_free(bl_splash_window *s)
{
    free_line(&s->title_line);
    free_line(&s->version_line);
    free_line(&s->percent_line);
    free_line(&s->status_line);
    free_line(&s->error_line);
    bl_splash_fonts_close(&s->fonts);
    s->fonts_for_width = 0;
}

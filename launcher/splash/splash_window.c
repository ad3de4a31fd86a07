/* SPDX-License-Identifier: Apache-2.0 */
/* The splash module (splash_module.h, loaded as module.h says): opening the
 * SDL2 window fast, keeping it responsive on the main thread while the work
 * runs on the launcher's worker thread, and taking it down. Frames are drawn
 * by splash_draw.c. Every SDL failure ends in a headless launch, never in a
 * failed one. */
#include <SDL_image.h>
#include <stdlib.h>
#include <string.h>

#include "splash_sdl.h"
#include "start/log.h"

#define DEFAULT_IMAGE "resources/splash.png"
#define PLAIN_WIDTH 560
#define PLAIN_HEIGHT 340
#define FRAME_NS 33000000ULL /* ~30 frames a second while something moves */
#define IDLE_WAIT_MS 250

/* Called by the worker after its work: ends the main thread's wait now. */
static void wake_main_thread(bl_splash_job *j)
{
    SDL_Event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = (Uint32)atomic_load(&j->wake_event);
    SDL_PushEvent(&ev);
}

static void set_hints(void)
{
    /* The launcher forwards SIGTERM/SIGINT to the app itself. */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    /* A splash must not stop the screensaver or the compositor. */
    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    /* Only a desktop, never the console; SDL_VIDEODRIVER still wins. */
    if (strcmp(SDL_GetPlatform(), "Linux") == 0 || strstr(SDL_GetPlatform(), "BSD"))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11,wayland");
    /* A few rectangles and one image: the software renderer draws them in
     * well under a millisecond and needs no GPU context to start (faster
     * first frame, works on any X server). SDL_RENDER_DRIVER still wins. */
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    /* ...and its frames go to the window through the system's own
     * framebuffer (X11 shared memory, GDI), not through an OpenGL texture:
     * loading the GL driver alone costs ~60 ms on Mesa (bench/RESULTS.md). */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
}

/* The desktop's scale: GDK_SCALE when the desktop sets it, else the display's
 * DPI over 96, in quarter steps from 1 to 3. */
static double display_scale(void)
{
    const char *gdk = getenv("GDK_SCALE");
    float ddpi = 0;
    double scale = 1.0;
    if (gdk && atoi(gdk) >= 1 && atoi(gdk) <= 4)
        return atoi(gdk);
    if (SDL_GetDisplayDPI(0, &ddpi, NULL, NULL) == 0 && ddpi > 0)
        scale = SDL_floor(ddpi / 96.0 * 4.0 + 0.5) / 4.0;
    return scale < 1.0 ? 1.0 : scale > 3.0 ? 3.0 : scale;
}

/* A calm vertical gradient, for when the publisher's image cannot be read. */
static SDL_Surface *plain_background(void)
{
    SDL_Surface *surface = SDL_CreateRGBSurfaceWithFormat(0, PLAIN_WIDTH, PLAIN_HEIGHT, 32, SDL_PIXELFORMAT_RGB888);
    int y;
    if (!surface)
        return NULL;
    for (y = 0; y < PLAIN_HEIGHT; y++) {
        SDL_Rect row = {0, y, PLAIN_WIDTH, 1};
        int t = y * 255 / PLAIN_HEIGHT;
        SDL_FillRect(surface, &row, SDL_MapRGB(surface->format, (Uint8)(34 - t * 20 / 255),
                                               (Uint8)(52 - t * 30 / 255), (Uint8)(84 - t * 44 / 255)));
    }
    return surface;
}

/* The image sets the window's size; a missing or unreadable one gives the
 * plain background, with one warning saying why. */
static SDL_Surface *load_image(const bl_splash_options *opt, bl_splash_window *s)
{
    char path[BL_PATH_MAX];
    SDL_Surface *image = NULL;
    if (bl_splash_resolve_path(opt->root, opt->image_path, DEFAULT_IMAGE, path, sizeof path) == BL_OK &&
        !(image = IMG_Load(path)))
        bl_log(BL_LOG_WARN, "splash", "cannot show the image %s (%s); showing a plain background", path,
               SDL_GetError());
    s->stats.has_image = image != NULL;
    return image ? image : plain_background();
}

/* The fonts each line tries (splash_font_cache.c), for the splash's language. */
static void choose_fonts(const bl_splash_options *opt, bl_splash_window *s)
{
    bl_splash_fonts_init(&s->fonts, opt, s->language);
    s->ttf_started = TTF_Init() == 0;
}

/* Shrinks the base size of an image larger than most of the screen. */
static void fit_to_screen(bl_splash_window *s, int width, int height)
{
    SDL_Rect usable;
    double fit = 1.0;
    s->base_width = width;
    s->base_height = height;
    if (SDL_GetDisplayUsableBounds(0, &usable) != 0 || usable.w <= 0 || usable.h <= 0)
        return;
    if (width > usable.w * 8 / 10)
        fit = usable.w * 0.8 / width;
    if (height * fit > usable.h * 0.8)
        fit = usable.h * 0.8 / height;
    if (fit < 1.0) {
        s->base_width = (int)(width * fit);
        s->base_height = (int)(height * fit);
    }
}

static SDL_HitTestResult drag_anywhere(SDL_Window *window, const SDL_Point *point, void *data)
{
    (void)window;
    (void)point;
    (void)data;
    return SDL_HITTEST_DRAGGABLE; /* no title bar: the whole splash moves it */
}

static int create_window(bl_splash_window *s, SDL_Surface *image, bl_error *err)
{
    double scale = display_scale();
    int width, height, drawn_width = 0, drawn_height = 0;

    fit_to_screen(s, image->w, image->h);
    width = (int)(s->base_width * scale);
    height = (int)(s->base_height * scale);
    s->window = SDL_CreateWindow(s->title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height,
                                 SDL_WINDOW_BORDERLESS | SDL_WINDOW_ALLOW_HIGHDPI | SDL_WINDOW_HIDDEN);
    if (!s->window)
        return bl_error_set(err, BL_EUNSUPPORTED, "SDL cannot open a window (%s)", SDL_GetError());
    s->renderer = SDL_CreateRenderer(s->window, -1, 0);
    if (!s->renderer)
        return bl_error_set(err, BL_EUNSUPPORTED, "SDL cannot draw in its window (%s)", SDL_GetError());
    /* Where the system scales windows itself (macOS, Wayland), the drawable
     * is already larger than the window: do not scale twice. */
    if (scale > 1.0 && SDL_GetRendererOutputSize(s->renderer, &drawn_width, &drawn_height) == 0 &&
        drawn_width > width) {
        SDL_SetWindowSize(s->window, s->base_width, s->base_height);
        SDL_SetWindowPosition(s->window, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED);
    }
    s->background = SDL_CreateTextureFromSurface(s->renderer, image);
    SDL_SetWindowHitTest(s->window, drag_anywhere, NULL);
    SDL_ShowWindow(s->window);
    return BL_OK;
}

static void update_geometry(bl_splash_window *s)
{
    SDL_GetWindowPosition(s->window, &s->stats.x, &s->stats.y);
    SDL_GetWindowSize(s->window, &s->stats.width, &s->stats.height);
}

/* Idempotent: frees everything SDL, keeps s (a linger timer may point at it). */
static void take_down(bl_splash_window *s)
{
    bl_splash_draw_free(s);
    if (s->background)
        SDL_DestroyTexture(s->background);
    if (s->renderer)
        SDL_DestroyRenderer(s->renderer);
    if (s->window)
        SDL_DestroyWindow(s->window);
    s->background = NULL;
    s->renderer = NULL;
    s->window = NULL;
    if (s->ttf_started)
        TTF_Quit();
    if (s->sdl_started) {
        IMG_Quit();
        SDL_Quit();
    }
    s->ttf_started = s->sdl_started = 0;
    s->closed = 1;
}

static void observe(bl_splash_window *s)
{
    if (s->observe)
        s->observe(s->observe_ctx, &s->stats);
}

/* With j, it gives up (BL_OK, *out NULL) when j is done by the time SDL
 * has started: SDL_Init is most of the cost of a splash, the window and its
 * first frame are not worth making for work that is over. */
static int open_window(const bl_splash_options *opt, bl_splash_job *j, bl_splash_window **out, bl_error *err)
{
    bl_progress_view first;
    SDL_Surface *image = NULL;
    bl_splash_window *s = NULL;
    int rc = BL_OK;

    *out = NULL;
    if (!(s = calloc(1, sizeof *s)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    snprintf(s->title, sizeof s->title, "%s", opt->title ? opt->title : "");
    snprintf(s->version, sizeof s->version, "%s", opt->version ? opt->version : "");
    snprintf(s->english_title, sizeof s->english_title, "%s",
             opt->english_title ? opt->english_title : opt->title ? opt->title : "");
    snprintf(s->language, sizeof s->language, "%s", opt->language ? opt->language : "en");
    s->observe = opt->observe;
    s->observe_ctx = opt->observe_ctx;

    set_hints();
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        rc = bl_error_set(err, BL_EUNSUPPORTED, "SDL cannot use the display (%s)", SDL_GetError());
        goto cleanup;
    }
    s->sdl_started = 1;
    if (j && atomic_load(&j->done) != 0)
        goto cleanup; /* rc BL_OK, no window */
    if (!(image = load_image(opt, s))) {
        rc = bl_error_set(err, BL_ENOMEM, "cannot make a background (%s)", SDL_GetError());
        goto cleanup;
    }
    choose_fonts(opt, s);
    if ((rc = create_window(s, image, err)) != BL_OK)
        goto cleanup;

    memset(&first, 0, sizeof first);
    if (opt->first_frame)
        bl_progress_snapshot(opt->first_frame, &first);
    bl_splash_draw_frame(s, &first, uv_hrtime());
    update_geometry(s);
    if (!s->stats.has_font)
        bl_log(BL_LOG_WARN, "splash", "cannot use any font (%s, the last: %s); the splash shows no text",
               s->fonts.count ? s->fonts.slot[s->fonts.count - 1].file.path : "none", SDL_GetError());
    observe(s);
    *out = s;
    s = NULL;

cleanup:
    if (image)
        SDL_FreeSurface(image);
    if (s) {
        take_down(s);
        free(s);
    }
    return rc;
}

/* The user closed the splash: the update stops, the installed version starts. */
static void user_closed(bl_splash_window *s, bl_progress *p)
{
    if (s->closed)
        return;
    if (s->working) {
        bl_log(BL_LOG_INFO, "splash", "closed by the user: cancelling the update, starting the installed version");
        bl_progress_request_cancel(p);
    }
    SDL_HideWindow(s->window);
    s->closed = 1;
}

static void handle_event(bl_splash_window *s, bl_progress *p, const SDL_Event *ev)
{
    s->stats.events++;
    if (ev->type == SDL_QUIT || (ev->type == SDL_KEYDOWN && ev->key.keysym.sym == SDLK_ESCAPE)) {
        user_closed(s, p);
    } else if (ev->type == SDL_WINDOWEVENT) {
        switch (ev->window.event) {
        case SDL_WINDOWEVENT_CLOSE:
            user_closed(s, p);
            break;
        case SDL_WINDOWEVENT_MOVED:
        case SDL_WINDOWEVENT_SIZE_CHANGED:
            update_geometry(s);
            s->dirty = 1;
            break;
        case SDL_WINDOWEVENT_EXPOSED:
        case SDL_WINDOWEVENT_SHOWN:
        case SDL_WINDOWEVENT_RESTORED:
            s->dirty = 1;
            break;
        default:
            break;
        }
    }
}

/* Draws when something changed: at once after an expose or when asked to
 * (force), otherwise at most one frame per FRAME_NS. Returns the wait in ms
 * until the next frame is due, for the event wait. */
static uint32_t draw_if_due(bl_splash_window *s, bl_progress *p, int force)
{
    bl_progress_view v;
    uint64_t now = uv_hrtime(), since = now - s->last_frame_ns;
    int changed, animating;

    if (s->closed)
        return IDLE_WAIT_MS;
    bl_progress_snapshot(p, &v);
    changed = v.generation != s->stats.shown.generation || v.stage != s->stats.shown.stage;
    animating = bl_splash_draw_animating(s, &v, now);
    if (s->dirty || ((changed || animating) && (force || since >= FRAME_NS))) {
        bl_splash_draw_frame(s, &v, now);
        return animating ? (uint32_t)(FRAME_NS / 1000000) : IDLE_WAIT_MS;
    }
    if (changed || animating)
        return (uint32_t)((FRAME_NS - since) / 1000000) + 1;
    return IDLE_WAIT_MS;
}

/* Handles events and draws until j is done (j != NULL) or until deadline;
 * with a deadline in the past, handles what is pending and returns. */
static void pump(bl_splash_window *s, bl_progress *p, bl_splash_job *j, uint64_t deadline)
{
    int force = 1;
    for (;;) {
        uint64_t events = s->stats.events, frames = s->stats.frames, now;
        uint32_t wait;
        SDL_Event ev;

        while (SDL_PollEvent(&ev))
            handle_event(s, p, &ev);
        wait = draw_if_due(s, p, force);
        force = 0;
        if (events != s->stats.events || frames != s->stats.frames)
            observe(s);
        now = uv_hrtime();
        if (j ? atomic_load(&j->done) != 0 : (now >= deadline || s->closed))
            break;
        if (!j && (deadline - now) / 1000000 < wait)
            wait = (uint32_t)((deadline - now) / 1000000) + 1;
        SDL_WaitEventTimeout(NULL, (int)wait); /* an event, the worker's wake-up, or the next frame */
    }
}

static int wait_job(bl_splash_window *s, bl_progress *p, bl_splash_job *j)
{
    Uint32 wake = SDL_RegisterEvents(1);
    s->working = 1;
    if (wake != (Uint32)-1) { /* else the wait ends at the next frame or idle tick */
        atomic_store(&j->wake_event, wake);
        atomic_store(&j->wake, wake_main_thread);
    }
    pump(s, p, j, 0);
    s->working = 0;
    return s->closed ? BL_ECANCELED : BL_OK;
}

static int is_closed(const bl_splash_window *s)
{
    return s->closed;
}

static void pump_for(bl_splash_window *s, bl_progress *p, uint32_t ms)
{
    if (!s->closed)
        pump(s, p, NULL, uv_hrtime() + (uint64_t)ms * 1000000ULL);
}

static uint32_t hold_ms(const bl_splash_window *s, const bl_progress *p, uint32_t linger_ms)
{
    bl_progress_view v;
    uint64_t now = uv_hrtime(), until;
    if (s->closed)
        return 0;
    bl_progress_snapshot(p, &v);
    if (!v.error[0])
        return linger_ms;
    until = v.error_time + (uint64_t)BL_SPLASH_ERROR_SHOW_MS * 1000000ULL;
    if (until > now && (until - now) / 1000000 > linger_ms)
        return (uint32_t)((until - now) / 1000000);
    return linger_ms;
}

static void linger_stop(bl_splash_window *s);

static void free_timer(uv_handle_t *handle)
{
    free(handle);
}

static void on_linger_tick(uv_timer_t *timer)
{
    bl_splash_window *s = timer->data;
    if (!s)
        return;
    if (s->closed || uv_hrtime() >= s->linger_until) {
        take_down(s);
        linger_stop(s);
        return;
    }
    pump(s, s->linger_progress, NULL, 0); /* what is pending, no wait: the loop is shared */
}

static int linger_start(bl_splash_window *s, bl_progress *p, uv_loop_t *loop, uint32_t linger_ms, bl_error *err)
{
    uint32_t hold = hold_ms(s, p, linger_ms);
    int rc;
    if (s->closed)
        return BL_OK;
    if (hold == 0 || s->linger) {
        if (hold == 0)
            take_down(s);
        return BL_OK;
    }
    if (!(s->linger = malloc(sizeof *s->linger)))
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    if ((rc = uv_timer_init(loop, s->linger)) != 0) {
        free(s->linger);
        s->linger = NULL;
        take_down(s);
        return bl_error_set(err, BL_EIO, "cannot keep the splash: %s", uv_strerror(rc));
    }
    s->linger->data = s;
    s->linger_progress = p;
    s->linger_until = uv_hrtime() + (uint64_t)hold * 1000000ULL;
    uv_timer_start(s->linger, on_linger_tick, 0, FRAME_NS / 1000000);
    uv_unref((uv_handle_t *)s->linger); /* the app's exit ends the loop, not the splash */
    return BL_OK;
}

static void linger_stop(bl_splash_window *s)
{
    if (!s->linger)
        return;
    s->linger->data = NULL;
    uv_close((uv_handle_t *)s->linger, free_timer);
    s->linger = NULL;
}

static void close_window(bl_splash_window *s)
{
    linger_stop(s);
    take_down(s);
    free(s);
}

static const bl_splash_module table = {open_window, wait_job,     is_closed,   pump_for,
                                       hold_ms,     linger_start, linger_stop, close_window};

const void *bl_module_entry_splash(const bl_module_host *host, bl_error *err)
{
    return bl_module_accept(host, "splash", err) == BL_OK ? &table : NULL;
}

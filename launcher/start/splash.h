/* SPDX-License-Identifier: Apache-2.0 */
/* The splash: what a user sees between the double-click and the app. A
 * borderless window, centred and sized to the publisher's image (scaled for
 * HiDPI), with the app's name and version and a status line and progress bar
 * that follow a bl_progress fed by the update work.
 *
 * SDL wants its window on the main thread, so the window lives there and the
 * work runs on a worker thread; the main thread keeps pumping events (the
 * window moves, repaints, closes) while the work blocks on the network.
 * Closing the splash cancels the work through the bl_progress.
 *
 * SDL2 lives in the splash module (splash_module.h), loaded only when a
 * window will open: a launch that shows none does not pay for SDL.
 *
 * No splash never means no app: when the splash is turned off, there is no
 * display, the module is missing, SDL fails, or the launcher was built without
 * SDL2 (-DBL_SPLASH=OFF), one line is logged and every call below goes on
 * headless (they all accept a NULL bl_splash, which runs the work inline).
 *
 * main.c, in order:
 *   bl_splash_run(&opt, progress, work, ctx, &work_rc, &splash);  worker + window
 *   (an error sentence and no splash: bl_splash_possible -> bl_splash_open)
 *   bl_progress_stage(progress, BL_STAGE_LAUNCHING, version);
 *   bl_splash_pump(splash, progress, 0);                          show it
 *   supervise mode: on_start  -> bl_splash_linger_start(splash, progress, loop, cfg.splash_linger_ms)
 *                   on_stop   -> bl_splash_linger_stop(splash)
 *                   after bl_supervise_run returns -> bl_splash_close(splash)
 *   exec mode: bl_splash_pump(splash, progress, bl_splash_hold_ms(splash, progress, 0));
 *              bl_splash_close(splash); then exec (the window dies with the image). */
#ifndef BL_SPLASH_H
#define BL_SPLASH_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/error.h"
#include "progress.h"

/* An error sentence stays on the splash this long, so it can be read. */
#define BL_SPLASH_ERROR_SHOW_MS 5000

typedef struct bl_splash bl_splash;

/* What the window is doing, for tests and the benchmark. */
typedef struct {
    uint64_t frames;               /* frames presented */
    uint64_t events;               /* SDL events processed */
    uint64_t first_frame_ns;       /* uv_hrtime() right after the first present */
    int x, y, width, height;       /* the window, in screen coordinates */
    int pixel_width, pixel_height; /* what is drawn into (more than width on HiDPI) */
    double scale;                  /* drawn pixels per image pixel */
    int has_image, has_font;       /* 0: a plain background / no text */
    bl_progress_view shown;        /* what the last frame showed */
} bl_splash_stats;

typedef struct {
    int enabled;            /* cfg.splash (BOMIOT_SPLASH) */
    const char *root;       /* install root: relative paths below start here */
    const char *image_path; /* cfg.splash_image, absolute or relative; NULL/"": resources/splash.png */
    /* The publisher's font, tried first for every line, absolute or
     * relative; NULL/"": resources/splash-font.ttf (.otf, .ttc) when the
     * bundle ships one. Then the system's and the bundled DejaVu Sans
     * (splash/splash_font.h says in which order). */
    const char *font_path;
    const char *title;      /* the app's name as users know it: display_name, else app_name capitalised */
    const char *version;    /* the installed version, "1.1.0" */
    /* The splash's language: "en" or a built-in catalog's name, "zh_CN"
     * (i18n.h; main.c passes bl_i18n_language's choice); NULL: "en". */
    const char *language;
    /* launcher.json's display_name (UTF-8, any script); NULL or "": none,
     * and title is app_name capitalised. When set, title is this. */
    const char *display_name;
    /* The title in ASCII, app_name capitalised ("Bomiot"): what to show
     * when no font covers title (the English fallback). NULL: title. */
    const char *english_title;
    /* Optional: called on the main thread after every frame and every batch
     * of events. Tests and the benchmark watch the window through it. */
    void (*observe)(void *ctx, const bl_splash_stats *stats);
    void *observe_ctx;
    /* Where the splash module is (module.h); NULL: beside the running
     * executable, which is where the launcher's is installed. */
    const char *module_dir;
    /* Optional: what the first frame shows, for a window opened to show a
     * sentence already in the progress (not a flash of "Preparing..."
     * before it). NULL: the start of an update. */
    const bl_progress *first_frame;
} bl_splash_options;

/* Opens the window and presents its first frame before returning. A missing
 * or unreadable image gives a plain background, a missing font a splash
 * without text (one warning each). BL_EUNSUPPORTED with the reason in err
 * (not logged: the caller logs it once) when disabled, headless, the module
 * cannot be loaded, SDL fails or the build has no SDL. */
int bl_splash_open(const bl_splash_options *opt, bl_splash **out, bl_error *err);

/* How long work may take before a window is opened for it. Work that ends
 * sooner (nothing to update from a near server) starts the app without the
 * cost of a window; longer work gets its first frame about this much later
 * (bench/RESULTS.md weighs the two). */
#define BL_SPLASH_GRACE_MS 20

/* The usual entry: starts work(ctx) on a worker thread first (so it does not
 * wait for the window), and if it has not ended within BL_SPLASH_GRACE_MS,
 * opens the splash (logging one line if it cannot) and shows p until work
 * returns. Work that ends in the grace, or while SDL starts, shows nothing.
 * When the splash is off or there is no display, one line says so at once.
 * *out receives the open splash or NULL. Returns BL_ECANCELED if the user
 * closed the splash (p is then cancelled and work was asked to stop), else
 * BL_OK; *work_rc is work's return. The work always runs: without a thread
 * it runs inline. */
int bl_splash_run(const bl_splash_options *opt, bl_progress *p, int (*work)(void *ctx), void *ctx,
                  int *work_rc, bl_splash **out);

/* 0 when opt rules a splash out before trying (off, no display, no SDL2):
 * a caller that finds no splash after bl_splash_run and then needs one (an
 * error sentence to show) opens it only when this says it may exist. */
int bl_splash_possible(const bl_splash_options *opt);

/* The same with a splash already open (or NULL: work runs inline). */
int bl_splash_run_while(bl_splash *s, bl_progress *p, int (*work)(void *ctx), void *ctx, int *work_rc);

/* Keeps the window alive and showing p for ms milliseconds (0: handle what is
 * pending and redraw if p moved). Returns early if the user closes it. */
void bl_splash_pump(bl_splash *s, bl_progress *p, uint32_t ms);

/* How long the splash should stay once the app has started: linger_ms, or
 * longer while an error sentence has not been on screen long enough. */
uint32_t bl_splash_hold_ms(const bl_splash *s, const bl_progress *p, uint32_t linger_ms);

/* While the app runs under supervision: keeps the splash on the supervising
 * loop for bl_splash_hold_ms(linger_ms), then takes the window down. The timer
 * never keeps the loop alive; bl_splash_linger_stop must be called before the
 * loop is closed (the supervise on_stop hook). p must outlive the linger. */
int bl_splash_linger_start(bl_splash *s, bl_progress *p, uv_loop_t *loop, uint32_t linger_ms, bl_error *err);
void bl_splash_linger_stop(bl_splash *s);

/* BL_OK when the splash module this launcher would load from dir (NULL:
 * beside it) is there and fits it, or the build has no splash. Loads it
 * without opening anything: the self-update's check of a new launcher. */
int bl_splash_check_module(const char *dir, bl_error *err);

/* Takes the window down and frees s (NULL is fine). */
void bl_splash_close(bl_splash *s);

/* The splash's sentences, each in language ("en" or a catalog's name, as
 * bl_splash_options.language; NULL is English, and a sentence a catalog
 * lacks is English), so the drawing can ask for the English one when no
 * font covers the other. Pure, for the splash and its tests. */

/* The status line for a view: "Downloading 12.3 MB of 40.1 MB (3.2 MB/s)",
 * "正在下载 12.3 MB，共 40.1 MB（3.2 MB/秒）". title: the app's name. */
void bl_splash_status_text(const bl_progress_view *view, const char *title, const char *language, char *out,
                           size_t size);

/* The line beside the title: the installed version ("1.1.0"), the version
 * being installed while an update downloads and installs it ("Updating to
 * 1.2.0…"), the version starting once the launch begins (the view's
 * detail). installed: bl_splash_options.version. */
void bl_splash_version_text(const bl_progress_view *view, const char *installed, const char *language, char *out,
                            size_t size);

/* The percentage at the right ("42%"), "" while the bar has no total (or
 * the check sweeps) and once done. */
void bl_splash_percent_text(const bl_progress_view *view, const char *language, char *out, size_t size);

/* Where a splash file is: path itself if absolute, else root/path, else
 * root/fallback when path is NULL or "". BL_ETOOBIG if it does not fit. */
int bl_splash_resolve_path(const char *root, const char *path, const char *fallback, char *out, size_t size);

/* Updates at launch that fail in a row before the splash says so: one
 * failure may be a blip, three are something the user should hear about. */
#define BL_SPLASH_FAILURES_TO_SHOW 3

/* The count of updates at launch failed in a row after one ended with rc:
 * 0 after a success; unchanged when the user cancelled or the network was
 * unreachable (an offline laptop is not a failing update); else one more. */
int bl_splash_count_failure(int rc, int failures);

/* Whether an update that ended with rc (message: its error for the log) is
 * something the user must act on, and if so the sentence the splash shows:
 * a full disk at once, anything else when it has failed
 * BL_SPLASH_FAILURES_TO_SHOW times in a row and every fifth time after.
 * version is the installed version that starts instead. Returns 1 and
 * fills out, or 0 and sets out to "". In English the sentence carries the
 * log's message; in another language it says what kind of failure it was
 * (disk, network, signature, download, other, from rc) in that language and
 * points to cache/update.log for the English detail: the message comes from
 * every layer (libcurl, TUF, libarchive, the OS) and carries outside text,
 * which no catalog can cover, and half a sentence in each language reads
 * worse than either. Pure. */
int bl_splash_error_sentence(int rc, const char *message, int failures, const char *version, const char *language,
                             char *out, size_t size);

/* The sentence when a new version did not start and the previous one
 * starts instead: "Bomiot 1.2.0 did not start properly. Going back to 1.1.0;
 * details are in cache/update.log." Pure. */
void bl_splash_rollback_sentence(const char *title, const char *failed, const char *current, const char *language,
                                 char *out, size_t size);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The launcher's side of the splash (splash.h): the worker thread, the grace
 * before a window, the headless cases, and the calls into the splash module
 * (splash_module.h), which is loaded only once a window will open so that a
 * launch that shows none never loads SDL2 (module.h). */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "platform.h"
#include "splash/splash_module.h"

struct bl_splash {
    const bl_splash_module *module;
    bl_splash_window *window;
};

/* SDL starts D-Bus (screensaver, input methods) and, before SDL 2.30, never
 * shuts it down, so libdbus keeps a buffer for the life of the process. In a
 * sanitizer build LeakSanitizer would fail every run that showed a splash. */
#if defined(__SANITIZE_ADDRESS__)
#define BL_SPLASH_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BL_SPLASH_LSAN 1
#endif
#endif
#ifdef BL_SPLASH_LSAN
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libdbus-1.so\n";
}
#endif

/* Why there can be no splash at all, or NULL: cheap checks, made before any
 * waiting, loading or SDL. */
static const char *ruled_out(const bl_splash_options *opt)
{
    if (!opt || !opt->enabled)
        return "the splash is off (splash in launcher.json or BOMIOT_SPLASH)";
#ifdef BL_NO_SPLASH
    return "this launcher was built without SDL2 (BL_SPLASH=OFF)";
#else
    if (!bl_plat_has_desktop())
        return "no display (DISPLAY and WAYLAND_DISPLAY unset)";
    return NULL;
#endif
}

int bl_splash_possible(const bl_splash_options *opt)
{
    return ruled_out(opt) == NULL;
}

/* Loads the module and opens its window; job as in bl_splash_module.open.
 * BL_OK with *out NULL when the job ended meanwhile. */
static int open_with(const bl_splash_options *opt, bl_splash_job *job, bl_splash **out, bl_error *err)
{
    const void *table;
    bl_splash_window *window = NULL;
    const char *why = ruled_out(opt);
    int rc;

    *out = NULL;
    if (why)
        return bl_error_set(err, BL_EUNSUPPORTED, "%s", why);
    if ((rc = bl_module_load(opt->module_dir, "splash", &table, err)) != BL_OK)
        return rc;
    if ((rc = ((const bl_splash_module *)table)->open(opt, job, &window, err)) != BL_OK || !window)
        return rc;
    if (!(*out = malloc(sizeof **out))) {
        ((const bl_splash_module *)table)->close(window);
        return bl_error_set(err, BL_ENOMEM, "out of memory");
    }
    (*out)->module = table;
    (*out)->window = window;
    return BL_OK;
}

int bl_splash_check_module(const char *dir, bl_error *err)
{
#ifdef BL_NO_SPLASH
    (void)dir;
    (void)err;
    return BL_OK;
#else
    const void *table;
    return bl_module_load(dir, "splash", &table, err);
#endif
}

int bl_splash_open(const bl_splash_options *opt, bl_splash **out, bl_error *err)
{
    return open_with(opt, NULL, out, err);
}

static void worker_main(void *arg)
{
    bl_splash_job *j = arg;
    void (*wake)(bl_splash_job *);
    j->rc = j->work(j->ctx);
    atomic_store(&j->done, 1);
    if ((wake = atomic_load(&j->wake)) != NULL) /* a window waits: end its wait now */
        wake(j);
}

/* 1 with the work started on a worker thread; 0 when no thread could be
 * started and the work has run inline (its return in j->rc). */
static int start_job(bl_splash_job *j, int (*work)(void *ctx), void *ctx, uv_thread_t *thread)
{
    int rc;
    j->work = work;
    j->ctx = ctx;
    j->rc = 0;
    atomic_init(&j->done, 0);
    atomic_init(&j->wake, NULL);
    atomic_init(&j->wake_event, 0);
    if ((rc = uv_thread_create(thread, worker_main, j)) != 0) {
        bl_log(BL_LOG_WARN, "splash", "cannot start a worker thread (%s); updating without a splash",
               uv_strerror(rc));
        j->rc = work(ctx);
        return 0;
    }
    return 1;
}

int bl_splash_run_while(bl_splash *s, bl_progress *p, int (*work)(void *ctx), void *ctx, int *work_rc)
{
    uv_thread_t thread;
    bl_splash_job j;
    int rc = BL_OK;

    if (!s || s->module->closed(s->window)) {
        *work_rc = work(ctx);
        return s ? BL_ECANCELED : BL_OK;
    }
    if (start_job(&j, work, ctx, &thread)) {
        rc = s->module->wait_job(s->window, p, &j);
        uv_thread_join(&thread);
    }
    *work_rc = j.rc;
    return rc;
}

int bl_splash_run(const bl_splash_options *opt, bl_progress *p, int (*work)(void *ctx), void *ctx, int *work_rc,
                  bl_splash **out)
{
    uv_thread_t thread;
    bl_error err;
    bl_splash_job j;
    int rc = BL_OK;
    const char *why = ruled_out(opt);
    uint64_t grace_end;

    *out = NULL;
    if (!start_job(&j, work, ctx, &thread)) {
        *work_rc = j.rc;
        return BL_OK;
    }
    if (why) { /* off by choice or no desktop: normal, said once */
        bl_log(BL_LOG_INFO, "splash", "%s; continuing without a splash", why);
        uv_thread_join(&thread);
        *work_rc = j.rc;
        return BL_OK;
    }
    /* Work that ends at once (nothing to update from a near server) starts
     * the app without loading SDL for a window it would take down at once. */
    grace_end = uv_hrtime() + (uint64_t)BL_SPLASH_GRACE_MS * 1000000ULL;
    while (atomic_load(&j.done) == 0 && uv_hrtime() < grace_end)
        uv_sleep(1);
    if (atomic_load(&j.done) == 0) {
        if (open_with(opt, &j, out, &err) != BL_OK) /* a failing desktop or a missing module */
            bl_log(BL_LOG_WARN, "splash", "%s; continuing without a splash", err.msg);
        else if (*out) /* else the work ended while SDL started */
            rc = (*out)->module->wait_job((*out)->window, p, &j);
    }
    uv_thread_join(&thread);
    *work_rc = j.rc;
    return rc;
}

void bl_splash_pump(bl_splash *s, bl_progress *p, uint32_t ms)
{
    if (s)
        s->module->pump(s->window, p, ms);
}

uint32_t bl_splash_hold_ms(const bl_splash *s, const bl_progress *p, uint32_t linger_ms)
{
    return s ? s->module->hold_ms(s->window, p, linger_ms) : 0;
}

int bl_splash_linger_start(bl_splash *s, bl_progress *p, uv_loop_t *loop, uint32_t linger_ms, bl_error *err)
{
    return s ? s->module->linger_start(s->window, p, loop, linger_ms, err) : BL_OK;
}

void bl_splash_linger_stop(bl_splash *s)
{
    if (s)
        s->module->linger_stop(s->window);
}

void bl_splash_close(bl_splash *s)
{
    if (!s)
        return;
    s->module->close(s->window);
    free(s);
}

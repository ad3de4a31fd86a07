/* The splash in a build without SDL2 (-DBL_SPLASH=OFF): every launch is
 * headless. The work still runs, inline, so callers need no second path. */
#include "log.h"
#include "splash.h"

int bl_splash_open(const bl_splash_options *opt, bl_splash **out, bl_error *err)
{
    (void)opt;
    *out = NULL;
    return bl_error_set(err, BL_EUNSUPPORTED, "this launcher was built without SDL2 (BL_SPLASH=OFF)");
}

int bl_splash_possible(const bl_splash_options *opt)
{
    (void)opt;
    return 0;
}

int bl_splash_run(const bl_splash_options *opt, bl_progress *p, int (*work)(void *ctx), void *ctx, int *work_rc,
                  bl_splash **out)
{
    (void)p;
    *out = NULL;
    if (opt && opt->enabled)
        bl_log(BL_LOG_INFO, "splash", "this launcher was built without SDL2 (BL_SPLASH=OFF); continuing without a splash");
    else
        bl_log(BL_LOG_INFO, "splash", "the splash is off (splash in launcher.json or BOMIOT_SPLASH); continuing without a splash");
    *work_rc = work(ctx);
    return BL_OK;
}

int bl_splash_run_while(bl_splash *s, bl_progress *p, int (*work)(void *ctx), void *ctx, int *work_rc)
{
    (void)s;
    (void)p;
    *work_rc = work(ctx);
    return BL_OK;
}

void bl_splash_pump(bl_splash *s, bl_progress *p, uint32_t ms)
{
    (void)s;
    (void)p;
    (void)ms;
}

uint32_t bl_splash_hold_ms(const bl_splash *s, const bl_progress *p, uint32_t linger_ms)
{
    (void)s;
    (void)p;
    (void)linger_ms;
    return 0;
}

int bl_splash_linger_start(bl_splash *s, bl_progress *p, uv_loop_t *loop, uint32_t linger_ms, bl_error *err)
{
    (void)s;
    (void)p;
    (void)loop;
    (void)linger_ms;
    (void)err;
    return BL_OK;
}

void bl_splash_linger_stop(bl_splash *s)
{
    (void)s;
}

void bl_splash_close(bl_splash *s)
{
    (void)s;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: launcher.json must never crash the launcher, whatever it holds;
 * a rejected value must leave the key's previous (valid) value in place. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "start/config.h"

static void ignore(void *ctx, const char *message)
{
    (void)ctx;
    (void)message;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 if any '/'- or '\\'-separated component is "..". */
static int has_dotdot_component(const char *path)
{
    const char *p = path;
    while (*p) {
        size_t n = strcspn(p, "/\\");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        p += n;
        if (*p)
            p++;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bl_config cfg;
    bl_config_defaults(&cfg);
    bl_config_apply_json(&cfg, (const char *)data, size, "launcher.json", ignore, NULL);
    /* Invariants the rest of the launcher relies on. */
    if (cfg.keep_versions < 1 || cfg.keep_versions > 100 || cfg.update_interval < 0 ||
        cfg.healthy_seconds < 1 || cfg.trial_attempts < 1 || !memchr(cfg.update_url, 0, sizeof cfg.update_url) ||
        !memchr(cfg.app_executable, 0, sizeof cfg.app_executable) || cfg.app_executable[0] == '/' ||
        has_dotdot_component(cfg.app_executable))
        __builtin_trap();
    return 0;
}

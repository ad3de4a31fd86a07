/* The update module: what the launcher needs of everything that touches the
 * network and the archive formats (update.h, background.h), in one table.
 * Loaded (module.h) only when an update check runs, so a launch that checks
 * nothing never loads libcurl and libarchive. */
#ifndef BL_UPDATE_MODULE_H
#define BL_UPDATE_MODULE_H

#include "background.h"
#include "start/module.h"
#include "update.h"

typedef struct {
    int (*update_run)(const bl_update_request *req, bl_update_result *res, bl_error *err);
    int (*background_start)(uv_loop_t *loop, const bl_background_options *opt, bl_background **out, bl_error *err);
    void (*background_stop)(bl_background *bg);
} bl_update_module;

/* Sets up libcurl for the process (curl_global_init) on first call: a
 * launcher loads the module on its main thread, before it starts workers. */
BL_MODULE_EXPORT const void *bl_module_entry_update(const bl_module_host *host, bl_error *err);

#endif

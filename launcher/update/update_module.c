/* SPDX-License-Identifier: Apache-2.0 */
/* The update module's entry (update_module.h). */
#include "update_module.h"

#include "background.h"
#include "fetch.h"
#include "update.h"

static const bl_update_module table = {bl_update_run, bl_background_start, bl_background_stop,
                                       bl_background_check};

const void *bl_module_entry_update(const bl_module_host *host, bl_error *err)
{
    if (bl_module_accept(host, "update", err) != BL_OK || bl_fetch_global_init(err) != BL_OK)
        return NULL;
    return &table;
}

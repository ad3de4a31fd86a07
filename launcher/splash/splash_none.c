/* SPDX-License-Identifier: Apache-2.0 */
/* The splash module in a build without SDL2 (-DBL_SPLASH=OFF): there is none,
 * and splash.c says so before ever asking for it. */
#include "splash_module.h"

const void *bl_module_entry_splash(const bl_module_host *host, bl_error *err)
{
    (void)host;
    bl_error_set(err, BL_EUNSUPPORTED, "this launcher was built without SDL2 (BL_SPLASH=OFF)");
    return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* What the launcher and its modules share (module.h): the ABI check, the log
 * forwarding and the modules' file names. Built into both sides. */
#include "module.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "install.h"
#include "log.h"
#include "progress.h"
#include "splash.h"
#include "state.h"
#include "update/update_module.h"

/* BL_MODULE_SUFFIX: the platform's module file ending (".so") in a build that
 * loads modules, "" where they are built in. */
#ifndef BL_MODULE_SUFFIX
#define BL_MODULE_SUFFIX ""
#endif
#define FILE_PREFIX "bomiot-"

void bl_module_abi(char out[BL_MODULE_ABI_MAX])
{
    snprintf(out, BL_MODULE_ABI_MAX, "%s cfg%zu st%zu lay%zu req%zu res%zu bg%zu so%zu sst%zu pv%zu err%zu",
             BL_VERSION_STRING, sizeof(bl_config), sizeof(bl_state), sizeof(bl_layout), sizeof(bl_update_request),
             sizeof(bl_update_result), sizeof(bl_background_options), sizeof(bl_splash_options),
             sizeof(bl_splash_stats), sizeof(bl_progress_view), sizeof(bl_error));
}

int bl_module_accept(const bl_module_host *host, const char *name, bl_error *err)
{
    char mine[BL_MODULE_ABI_MAX];
    bl_module_abi(mine);
    if (!host || !host->abi || strcmp(host->abi, mine) != 0)
        return bl_error_set(err, BL_EUNSUPPORTED,
                            "the %s module belongs to another launcher build (it is \"%s\", the launcher \"%s\")",
                            name, mine, host && host->abi ? host->abi : "?");
    /* Built in, the module's log is the launcher's: forwarding would loop. */
    if (host->log && host->log != bl_log_text)
        bl_log_forward(host->log);
    return BL_OK;
}

int bl_module_is_file(const char *name)
{
    size_t len = strlen(name), suffix = strlen(BL_MODULE_SUFFIX);
    if (suffix == 0 || len <= strlen(FILE_PREFIX) + suffix)
        return 0;
    return strncmp(name, FILE_PREFIX, strlen(FILE_PREFIX)) == 0 &&
           strcmp(name + len - suffix, BL_MODULE_SUFFIX) == 0;
}

void bl_module_file_name(const char *name, char *out, size_t size)
{
    if (strlen(BL_MODULE_SUFFIX) == 0)
        snprintf(out, size, "%s", "");
    else
        snprintf(out, size, FILE_PREFIX "%s-%s" BL_MODULE_SUFFIX, name, BL_VERSION_STRING);
}

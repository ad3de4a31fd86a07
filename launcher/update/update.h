/* One update: refresh the signed metadata, choose the newest release this
 * installation should have, fetch the cheapest verified way to it (a chain
 * of bsdiff patches over the cached tar of the current version, or the full
 * archive), check every byte against the trusted metadata, unpack it into
 * versions/<new>.partial, commit it, and put it on trial in the state. Any
 * failure removes the partial work and leaves the installed version as it
 * was. Runs on a worker thread (the splash) or in the background. */
#ifndef BL_UPDATE_H
#define BL_UPDATE_H

#include <stdint.h>

#include "base/error.h"
#include "start/config.h"
#include "start/install.h"
#include "start/progress.h"
#include "start/state.h"

typedef struct {
    const bl_layout *layout;
    const bl_config *cfg;
    const bl_state *state;     /* current version, blocked list, install id */
    bl_progress *progress;     /* optional */
    uint64_t check_deadline;   /* uv_hrtime() by which the metadata must be in; 0: none */
    int64_t now;               /* UTC seconds for expiry checks */
    int install;               /* 0: check and log only (BOMIOT_AUTO_UPDATE=false) */
} bl_update_request;

typedef struct {
    int installed;                      /* versions/<version> is complete and new */
    char version[BL_VERSION_MAX_TEXT];  /* the chosen release, "" if none */
    char why[320];                      /* the decision, for the log */
} bl_update_result;

int bl_update_run(const bl_update_request *req, bl_update_result *res, bl_error *err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* One update: refresh the signed metadata, choose the newest release this
 * installation should have, fetch the cheapest verified way to it (a chain
 * of bsdiff patches over the cached tar of the current version, or the full
 * archive), check every byte against the trusted metadata, unpack it into
 * versions/<new>.partial, commit it, and put it on trial in the state. Any
 * failure removes the partial work and leaves the installed version as it
 * was. Runs on a worker thread (the splash) or in the background. */
#ifndef BL_UPDATE_H
#define BL_UPDATE_H

#include "update_module.h"

/* req and res: update_module.h. */
int bl_update_run(const bl_update_request *req, bl_update_result *res, bl_error *err);

#endif

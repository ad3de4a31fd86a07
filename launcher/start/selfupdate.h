/* SPDX-License-Identifier: Apache-2.0 */
/* Updating the launcher itself. A release may carry a new launcher as
 * `bomiot-launcher[.exe]` at the top of its version folder, with the modules
 * it loads (module.h: bomiot-update-<v>.so, bomiot-splash-<v>.so, named after
 * its version). Once that version is confirmed (never while on trial: a
 * release that crashes must not leave its launcher behind), the next start
 * copies the modules and then the launcher beside the running one, checks
 * that it runs and that its modules fit it (`--self-check` within a few
 * seconds), swaps it in keeping the old one as a backup, and restarts into
 * it with the same arguments (POSIX: execv, same process; Windows: a new
 * process, the old .exe renamed aside and deleted at a later start). If the
 * new launcher cannot be started, the old one is put back and this start
 * goes on with it; the old launcher's modules go at a later start. */
#ifndef BL_SELFUPDATE_H
#define BL_SELFUPDATE_H

#include "base/error.h"
#include "install.h"

/* Set in the restarted launcher's environment so it does not try again. */
#define BL_SELFUPDATE_ENV "BOMIOT_LAUNCHER_UPDATED"

/* exe is the running launcher's path, argv the original arguments. Returns
 * BL_OK when there was nothing to do. On a successful POSIX swap it does not
 * return; on Windows it sets *handed_over when the new launcher runs and this
 * one should exit. Any error leaves the running launcher in place. */
int bl_selfupdate_apply(const bl_layout *layout, const char *exe, const char *version, char **argv,
                        int *handed_over, bl_error *err);

/* Removes what an earlier self-update left (the backup, a half-copied new
 * launcher). */
void bl_selfupdate_cleanup(const bl_layout *layout);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Updates while the app runs: a check every update_interval seconds after
 * the last one, at launch or here (start/checks.h: a failed one is retried
 * after a back-off), with jitter so a fleet does not hit the server at the
 * same second, and, with
 * file_watcher on and a file:// repository, a check when its metadata
 * changes. A check stages the next version fully (download, patch, verify,
 * unpack into versions/<new>) on a low-priority thread, records it as the
 * state's pending version, and writes the ready file the app can watch
 * (BOMIOT_UPDATE_READY_FILE); the switch happens at the next start. */
#ifndef BL_BACKGROUND_H
#define BL_BACKGROUND_H

#include "update_module.h"

/* bl_background_options, bl_background: update_module.h. */

/* The first check after a start whose update at launch ran out of its
 * time box (check_soon: a download, or the check itself), or when one is
 * due already (start/checks.h): the app has had its start, and what the
 * launch wanted is staged while it runs. */
#define BL_BACKGROUND_SOON_MS 5000

/* Starts the timer and the watcher (whichever the config asks for, neither
 * with requests_only) on loop; checks also come when asked
 * (bl_background_check). */
int bl_background_start(uv_loop_t *loop, const bl_background_options *opt, bl_background **out, bl_error *err);

/* A check now, whatever the interval (update_module.h's background_check). */
int bl_background_check(bl_background *bg);

/* Cancels a check in progress, closes everything; frees itself once the
 * loop has run the close callbacks and the worker has returned. */
void bl_background_stop(bl_background *bg);

/* Pure: the delay before a check due in due_s seconds, plus up to 10% of
 * interval_s from a random u32 (never before it is due). */
uint64_t bl_background_delay_ms(int64_t due_s, int64_t interval_s, uint32_t random);

#endif

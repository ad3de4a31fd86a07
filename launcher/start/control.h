/* SPDX-License-Identifier: Apache-2.0 */
/* The control endpoint: how `bomiot-launcher --check` reaches the launcher
 * that holds the lock while it supervises the app, so the check runs there
 * (its background updater, on its loop) rather than beside it. An
 * implementation detail of --check, not an app API: apps run --check.
 *
 * A libuv pipe: on POSIX a Unix socket, on Windows a named pipe, named by
 * bl_plat_control_endpoint from the install root, reachable by the
 * installation's user. Protocol: newline-delimited JSON. The client sends
 * {"request": "check"}; the server sends --check --json's event lines
 * (check_event.h), ending with a final one, and closes. Anything else gets
 * {"event": "failed", "error": "unknown request"}. Only the lock holder
 * binds, so a socket file left by a killed launcher is replaced. */
#ifndef BL_CONTROL_H
#define BL_CONTROL_H

#include <stddef.h>
#include <uv.h>

#include "base/error.h"
#include "check_event.h"
#include "layout.h"

typedef struct bl_control bl_control;
typedef struct bl_control_client bl_control_client;

/* The endpoint's name for an installation (bl_plat_control_endpoint with
 * the root's id). BL_ENOTFOUND: this installation has none. */
int bl_control_endpoint(const bl_layout *layout, char *out, size_t size, bl_error *err);

/* A client asked for a check: the server's owner answers with
 * bl_control_reply (at once) or bl_control_subscribe (the check's events,
 * then bl_control_final). */
typedef void (*bl_control_check_fn)(void *ctx, bl_control_client *client);

/* Serves endpoint on loop until bl_control_stop. */
int bl_control_start(uv_loop_t *loop, const char *endpoint, bl_control_check_fn on_check, void *ctx,
                     bl_control **out, bl_error *err);
/* Ends every connection (a subscriber gets a failed event first) and frees
 * itself once the loop has closed the handles. NULL is accepted. */
void bl_control_stop(bl_control *control);

/* The final event to one client, then its connection ends. */
void bl_control_reply(bl_control_client *client, const bl_check_event *event);
/* The client gets the running check's events from now on, starting with
 * "checking". */
void bl_control_subscribe(bl_control_client *client);
/* A running check's progress to every subscriber (current: the version
 * installed now, for "found"; now_ns: uv_hrtime()). */
void bl_control_progress(bl_control *control, const bl_progress_view *view, const char *current, uint64_t now_ns);
/* The check's final event to every subscriber, whose connections then end. */
void bl_control_final(bl_control *control, const bl_check_event *event);

/* The client side: connects to endpoint, sends request (one JSON line),
 * and calls on_line for each line that comes back (without its newline)
 * until the server closes. BL_ENOTFOUND when nobody serves the endpoint;
 * BL_EIO when the connection broke. */
int bl_control_request(const char *endpoint, const char *request, void (*on_line)(void *ctx, const char *line,
                                                                                  size_t len),
                       void *ctx, bl_error *err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* cache/update.log: timestamped lines with level and module, rotated by size
 * (update.log.1 ... .N) so it never fills the disk, safe to call from any
 * thread. The log is the launcher's only global state. Before bl_log_open (and
 * if it fails) lines go to stderr only; warnings and errors always also go to
 * stderr, where a user running from a terminal sees them. */
#ifndef BL_LOG_H
#define BL_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

enum bl_log_level { BL_LOG_DEBUG = 0, BL_LOG_INFO, BL_LOG_WARN, BL_LOG_ERROR };
/* OR'd into a level: the line goes to the log file only, never to stderr
 * (a failure that is no news at every start: offline). */
#define BL_LOG_QUIET 0x100

#define BL_LOG_DEFAULT_MAX_BYTES (1024 * 1024)
#define BL_LOG_DEFAULT_KEEP 3

/* Opens (appends to) path; rotates when a line would take it past max_bytes,
 * keeping `keep` old files. Reopening closes the previous file. */
int bl_log_open(const char *path, uint64_t max_bytes, int keep, bl_error *err);
void bl_log_close(void);
void bl_log_set_level(int level);
void bl_log_set_stderr(int enabled);

void bl_log(int level, const char *module, const char *fmt, ...) BL_PRINTF(3, 4);

/* Writes in to out (size >= 1, NUL-terminated, cut before an escape that
 * would not fit) with what could forge a log line or drive a terminal
 * escaped: \n, \r and \t as those two characters, other ASCII controls
 * and DEL as \xNN, and the bytes of C1 controls (U+0080-U+009F) and of
 * invalid UTF-8 as \xNN each. Returns the length written. bl_log applies it
 * to every message, so text from outside (a server, an archive, the
 * environment) can be logged as it is; anything else printing such text
 * goes through it too. */
size_t bl_log_escape(const char *in, char *out, size_t size);

/* One line from text as it is (no format): what a module's log forwards to. */
void bl_log_text(int level, const char *module, const char *text);

/* In a module (module.h): every line goes to sink, the launcher's
 * bl_log_text, instead of to a file of this copy's own. */
void bl_log_forward(void (*sink)(int level, const char *module, const char *text));

/* "debug", "info", "warn"/"warning", "error" -> level; BL_EINVAL otherwise. */
int bl_log_level_parse(const char *text, int *level);
const char *bl_log_level_name(int level);

/* Formats a UTC time as 2026-11-25T05:00:00Z (size >= 21); used by the log and
 * by anything else that prints times, without depending on the local TZ. */
void bl_log_format_utc(int64_t seconds, char *out, size_t size);

#endif

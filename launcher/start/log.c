/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/fsutil.h"
#include "base/utf8.h"

#define LINE_MAX_BYTES 2048

static struct {
    uv_once_t once;
    uv_mutex_t mutex;
    uv_file fd; /* -1 when closed */
    char path[BL_PATH_MAX];
    uint64_t max_bytes;
    int keep;
    int level;
    int to_stderr;
    void (*forward)(int level, const char *module, const char *text); /* set in a module */
} log_state = {.once = UV_ONCE_INIT, .fd = -1, .max_bytes = BL_LOG_DEFAULT_MAX_BYTES,
               .keep = BL_LOG_DEFAULT_KEEP, .level = BL_LOG_INFO, .to_stderr = 1};

static void init_mutex(void)
{
    if (uv_mutex_init(&log_state.mutex) != 0)
        abort(); /* cannot happen short of resource exhaustion at start */
}

static void lock(void)
{
    uv_once(&log_state.once, init_mutex);
    uv_mutex_lock(&log_state.mutex);
}

static void unlock(void)
{
    uv_mutex_unlock(&log_state.mutex);
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), so the
 * log needs neither gmtime_r nor gmtime_s. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    yoe = z - era * 146097;
    yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
    doy = (z - era * 146097) - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void bl_log_format_utc(int64_t seconds, char *out, size_t size)
{
    int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    int64_t rem = seconds - days * 86400;
    int64_t year;
    unsigned month, day;

    civil_from_days(days, &year, &month, &day);
    snprintf(out, size, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)year, month, day,
             (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
}

static void close_locked(void)
{
    uv_fs_t req;
    if (log_state.fd >= 0) {
        uv_fs_close(NULL, &req, log_state.fd, NULL);
        uv_fs_req_cleanup(&req);
        log_state.fd = -1;
    }
}

/* A fifo or a device in the log's place is refused, never waited on. */
static int open_locked(bl_error *err)
{
    uv_file fd;
    int rc = bl_fs_open_regular(log_state.path, UV_FS_O_WRONLY | UV_FS_O_CREAT | UV_FS_O_APPEND, 0644, &fd, err);
    log_state.fd = rc == BL_OK ? fd : -1;
    return rc;
}

static uint64_t size_locked(void)
{
    uv_fs_t req;
    uint64_t size = 0;
    if (uv_fs_fstat(NULL, &req, log_state.fd, NULL) == 0)
        size = req.statbuf.st_size;
    uv_fs_req_cleanup(&req);
    return size;
}

/* update.log.(k) -> update.log.(k+1), oldest dropped, update.log -> .1. */
static void rotate_locked(void)
{
    char from[BL_PATH_MAX + 16], to[BL_PATH_MAX + 16];
    uv_fs_t req;
    int k;

    close_locked();
    snprintf(to, sizeof to, "%s.%d", log_state.path, log_state.keep);
    uv_fs_unlink(NULL, &req, to, NULL);
    uv_fs_req_cleanup(&req);
    for (k = log_state.keep - 1; k >= 1; k--) {
        snprintf(from, sizeof from, "%s.%d", log_state.path, k);
        snprintf(to, sizeof to, "%s.%d", log_state.path, k + 1);
        uv_fs_rename(NULL, &req, from, to, NULL);
        uv_fs_req_cleanup(&req);
    }
    if (log_state.keep >= 1) {
        snprintf(to, sizeof to, "%s.1", log_state.path);
        uv_fs_rename(NULL, &req, log_state.path, to, NULL);
    } else {
        uv_fs_unlink(NULL, &req, log_state.path, NULL);
    }
    uv_fs_req_cleanup(&req);
    open_locked(NULL);
}

static void write_locked(const char *line, size_t len)
{
    uv_fs_t req;
    uv_buf_t buf;

    if (log_state.fd < 0)
        return;
    /* Another launcher process may have rotated the file under us; the size
     * check on the descriptor still bounds what this one adds. */
    if (size_locked() + len > log_state.max_bytes)
        rotate_locked();
    if (log_state.fd < 0)
        return;
    buf = uv_buf_init((char *)line, (unsigned int)len);
    uv_fs_write(NULL, &req, log_state.fd, &buf, 1, -1, NULL);
    uv_fs_req_cleanup(&req);
}

int bl_log_open(const char *path, uint64_t max_bytes, int keep, bl_error *err)
{
    int rc;
    if (strlen(path) >= sizeof log_state.path)
        return bl_error_set(err, BL_EINVAL, "log path too long: %s", path);
    lock();
    close_locked();
    snprintf(log_state.path, sizeof log_state.path, "%s", path);
    log_state.max_bytes = max_bytes < 4096 ? 4096 : max_bytes;
    log_state.keep = keep < 0 ? 0 : keep;
    rc = open_locked(err);
    unlock();
    return rc;
}

void bl_log_close(void)
{
    lock();
    close_locked();
    unlock();
}

void bl_log_set_level(int level)
{
    lock();
    log_state.level = level;
    unlock();
}

void bl_log_set_stderr(int enabled)
{
    lock();
    log_state.to_stderr = enabled;
    unlock();
}

void bl_log_forward(void (*sink)(int level, const char *module, const char *text))
{
    lock();
    log_state.forward = sink;
    unlock();
}

/* Length of the valid UTF-8 sequence at s (n bytes left) that is not a C1
 * control, or 0. */
static size_t printable_utf8(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len = bl_utf8_sequence(s, n, &cp);
    return len > 1 && cp >= 0xa0 ? len : 0;
}

size_t bl_log_escape(const char *in, char *out, size_t size)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t n = strlen(in), i = 0, used = 0;

    while (i < n) {
        char escaped[5];
        const char *piece = escaped;
        size_t len;

        if (s[i] >= 0x20 && s[i] < 0x7f) {
            piece = (const char *)s + i;
            len = 1;
        } else if (s[i] >= 0x80 && (len = printable_utf8(s + i, n - i)) > 0) {
            piece = (const char *)s + i;
        } else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
            escaped[0] = '\\';
            escaped[1] = s[i] == '\n' ? 'n' : s[i] == '\r' ? 'r' : 't';
            len = 2;
        } else {
            snprintf(escaped, sizeof escaped, "\\x%02x", s[i]);
            len = 4;
        }
        if (len >= size - used)
            break;
        memcpy(out + used, piece, len);
        used += len;
        i += piece == escaped ? 1 : len;
    }
    out[used] = '\0';
    return used;
}

void bl_log_text(int level, const char *module, const char *text)
{
    bl_log(level, module, "%s", text);
}

void bl_log(int level, const char *module, const char *fmt, ...)
{
    char line[LINE_MAX_BYTES], message[LINE_MAX_BYTES];
    char when[32];
    uv_timeval64_t now;
    size_t used, stamp_len;
    int n, quiet = level & BL_LOG_QUIET;
    va_list ap;
    void (*forward)(int, const char *, const char *);

    level &= ~BL_LOG_QUIET;
    lock();
    if ((forward = log_state.forward) != NULL) { /* the launcher's log filters and writes */
        unlock();
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        forward(level | quiet, module, line);
        return;
    }
    if (level < log_state.level) {
        unlock();
        return;
    }
    uv_gettimeofday(&now);
    bl_log_format_utc(now.tv_sec, when, sizeof when);
    /* 2026-11-25T05:00:00.123Z INFO  module: message */
    n = snprintf(line, sizeof line, "%.19s.%03dZ ", when, (int)(now.tv_usec / 1000));
    stamp_len = n > 0 ? (size_t)n : 0;
    n = snprintf(line + stamp_len, sizeof line - stamp_len, "%-5s %s: ", bl_log_level_name(level),
                 module);
    used = stamp_len + (n > 0 ? (size_t)n : 0);
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    /* One line whatever the message holds: outside text is escaped here,
     * once, where every line is written (a module's lines come through
     * bl_log_text as they are). */
    used += bl_log_escape(message, line + used, sizeof line - used - 1);
    line[used++] = '\n';
    line[used] = '\0';
    write_locked(line, used);
    if (log_state.to_stderr && ((level >= BL_LOG_WARN && !quiet) || log_state.fd < 0))
        fprintf(stderr, "bomiot-launcher: %s", line + stamp_len); /* the terminal has a clock */
    unlock();
}

int bl_log_level_parse(const char *text, int *level)
{
    static const struct { const char *name; int level; } names[] = {
        {"debug", BL_LOG_DEBUG}, {"info", BL_LOG_INFO},   {"warn", BL_LOG_WARN},
        {"warning", BL_LOG_WARN}, {"error", BL_LOG_ERROR},
    };
    size_t i;
    for (i = 0; text && i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(text, names[i].name) == 0) {
            *level = names[i].level;
            return BL_OK;
        }
    }
    return BL_EINVAL;
}

const char *bl_log_level_name(int level)
{
    switch (level) {
    case BL_LOG_DEBUG: return "DEBUG";
    case BL_LOG_INFO: return "INFO";
    case BL_LOG_WARN: return "WARN";
    default: return "ERROR";
    }
}

/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot_launcher.h: a native app talks to the Bomiot launcher that started it.
 *
 * One header, no dependency but the C library and the OS (POSIX or Windows).
 * In exactly one .c file of the app:
 *
 *     #define BOMIOT_LAUNCHER_IMPLEMENTATION
 *     #include "bomiot_launcher.h"
 *
 * and include it plainly elsewhere. The calls run the launcher's own commands
 * (`bomiot-launcher --status --json`, `--check --json`, `--restart-after`)
 * and read the environment it gave the app (BOMIOT_LAUNCHER, BOMIOT_HEALTH_FILE,
 * ...); docs/app-integration.md documents both.
 *
 * Every call returns a bomiot_code (BOMIOT_OK is 0) and, on failure, fills a
 * bomiot_error: the launcher's exit status (-1 when it did not run) and a
 * message a user can act on. `launcher` is the launcher's path, or NULL for
 * BOMIOT_LAUNCHER. Strings in and out are UTF-8, on Windows too (paths and
 * arguments are converted to UTF-16 for the OS; argv handed to
 * bomiot_restart_to_update must be UTF-8: an app built with the UTF-8
 * activeCodePage manifest, or one that converts wmain's arguments).
 *
 * The status is returned both as the raw JSON text (parse it with your own
 * JSON library for anything else in schema 1) and as the few fields an app
 * acts on, read by a minimal JSON reader here: an app without a JSON library
 * still gets what it needs, and one with a library is not made to depend on
 * a second parser's idea of the schema. The calls block; a GUI app runs
 * bomiot_check on a worker thread. No global state: calls are thread-safe. */
#ifndef BOMIOT_LAUNCHER_H
#define BOMIOT_LAUNCHER_H

#if defined(BOMIOT_LAUNCHER_IMPLEMENTATION) && !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* if it comes first; it needs nothing POSIX from the C headers otherwise */
#endif

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BOMIOT_LAUNCHER_API 1 /* the contract version, as BOMIOT_LAUNCHER_API in the environment */
#define BOMIOT_DEFAULT_RESTART_EXIT_CODE 85
#define BOMIOT_VERSION_MAX 64

typedef enum {
    BOMIOT_OK = 0,
    BOMIOT_E_NOT_LAUNCHED,    /* not started by a launcher (no BOMIOT_LAUNCHER) and launcher was NULL */
    BOMIOT_E_LAUNCHER,        /* the launcher failed: not an installation (125), nothing installed (127), ... */
    BOMIOT_E_BUSY,            /* another launcher is updating this installation: try again in a moment */
    BOMIOT_E_CHECK_FAILED,    /* the update check failed: the message is for the user */
    BOMIOT_E_NOTHING_STAGED,  /* restart asked with no update staged */
    BOMIOT_E_SYSTEM           /* the launcher could not be run, or a file written; out of memory */
} bomiot_code;

typedef struct {
    int exit_code;     /* the launcher's exit status, -1 when it did not run */
    char message[512];
} bomiot_error;

/* `bomiot-launcher --status --json`, and the fields an app acts on. */
typedef struct {
    char *json;                       /* the whole object (schema 1), NUL-terminated; bomiot_status_free */
    int schema;
    char current[BOMIOT_VERSION_MAX]; /* what the next start runs; "" if none */
    char running[BOMIOT_VERSION_MAX]; /* the version a live supervising launcher runs; "" if not known */
    char staged[BOMIOT_VERSION_MAX];  /* an update waiting for a restart; "" if none */
    long long staged_size;            /* its bytes on disk, -1 if none */
    char trial[BOMIOT_VERSION_MAX];   /* the version on trial; "" if none */
    char check_stage[16];             /* a check in progress: "checking", "downloading", ...; "" if none */
    long long check_bytes, check_total; /* its download, -1 if not known */
} bomiot_status_info;

/* One line of `--check --json`. */
typedef struct {
    const char *json;                 /* the line as printed, valid during the callback */
    char event[16];                   /* "checking", "found", "downloading", "applying", ..., final ones */
    char version[BOMIOT_VERSION_MAX]; /* "" when the line has none */
    long long bytes, total;           /* "downloading": bytes so far and in all; -1 otherwise */
    double rate;                      /* bytes a second, -1 if not given */
    char error[512];                  /* "failed", "busy": the sentence; "" otherwise */
} bomiot_event;

typedef void (*bomiot_progress_fn)(const bomiot_event *event, void *ctx);

typedef enum { BOMIOT_UP_TO_DATE, BOMIOT_STAGED, BOMIOT_AVAILABLE } bomiot_check_state;

typedef struct {
    bomiot_check_state state;         /* up to date (exit 0), staged (10), available but not downloaded (12) */
    char version[BOMIOT_VERSION_MAX]; /* the installed version, or the one staged or available */
} bomiot_check_result;

/* 1 when a launcher started this process (BOMIOT_LAUNCHER is set), else 0. */
int bomiot_launched_by_launcher(void);

/* Runs --status --json; fills out (free it with bomiot_status_free, also after
 * a failure). BOMIOT_E_LAUNCHER with the launcher's message when its folder is
 * not an installation (exit 125) or nothing is installed (127). */
int bomiot_status(const char *launcher, bomiot_status_info *out, bomiot_error *err);
void bomiot_status_free(bomiot_status_info *st);

/* Checks for an update now and stages what it finds (never switches).
 * progress (may be NULL) gets every event line, the final one included, on
 * the calling thread. BOMIOT_E_CHECK_FAILED, BOMIOT_E_BUSY or BOMIOT_E_LAUNCHER
 * with the message to show. */
int bomiot_check(const char *launcher, bomiot_progress_fn progress, void *ctx, bomiot_check_result *out,
                 bomiot_error *err);
const char *bomiot_check_state_name(bomiot_check_state state); /* "up-to-date", "staged", "available" */

/* The staged version into version ("" when none), from --status. */
int bomiot_update_ready(const char *launcher, char *version, size_t size, bomiot_error *err);

/* Prepares the restart into the staged update; the app then exits with
 * *exit_code (from main, after its own cleanup). Supervise mode: that is
 * BOMIOT_RESTART_EXIT_CODE, and the waiting launcher switches and starts the
 * new version with the same arguments. Exec mode, or no launcher waiting:
 * `launcher --restart-after <this pid> -- argv[1..argc-1]` is started
 * detached and *exit_code is 0. BOMIOT_E_NOTHING_STAGED when there is
 * nothing to restart into. */
int bomiot_restart_to_update(const char *launcher, int argc, char **argv, int *exit_code, bomiot_error *err);

/* Tells the launcher this version works (creates BOMIOT_HEALTH_FILE): a
 * version on trial is confirmed at once. BOMIOT_E_NOT_LAUNCHED when there is
 * no health file to write (not started by a launcher). */
int bomiot_confirm_healthy(bomiot_error *err);

#ifdef __cplusplus
}
#endif

/* ------------------------------------------------------------------------ */
#ifdef BOMIOT_LAUNCHER_IMPLEMENTATION

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
#endif

#ifdef __cplusplus /* a zeroed struct, without -Wmissing-field-initializers in either language */
#define BOMIOT__ZERO {}
#else
#define BOMIOT__ZERO {0}
#endif

/* Checked like printf where the compiler can (clang's -Wformat-nonliteral
 * wants the attribute on a function that passes its format on). */
#if defined(__GNUC__) || defined(__clang__)
#define BOMIOT__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define BOMIOT__PRINTF(fmt, args)
#endif

static int bomiot__fail(bomiot_error *err, int code, int exit_code, const char *fmt, ...) BOMIOT__PRINTF(4, 5);
static int bomiot__fail(bomiot_error *err, int code, int exit_code, const char *fmt, ...)
{
    va_list ap;
    if (err) {
        err->exit_code = exit_code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

static void bomiot__copy(char *dst, size_t size, const char *src)
{
    if (size)
        snprintf(dst, size, "%s", src ? src : "");
}

/* --- a minimal JSON reader: finds members and reads strings and numbers --- */

static const char *bomiot__ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return p;
}

/* p at a value: returns the first character after it, NULL if malformed. */
static const char *bomiot__skip(const char *p, int depth)
{
    p = bomiot__ws(p);
    if (depth > 64)
        return NULL;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && !*++p)
                return NULL;
        return *p ? p + 1 : NULL;
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = bomiot__ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (close == '}') {
                if (*p != '"' || !(p = bomiot__skip(p, depth + 1)))
                    return NULL;
                p = bomiot__ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            if (!(p = bomiot__skip(p, depth + 1)))
                return NULL;
            p = bomiot__ws(p);
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
            p = bomiot__ws(p);
        }
    }
    if (!*p || strchr(",:}]", *p))
        return NULL;
    while (*p && !strchr(" \t\r\n,}]", *p)) /* a number, true, false or null */
        p++;
    return p;
}

/* The 4 hex digits at p as a number, or -1. */
static long bomiot__hex4(const char *p)
{
    long v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = p[i]; /* a NUL ends it before anything past it is read */
        if (c >= '0' && c <= '9')
            v = v * 16 + (c - '0');
        else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            v = v * 16 + ((c | 0x20) - 'a' + 10);
        else
            return -1;
    }
    return v;
}

/* Decodes the JSON string at p into out (UTF-8, cut to size); 0 if p is not a string. */
static int bomiot__string(const char *p, char *out, size_t size)
{
    size_t n = 0;
    if (!size)
        return 0;
    out[0] = '\0';
    if (!p || *(p = bomiot__ws(p)) != '"')
        return 0;
    for (p++; *p && *p != '"'; p++) {
        char buf[4];
        size_t len = 1;
        long c;
        buf[0] = *p;
        if (*p == '\\') {
            switch (*++p) {
            case 'n': buf[0] = '\n'; break;
            case 't': buf[0] = '\t'; break;
            case 'r': buf[0] = '\r'; break;
            case 'b': buf[0] = '\b'; break;
            case 'f': buf[0] = '\f'; break;
            case 'u':
                if ((c = bomiot__hex4(p + 1)) < 0)
                    return 0;
                p += 4;
                if (c >= 0xD800 && c < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
                    long low = bomiot__hex4(p + 3);
                    if (low >= 0xDC00 && low < 0xE000) {
                        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                        p += 6;
                    }
                }
                if (c < 0x80) {
                    buf[0] = (char)c;
                } else if (c < 0x800) {
                    buf[0] = (char)(0xC0 | c >> 6), buf[1] = (char)(0x80 | (c & 0x3F)), len = 2;
                } else if (c < 0x10000) {
                    buf[0] = (char)(0xE0 | c >> 12), buf[1] = (char)(0x80 | (c >> 6 & 0x3F));
                    buf[2] = (char)(0x80 | (c & 0x3F)), len = 3;
                } else {
                    buf[0] = (char)(0xF0 | c >> 18), buf[1] = (char)(0x80 | (c >> 12 & 0x3F));
                    buf[2] = (char)(0x80 | (c >> 6 & 0x3F)), buf[3] = (char)(0x80 | (c & 0x3F)), len = 4;
                }
                break;
            case '\0': return 0;
            default: buf[0] = *p; break; /* \" \\ \/ */
            }
        }
        if (n + len < size) {
            memcpy(out + n, buf, len);
            n += len;
            out[n] = '\0';
        }
    }
    return *p == '"';
}

/* Reads the JSON number at p (locale-independent); 0 if p is not a number. */
static int bomiot__number(const char *p, double *out)
{
    double v = 0, scale = 1;
    int neg = 0, digits = 0;
    if (!p)
        return 0;
    p = bomiot__ws(p);
    if (*p == '-')
        neg = 1, p++;
    for (; *p >= '0' && *p <= '9'; p++, digits++)
        v = v * 10 + (*p - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            v += (*p - '0') * (scale /= 10);
    if (*p == 'e' || *p == 'E') {
        int e = 0, eneg = 0;
        p++;
        if (*p == '-' || *p == '+')
            eneg = *p++ == '-';
        for (; *p >= '0' && *p <= '9'; p++)
            e = e < 400 ? e * 10 + (*p - '0') : e;
        while (e-- > 0)
            v = eneg ? v / 10 : v * 10;
    }
    *out = neg ? -v : v;
    return digits > 0;
}

/* The value of member key in the object at p, or NULL (also when p is not an object). */
static const char *bomiot__member(const char *p, const char *key)
{
    char name[64];
    if (!p || *(p = bomiot__ws(p)) != '{')
        return NULL;
    p = bomiot__ws(p + 1);
    while (*p == '"') {
        int match = bomiot__string(p, name, sizeof name) && strcmp(name, key) == 0;
        if (!(p = bomiot__skip(p, 0)) || *(p = bomiot__ws(p)) != ':')
            return NULL;
        p = bomiot__ws(p + 1);
        if (match)
            return p;
        if (!(p = bomiot__skip(p, 0)))
            return NULL;
        p = bomiot__ws(p);
        if (*p != ',')
            return NULL;
        p = bomiot__ws(p + 1);
    }
    return NULL;
}

/* A number that fits a long long, else otherwise: converting one that does
 * not (888...8 from a broken launcher) is undefined behaviour in C. */
static long long bomiot__integer(const char *p, long long otherwise)
{
    double v;
    if (!bomiot__number(p, &v) || !(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
        return otherwise;
    return (long long)v;
}

/* --- running the launcher ------------------------------------------------- */

typedef struct {
    char *data; /* all of stdout, NUL-terminated */
    size_t len, cap;
    void (*on_line)(char *line, void *ctx); /* if set, called per complete line (newline removed) */
    void *ctx;
    size_t line_start;
} bomiot__output;

static void bomiot__trim(char *text)
{
    size_t n = strlen(text);
    while (n && strchr(" \t\r\n", text[n - 1]))
        text[--n] = '\0';
}

static int bomiot__take(bomiot__output *o, const char *buf, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        char *grown;
        while (cap < o->len + n + 1)
            cap *= 2;
        if (!(grown = (char *)realloc(o->data, cap)))
            return -1;
        o->data = grown, o->cap = cap;
    }
    memcpy(o->data + o->len, buf, n);
    o->len += n;
    o->data[o->len] = '\0';
    while (o->on_line) {
        char *nl = (char *)memchr(o->data + o->line_start, '\n', o->len - o->line_start);
        if (!nl)
            break;
        *nl = '\0';
        o->on_line(o->data + o->line_start, o->ctx);
        *nl = '\n';
        o->line_start = (size_t)(nl - o->data) + 1;
    }
    return 0;
}

/* The launcher's path into out: launcher, else BOMIOT_LAUNCHER (UTF-8). */
static int bomiot__getenv(const char *name, char *out, size_t size);

static int bomiot__launcher(const char *launcher, char *out, size_t size, bomiot_error *err)
{
    char api[16];
    if (launcher && *launcher) {
        bomiot__copy(out, size, launcher);
        return BOMIOT_OK;
    }
    if (!bomiot__getenv("BOMIOT_LAUNCHER", out, size) || !*out)
        return bomiot__fail(err, BOMIOT_E_NOT_LAUNCHED, -1,
                            "this app was not started by bomiot-launcher (BOMIOT_LAUNCHER is not set): start it "
                            "through the launcher, or pass the launcher's path");
    if (bomiot__getenv("BOMIOT_LAUNCHER_API", api, sizeof api) && atoi(api) != BOMIOT_LAUNCHER_API)
        return bomiot__fail(err, BOMIOT_E_LAUNCHER, -1,
                            "the launcher speaks app API %s and this bomiot_launcher.h speaks %d: build the app "
                            "with the bomiot_launcher.h that matches the launcher", api, BOMIOT_LAUNCHER_API);
    return BOMIOT_OK;
}

/* Runs launcher with args, stdin from the null device; stdout into *o (per
 * line if o->on_line), the start of stderr into errtext. BOMIOT_OK when it ran
 * (whatever its exit status, in *status), else BOMIOT_E_SYSTEM. */
static int bomiot__run(const char *launcher, const char *const *args, int nargs, bomiot__output *o, int *status,
                       char *errtext, size_t errsize, bomiot_error *err);
/* Starts launcher with args so that it outlives this process. */
static int bomiot__spawn_detached(const char *launcher, const char *const *args, int nargs, bomiot_error *err);
static long bomiot__pid(void);
static int bomiot__touch(const char *path);

#ifdef _WIN32

static wchar_t *bomiot__wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? (wchar_t *)malloc((size_t)n * sizeof *w) : NULL;
    if (w && MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

static int bomiot__getenv(const char *name, char *out, size_t size)
{
    wchar_t wname[64], value[4096];
    DWORD n;
    if (MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 64) <= 0)
        return 0;
    n = GetEnvironmentVariableW(wname, value, 4096);
    if (n == 0 || n >= 4096)
        return 0;
    return WideCharToMultiByte(CP_UTF8, 0, value, -1, out, (int)size, NULL, NULL) > 0;
}

/* Appends arg to cmd as CommandLineToArgvW reads it back. */
static void bomiot__quote(bomiot__output *cmd, const char *arg, int *oom)
{
    const char *p;
    if (*arg && !strpbrk(arg, " \t\n\v\"")) {
        *oom |= bomiot__take(cmd, arg, strlen(arg));
        return;
    }
    *oom |= bomiot__take(cmd, "\"", 1);
    for (p = arg;; p++) {
        size_t slashes = 0;
        for (; *p == '\\'; p++)
            slashes++;
        if (!*p || *p == '"') { /* backslashes before a quote (ours or the closing one) double */
            for (slashes = slashes * 2 + (*p == '"'); slashes; slashes--)
                *oom |= bomiot__take(cmd, "\\", 1);
            if (!*p)
                break;
        } else {
            for (; slashes; slashes--)
                *oom |= bomiot__take(cmd, "\\", 1);
        }
        *oom |= bomiot__take(cmd, p, 1);
    }
    *oom |= bomiot__take(cmd, "\"", 1);
}

static wchar_t *bomiot__command_line(const char *launcher, const char *const *args, int nargs)
{
    bomiot__output cmd = BOMIOT__ZERO;
    wchar_t *w = NULL;
    int i, oom = 0;
    bomiot__quote(&cmd, launcher, &oom);
    for (i = 0; i < nargs; i++) {
        oom |= bomiot__take(&cmd, " ", 1);
        bomiot__quote(&cmd, args[i], &oom);
    }
    if (!oom)
        w = bomiot__wide(cmd.data);
    free(cmd.data);
    return w;
}

static int bomiot__system_error(bomiot_error *err, const char *what, const char *launcher)
{
    DWORD code = GetLastError();
    char text[256] = "";
    FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code, 0, text, sizeof text, NULL);
    text[strcspn(text, "\r\n")] = '\0';
    return bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "%s %s: %s (error %lu)", what, launcher, text,
                        (unsigned long)code);
}

static int bomiot__run(const char *launcher, const char *const *args, int nargs, bomiot__output *o, int *status,
                       char *errtext, size_t errsize, bomiot_error *err)
{
    SECURITY_ATTRIBUTES inherit = {sizeof inherit, NULL, TRUE};
    HANDLE out_read = NULL, out_write = NULL, errfile = INVALID_HANDLE_VALUE, nul = INVALID_HANDLE_VALUE;
    PROCESS_INFORMATION pi = BOMIOT__ZERO;
    STARTUPINFOW si = BOMIOT__ZERO;
    wchar_t *wlauncher = bomiot__wide(launcher), *cmd = bomiot__command_line(launcher, args, nargs);
    wchar_t tmpdir[MAX_PATH + 1], tmpname[MAX_PATH + 1];
    DWORD n, code = 0;
    char buf[4096];
    int rc = BOMIOT_E_SYSTEM;

    if (!wlauncher || !cmd) {
        rc = bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "out of memory, or a path that is not UTF-8: %s", launcher);
        goto cleanup;
    }
    if (!CreatePipe(&out_read, &out_write, &inherit, 0) || !SetHandleInformation(out_read, HANDLE_FLAG_INHERIT, 0)) {
        rc = bomiot__system_error(err, "cannot make a pipe to run", launcher);
        goto cleanup;
    }
    /* stderr into a temporary file, so it never fills while stdout is read */
    if (GetTempPathW(MAX_PATH + 1, tmpdir) && GetTempFileNameW(tmpdir, L"blc", 0, tmpname))
        errfile = CreateFileW(tmpname, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                              &inherit, CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit, OPEN_EXISTING, 0, NULL);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = nul;
    si.hStdOutput = out_write;
    si.hStdError = errfile != INVALID_HANDLE_VALUE ? errfile : GetStdHandle(STD_ERROR_HANDLE);
    if (!CreateProcessW(wlauncher, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT, NULL, NULL,
                        &si, &pi)) {
        rc = bomiot__system_error(err, "cannot run the launcher", launcher);
        goto cleanup;
    }
    CloseHandle(out_write);
    out_write = NULL;
    while (ReadFile(out_read, buf, sizeof buf, &n, NULL) && n > 0)
        if (bomiot__take(o, buf, n) != 0) {
            TerminateProcess(pi.hProcess, 1);
            rc = bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "out of memory reading the launcher's answer");
            goto cleanup;
        }
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &code);
    *status = (int)code;
    if (errsize) {
        errtext[0] = '\0';
        if (errfile != INVALID_HANDLE_VALUE && SetFilePointer(errfile, 0, NULL, FILE_BEGIN) != INVALID_SET_FILE_POINTER
            && ReadFile(errfile, errtext, (DWORD)(errsize - 1), &n, NULL))
            errtext[n] = '\0';
        bomiot__trim(errtext);
    }
    rc = o->data || bomiot__take(o, "", 0) == 0 ? BOMIOT_OK
                                                : bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "out of memory");
cleanup:
    if (pi.hProcess)
        CloseHandle(pi.hProcess);
    if (pi.hThread)
        CloseHandle(pi.hThread);
    if (out_read)
        CloseHandle(out_read);
    if (out_write)
        CloseHandle(out_write);
    if (errfile != INVALID_HANDLE_VALUE)
        CloseHandle(errfile);
    if (nul != INVALID_HANDLE_VALUE)
        CloseHandle(nul);
    free(wlauncher);
    free(cmd);
    return rc;
}

static int bomiot__spawn_detached(const char *launcher, const char *const *args, int nargs, bomiot_error *err)
{
    PROCESS_INFORMATION pi = BOMIOT__ZERO;
    STARTUPINFOW si = BOMIOT__ZERO;
    wchar_t *wlauncher = bomiot__wide(launcher), *cmd = bomiot__command_line(launcher, args, nargs);
    int rc = BOMIOT_OK;
    si.cb = sizeof si;
    if (!wlauncher || !cmd)
        rc = bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "out of memory, or a path that is not UTF-8: %s", launcher);
    else if (!CreateProcessW(wlauncher, cmd, NULL, NULL, FALSE,
                             DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP | CREATE_UNICODE_ENVIRONMENT, NULL, NULL,
                             &si, &pi))
        rc = bomiot__system_error(err, "cannot run the launcher", launcher);
    else {
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
    }
    free(wlauncher);
    free(cmd);
    return rc;
}

static long bomiot__pid(void)
{
    return (long)GetCurrentProcessId();
}

static int bomiot__touch(const char *path)
{
    wchar_t *w = bomiot__wide(path);
    HANDLE h = w ? CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                               OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL)
                 : INVALID_HANDLE_VALUE;
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    CloseHandle(h);
    return 0;
}

#else /* POSIX */

static int bomiot__getenv(const char *name, char *out, size_t size)
{
    const char *value = getenv(name);
    if (!value || strlen(value) >= size)
        return 0;
    bomiot__copy(out, size, value);
    return 1;
}

/* argv for posix_spawn: launcher, args, NULL (the strings are not copied). */
static char **bomiot__argv(const char *launcher, const char *const *args, int nargs)
{
    char **argv = (char **)malloc(((size_t)nargs + 2) * sizeof *argv);
    int i;
    if (!argv)
        return NULL;
    argv[0] = (char *)launcher;
    for (i = 0; i < nargs; i++)
        argv[i + 1] = (char *)args[i];
    argv[nargs + 1] = NULL;
    return argv;
}

/* Appends what fd has to *o (stdout) or errtext (stderr, its first errsize - 1
 * bytes kept); 0 at the end of it, 1 if more may come, -1 out of memory. */
static int bomiot__drain(int fd, bomiot__output *o, char *errtext, size_t errsize, size_t *errlen)
{
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : 0;
    if (n == 0)
        return 0;
    if (o)
        return bomiot__take(o, buf, (size_t)n) == 0 ? 1 : -1;
    if (errsize && *errlen < errsize - 1) {
        size_t keep = (size_t)n < errsize - 1 - *errlen ? (size_t)n : errsize - 1 - *errlen;
        memcpy(errtext + *errlen, buf, keep);
        *errlen += keep;
    }
    return 1;
}

static int bomiot__run(const char *launcher, const char *const *args, int nargs, bomiot__output *o, int *status,
                       char *errtext, size_t errsize, bomiot_error *err)
{
    posix_spawn_file_actions_t actions;
    int outfd[2] = {-1, -1}, errfd[2] = {-1, -1}, actions_made = 0, rc = BOMIOT_E_SYSTEM, e, wstatus, i, oom = 0;
    char **argv = bomiot__argv(launcher, args, nargs);
    size_t errlen = 0;
    pid_t pid = -1;

    if (!argv) {
        rc = bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "out of memory");
        goto cleanup;
    }
    if (pipe(outfd) != 0 || pipe(errfd) != 0) {
        rc = bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "cannot make a pipe to run %s: %s", launcher, strerror(errno));
        goto cleanup;
    }
    for (i = 0; i < 2; i++) { /* only the dup2'd copies reach the launcher */
        fcntl(outfd[i], F_SETFD, FD_CLOEXEC);
        fcntl(errfd[i], F_SETFD, FD_CLOEXEC);
    }
    if ((e = posix_spawn_file_actions_init(&actions)) != 0) {
        rc = bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "cannot run %s: %s", launcher, strerror(e));
        goto cleanup;
    }
    actions_made = 1;
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, outfd[1], 1);
    posix_spawn_file_actions_adddup2(&actions, errfd[1], 2);
    if ((e = posix_spawn(&pid, launcher, &actions, NULL, argv, environ)) != 0) {
        pid = -1;
        rc = bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "cannot run the launcher %s: %s", launcher, strerror(e));
        goto cleanup;
    }
    close(outfd[1]);
    close(errfd[1]);
    outfd[1] = errfd[1] = -1;
    /* both pipes at once, so a chatty stderr never blocks the launcher while stdout is read */
    while (outfd[0] >= 0 || errfd[0] >= 0) {
        struct pollfd fds[2];
        int got;
        fds[0].fd = outfd[0], fds[1].fd = errfd[0]; /* a negative fd is skipped */
        fds[0].events = fds[1].events = POLLIN;
        fds[0].revents = fds[1].revents = 0;
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0].revents && (got = bomiot__drain(outfd[0], o, NULL, 0, NULL)) <= 0) {
            close(outfd[0]);
            outfd[0] = -1; /* out of memory: the launcher sees a closed pipe and ends */
            oom |= got < 0;
        }
        if (fds[1].revents && bomiot__drain(errfd[0], NULL, errtext, errsize, &errlen) == 0) {
            close(errfd[0]);
            errfd[0] = -1;
        }
    }
    while (waitpid(pid, &wstatus, 0) < 0) {
        if (errno != EINTR) {
            rc = bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "cannot wait for %s: %s", launcher, strerror(errno));
            pid = -1;
            goto cleanup;
        }
    }
    pid = -1;
    *status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
    if (errsize) {
        errtext[errlen] = '\0';
        bomiot__trim(errtext);
    }
    rc = !oom && (o->data || bomiot__take(o, "", 0) == 0)
             ? BOMIOT_OK
             : bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "out of memory reading the launcher's answer");
cleanup:
    if (pid > 0)
        while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
            ;
    if (actions_made)
        posix_spawn_file_actions_destroy(&actions);
    for (i = 0; i < 2; i++) {
        if (outfd[i] >= 0)
            close(outfd[i]);
        if (errfd[i] >= 0)
            close(errfd[i]);
    }
    free(argv);
    return rc;
}

static int bomiot__spawn_detached(const char *launcher, const char *const *args, int nargs, bomiot_error *err)
{
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    char **argv = bomiot__argv(launcher, args, nargs);
    pid_t pid;
    int e;
    if (!argv)
        return bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "out of memory");
    if ((e = posix_spawnattr_init(&attr)) != 0) {
        free(argv);
        return bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "cannot run %s: %s", launcher, strerror(e));
    }
    if ((e = posix_spawn_file_actions_init(&actions)) != 0) {
        posix_spawnattr_destroy(&attr);
        free(argv);
        return bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "cannot run %s: %s", launcher, strerror(e));
    }
    /* the app's stdout and stderr (a terminal's user sees the new version's
     * output), but not its stdin, which the shell has back once the app exits */
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
#ifdef POSIX_SPAWN_SETSID /* its own session: the terminal closing or the app's group dying leaves it alone */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
#else
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
#endif
    e = posix_spawn(&pid, launcher, &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    free(argv);
    if (e != 0)
        return bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "cannot run the launcher %s: %s", launcher, strerror(e));
    return BOMIOT_OK; /* not waited for: it waits for us, and init reaps it */
}

static long bomiot__pid(void)
{
    return (long)getpid();
}

static int bomiot__touch(const char *path)
{
#ifdef O_CLOEXEC
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
#else
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
#endif
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

#endif /* POSIX */

/* --- the calls ------------------------------------------------------------ */

int bomiot_launched_by_launcher(void)
{
    char path[4096];
    return bomiot__getenv("BOMIOT_LAUNCHER", path, sizeof path) && path[0];
}

static const char *bomiot__nonempty(const char *text, const char *otherwise)
{
    return text && *text ? text : otherwise;
}

/* The version string of member "version" of the object member key, or "". */
static void bomiot__version_of(const char *json, const char *key, char *out, size_t size)
{
    if (!bomiot__string(bomiot__member(bomiot__member(json, key), "version"), out, size))
        out[0] = '\0';
}

/* The fields of a --status --json object json into out (json itself is the caller's). */
static void bomiot__read_status(const char *json, bomiot_status_info *out)
{
    const char *check = bomiot__member(json, "check");
    out->schema = (int)bomiot__integer(bomiot__member(json, "schema"), 0);
    if (!bomiot__string(bomiot__member(json, "current"), out->current, sizeof out->current))
        out->current[0] = '\0';
    bomiot__version_of(json, "running", out->running, sizeof out->running);
    bomiot__version_of(json, "staged", out->staged, sizeof out->staged);
    bomiot__version_of(json, "trial", out->trial, sizeof out->trial);
    out->staged_size = out->staged[0] ? bomiot__integer(bomiot__member(bomiot__member(json, "staged"), "size"), -1) : -1;
    if (!bomiot__string(bomiot__member(check, "stage"), out->check_stage, sizeof out->check_stage))
        out->check_stage[0] = '\0';
    out->check_bytes = bomiot__integer(bomiot__member(check, "bytes"), -1);
    out->check_total = bomiot__integer(bomiot__member(check, "total"), -1);
}

int bomiot_status(const char *launcher, bomiot_status_info *out, bomiot_error *err)
{
    static const char *const args[] = {"--status", "--json"};
    bomiot__output o = BOMIOT__ZERO;
    char path[4096], errtext[1024], message[512] = "";
    int rc, status = -1;

    memset(out, 0, sizeof *out);
    out->staged_size = out->check_bytes = out->check_total = -1;
    if ((rc = bomiot__launcher(launcher, path, sizeof path, err)) != BOMIOT_OK)
        return rc;
    if ((rc = bomiot__run(path, args, 2, &o, &status, errtext, sizeof errtext, err)) != BOMIOT_OK) {
        free(o.data);
        return rc;
    }
    out->json = o.data;
    if (*bomiot__ws(o.data) != '{' || !bomiot__skip(o.data, 0))
        return bomiot__fail(err, BOMIOT_E_LAUNCHER, status,
                            "bomiot-launcher --status --json exited with %d and printed no JSON object: %s", status,
                            bomiot__nonempty(errtext, "(nothing on stderr)"));
    if (bomiot__string(bomiot__member(o.data, "error"), message, sizeof message) || status != 0)
        return bomiot__fail(err, BOMIOT_E_LAUNCHER, status, "%s",
                            bomiot__nonempty(message, bomiot__nonempty(errtext, "bomiot-launcher --status failed")));
    bomiot__read_status(o.data, out);
    return BOMIOT_OK;
}

void bomiot_status_free(bomiot_status_info *st)
{
    if (st) {
        free(st->json);
        st->json = NULL;
    }
}

typedef struct {
    bomiot_progress_fn progress;
    void *ctx;
    bomiot_event last; /* the last event line: the final one once the launcher is done */
    int have_last;
} bomiot__check_state;

static void bomiot__check_line(char *line, void *ctx)
{
    bomiot__check_state *st = (bomiot__check_state *)ctx;
    bomiot_event ev;
    double v;
    memset(&ev, 0, sizeof ev);
    if (!bomiot__string(bomiot__member(line, "event"), ev.event, sizeof ev.event))
        return; /* not an event line: ignored, as later launchers may print more */
    ev.json = line;
    bomiot__string(bomiot__member(line, "version"), ev.version, sizeof ev.version);
    bomiot__string(bomiot__member(line, "error"), ev.error, sizeof ev.error);
    ev.bytes = bomiot__integer(bomiot__member(line, "bytes"), -1);
    ev.total = bomiot__integer(bomiot__member(line, "total"), -1);
    ev.rate = bomiot__number(bomiot__member(line, "rate"), &v) ? v : -1;
    if (st->progress)
        st->progress(&ev, st->ctx);
    ev.json = NULL; /* the line does not outlive the callback */
    st->last = ev;
    st->have_last = 1;
}

const char *bomiot_check_state_name(bomiot_check_state state)
{
    return state == BOMIOT_STAGED ? "staged" : state == BOMIOT_AVAILABLE ? "available" : "up-to-date";
}

int bomiot_check(const char *launcher, bomiot_progress_fn progress, void *ctx, bomiot_check_result *out,
                 bomiot_error *err)
{
    static const char *const args[] = {"--check", "--json"};
    bomiot__check_state st;
    bomiot__output o = BOMIOT__ZERO;
    char path[4096], errtext[1024];
    const char *message;
    int rc, status = -1;

    memset(&st, 0, sizeof st);
    memset(out, 0, sizeof *out);
    st.progress = progress;
    st.ctx = ctx;
    o.on_line = bomiot__check_line;
    o.ctx = &st;
    if ((rc = bomiot__launcher(launcher, path, sizeof path, err)) != BOMIOT_OK)
        return rc;
    rc = bomiot__run(path, args, 2, &o, &status, errtext, sizeof errtext, err);
    if (rc == BOMIOT_OK && o.line_start < o.len) /* a last line without its newline */
        bomiot__check_line(o.data + o.line_start, &st);
    free(o.data);
    if (rc != BOMIOT_OK)
        return rc;
    message = bomiot__nonempty(st.have_last ? st.last.error : NULL, errtext);
    switch (status) {
    case 0: case 10: case 12:
        out->state = status == 10 ? BOMIOT_STAGED : status == 12 ? BOMIOT_AVAILABLE : BOMIOT_UP_TO_DATE;
        bomiot__copy(out->version, sizeof out->version, st.have_last ? st.last.version : "");
        return BOMIOT_OK;
    case 11:
        return bomiot__fail(err, BOMIOT_E_BUSY, status, "%s", bomiot__nonempty(message,
                            "another bomiot-launcher is updating this installation; try again in a moment"));
    case 1:
        return bomiot__fail(err, BOMIOT_E_CHECK_FAILED, status, "%s",
                            bomiot__nonempty(message, "the update check failed (see the launcher's cache/update.log)"));
    default:
        return bomiot__fail(err, BOMIOT_E_LAUNCHER, status, "bomiot-launcher --check exited with %d: %s", status,
                            bomiot__nonempty(message, "(no message)"));
    }
}

int bomiot_update_ready(const char *launcher, char *version, size_t size, bomiot_error *err)
{
    bomiot_status_info st;
    int rc = bomiot_status(launcher, &st, err);
    if (size)
        version[0] = '\0';
    if (rc == BOMIOT_OK)
        bomiot__copy(version, size, st.staged);
    bomiot_status_free(&st);
    return rc;
}

int bomiot_restart_to_update(const char *launcher, int argc, char **argv, int *exit_code, bomiot_error *err)
{
    bomiot_status_info st;
    char path[4096], mode[16], code[16], pid[32];
    const char **args = NULL;
    int rc, i;

    *exit_code = 0;
    if ((rc = bomiot__launcher(launcher, path, sizeof path, err)) != BOMIOT_OK)
        return rc;
    rc = bomiot_status(path, &st, err);
    if (rc == BOMIOT_OK && !st.staged[0])
        rc = bomiot__fail(err, BOMIOT_E_NOTHING_STAGED, -1,
                          "no update is staged to restart into (the installed version %s is the newest here): check "
                          "for one first", bomiot__nonempty(st.current, "(none)"));
    bomiot_status_free(&st);
    if (rc != BOMIOT_OK)
        return rc;
    if (bomiot__getenv("BOMIOT_LAUNCH_MODE", mode, sizeof mode) && strcmp(mode, "supervise") == 0) {
        int n = bomiot__getenv("BOMIOT_RESTART_EXIT_CODE", code, sizeof code) ? atoi(code) : 0;
        *exit_code = n >= 1 && n <= 254 ? n : BOMIOT_DEFAULT_RESTART_EXIT_CODE;
        return BOMIOT_OK;
    }
    if (argc < 1)
        argc = 1; /* argv[0] is the app itself, never passed on */
    if (!(args = (const char **)malloc(((size_t)argc + 2) * sizeof *args)))
        return bomiot__fail(err, BOMIOT_E_SYSTEM, -1, "out of memory");
    snprintf(pid, sizeof pid, "%ld", bomiot__pid());
    args[0] = "--restart-after";
    args[1] = pid;
    args[2] = "--";
    for (i = 1; i < argc; i++)
        args[i + 2] = argv[i];
    rc = bomiot__spawn_detached(path, args, argc + 2, err);
    free((void *)args);
    return rc;
}

int bomiot_confirm_healthy(bomiot_error *err)
{
    char path[4096];
    if (!bomiot__getenv("BOMIOT_HEALTH_FILE", path, sizeof path) || !path[0])
        return bomiot__fail(err, BOMIOT_E_NOT_LAUNCHED, -1,
                            "this app was not started by bomiot-launcher (BOMIOT_HEALTH_FILE is not set): "
                            "there is no trial to confirm");
    if (bomiot__touch(path) != 0)
        return bomiot__fail(err, BOMIOT_E_SYSTEM, -1,
                            "cannot write the health file %s (is the installation's cache folder writable?)", path);
    return BOMIOT_OK;
}

#endif /* BOMIOT_LAUNCHER_IMPLEMENTATION */
#endif /* BOMIOT_LAUNCHER_H */

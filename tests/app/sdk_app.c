/* SPDX-License-Identifier: Apache-2.0 */
/* A native app built on sdk/c/bomiot_launcher.h, for tests/integration/test_app_sdk.py
 * (its twin in Python is written by that test, on sdk/python/bomiot_launcher.py:
 * both take the same arguments and write the same report).
 *   --report=FILE              append what it does to FILE, one key=value a line
 *   --launcher=PATH            the launcher to ask (default: BOMIOT_LAUNCHER)
 *   --on=VERSION:ACTION,...    the actions this app does when it is VERSION (so
 *                              that the version it restarts into does not do them again):
 *     status       status.current= .staged= .staged_size= .running= .trial=
 *     ready        the staged version once: ready=V ("" if none)
 *     wait-ready   poll the staged version every 100 ms (60 s at most): ready=V
 *     check        event=<each line>, then check=STATE VERSION
 *     restart      restart=CODE, then exit with CODE
 *     confirm      confirmed=1
 *     hold         wait until the file <report>.go exists (the test's cue)
 *     exit-N       exit with N
 * A call that fails writes error=KIND EXIT_CODE MESSAGE (KIND as the Python
 * module's exception names) and the app goes on with the next action.
 * Every run first writes version=, argN= (hex) for each argument, env=NAME=VALUE
 * for each BOMIOT_* variable it was given, and launched=0|1. */
#define BOMIOT_LAUNCHER_IMPLEMENTATION
#include "../../sdk/c/bomiot_launcher.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <wchar.h>
#include <windows.h>
static void sleep_ms(unsigned ms)
{
    Sleep(ms);
}
#else
#include <time.h>
static void sleep_ms(unsigned ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}
#endif

static const char *report_path;

#if defined(__GNUC__) || defined(__clang__)
#define BL_SDK_APP_PRINTF __attribute__((format(printf, 1, 2)))
#else
#define BL_SDK_APP_PRINTF
#endif

static void report(const char *fmt, ...) BL_SDK_APP_PRINTF;
static void report(const char *fmt, ...)
{
    va_list ap;
    FILE *f = report_path ? fopen(report_path, "a") : NULL;
    if (!f)
        return;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}

static const char *kind(int code)
{
    switch (code) {
    case BOMIOT_E_NOT_LAUNCHED: return "NotLaunched";
    case BOMIOT_E_BUSY: return "Busy";
    case BOMIOT_E_CHECK_FAILED: return "CheckFailed";
    case BOMIOT_E_NOTHING_STAGED: return "NothingStaged";
    default: return "LauncherError";
    }
}

static void report_error(int code, const bomiot_error *err)
{
    char line[sizeof err->message];
    size_t i;
    for (i = 0; i < sizeof line - 1 && err->message[i]; i++) /* one report line */
        line[i] = err->message[i] == '\n' || err->message[i] == '\r' ? ' ' : err->message[i];
    line[i] = '\0';
    report("error=%s %d %s", kind(code), err->exit_code, line);
}

static void read_version(const char *argv0, char *out, size_t size)
{
    char path[4096];
    const char *slash = strrchr(argv0, '/'), *backslash = strrchr(argv0, '\\');
    FILE *f;
    if (backslash > slash)
        slash = backslash;
    snprintf(path, sizeof path, "%.*sversion.txt", slash ? (int)(slash - argv0 + 1) : 0, argv0);
    snprintf(out, size, "unknown");
    if ((f = fopen(path, "r")) != NULL) {
        if (fgets(out, (int)size, f))
            out[strcspn(out, "\r\n")] = '\0';
        fclose(f);
    }
}

/* The BOMIOT_* variables, in the report's env=NAME=VALUE lines. */
static void report_env(void)
{
#ifdef _WIN32
    wchar_t *block = GetEnvironmentStringsW(), *w;
    char line[8192];
    for (w = block; w && *w; w += wcslen(w) + 1)
        if (wcsncmp(w, L"BOMIOT_", 7) == 0 &&
            WideCharToMultiByte(CP_UTF8, 0, w, -1, line, (int)sizeof line, NULL, NULL) > 0)
            report("env=%s", line);
    if (block)
        FreeEnvironmentStringsW(block);
#else
    char **e;
    for (e = environ; *e; e++)
        if (strncmp(*e, "BOMIOT_", 7) == 0)
            report("env=%s", *e);
#endif
}

static void on_event(const bomiot_event *event, void *ctx)
{
    (void)ctx;
    report("event=%s", event->json);
}

static void wait_file(const char *path)
{
    FILE *f;
    while ((f = fopen(path, "r")) == NULL)
        sleep_ms(50);
    fclose(f);
}

/* Does one action; returns -1 to go on, or the code to exit with. */
static int act(const char *action, const char *launcher, int argc, char **argv)
{
    bomiot_error err;
    int rc, code;
    if (strcmp(action, "status") == 0) {
        bomiot_status_info st;
        if ((rc = bomiot_status(launcher, &st, &err)) != BOMIOT_OK)
            report_error(rc, &err);
        else
            report("status.current=%s\nstatus.staged=%s\nstatus.staged_size=%lld\nstatus.running=%s\nstatus.trial=%s",
                   st.current, st.staged, st.staged_size, st.running, st.trial);
        bomiot_status_free(&st);
    } else if (strcmp(action, "ready") == 0) {
        char version[BOMIOT_VERSION_MAX];
        if ((rc = bomiot_update_ready(launcher, version, sizeof version, &err)) != BOMIOT_OK)
            report_error(rc, &err);
        else
            report("ready=%s", version);
    } else if (strcmp(action, "wait-ready") == 0) {
        char version[BOMIOT_VERSION_MAX] = "";
        int i;
        for (i = 0; i < 600 && !version[0]; i++) {
            if ((rc = bomiot_update_ready(launcher, version, sizeof version, &err)) != BOMIOT_OK) {
                report_error(rc, &err);
                return -1;
            }
            if (!version[0])
                sleep_ms(100);
        }
        report("ready=%s", version);
    } else if (strcmp(action, "check") == 0) {
        bomiot_check_result result;
        if ((rc = bomiot_check(launcher, on_event, NULL, &result, &err)) != BOMIOT_OK)
            report_error(rc, &err);
        else
            report("check=%s %s", bomiot_check_state_name(result.state), result.version);
    } else if (strcmp(action, "restart") == 0) {
        if ((rc = bomiot_restart_to_update(launcher, argc, argv, &code, &err)) != BOMIOT_OK) {
            report_error(rc, &err);
            return -1;
        }
        report("restart=%d", code);
        return code;
    } else if (strcmp(action, "confirm") == 0) {
        if ((rc = bomiot_confirm_healthy(&err)) != BOMIOT_OK)
            report_error(rc, &err);
        else
            report("confirmed=1");
    } else if (strcmp(action, "hold") == 0) {
        char go[4096];
        snprintf(go, sizeof go, "%s.go", report_path ? report_path : "report");
        report("holding=1");
        wait_file(go);
    } else if (strncmp(action, "exit-", 5) == 0) {
        return atoi(action + 5);
    } else {
        report("error=usage 2 unknown action %s", action);
    }
    return -1;
}

int main(int argc, char **argv)
{
    char version[128], actions[1024] = "";
    const char *launcher = NULL;
    char *action, *next;
    int i;

    read_version(argv[0], version, sizeof version);
    for (i = 1; i < argc; i++) {
        size_t vlen = strlen(version);
        if (strncmp(argv[i], "--report=", 9) == 0)
            report_path = argv[i] + 9;
        else if (strncmp(argv[i], "--launcher=", 11) == 0)
            launcher = argv[i] + 11;
        else if (strncmp(argv[i], "--on=", 5) == 0 && strncmp(argv[i] + 5, version, vlen) == 0
                 && argv[i][5 + vlen] == ':')
            snprintf(actions, sizeof actions, "%s", argv[i] + 6 + vlen);
    }
    report("version=%s", version);
    for (i = 0; i < argc; i++) {
        const unsigned char *p = (const unsigned char *)argv[i];
        char hex[2048];
        size_t n = 0;
        for (; *p && n + 3 < sizeof hex; p++)
            n += (size_t)snprintf(hex + n, sizeof hex - n, "%02x", *p);
        hex[n] = '\0';
        report("arg%d=%s", i, hex);
    }
    report_env();
    report("launched=%d", bomiot_launched_by_launcher());
    for (action = actions; *action; action = next) {
        int code;
        next = action + strcspn(action, ",");
        if (*next)
            *next++ = '\0';
        if ((code = act(action, launcher, argc, argv)) >= 0) {
            report("exiting=%d", code);
            return code;
        }
    }
    report("exiting=0");
    return 0;
}

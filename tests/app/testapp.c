/* SPDX-License-Identifier: Apache-2.0 */
/* The stand-in app the integration tests install as versions/<v>/bomiot.
 * It reports what it was given and then does what its arguments ask:
 *   --report=FILE     write version, cwd, args and BOMIOT_* / TESTAPP_* env to FILE
 *   --exit=N          exit with N (default 0)
 *   --crash=segv|abort
 *   --sleep=MS        sleep before exiting
 *   --wait-signal     wait for SIGTERM, record it, exit 42
 *   --stamp=FILE      write a monotonic clock (ns, uv_hrtime) at entry, for bench/launch
 *   --touch-health    create the file named by BOMIOT_HEALTH_FILE, then go on
 *   --wait-file=FILE  wait until FILE exists (an update staged: cache/update-ready), then go on
 * Its version is the first line of version.txt beside the executable; more
 * arguments may come from extra-args.txt beside it (one per line), so a test
 * can make one installed version misbehave like a bad release.
 * The OS calls go through libuv so the same file builds for Windows (where
 * SIGTERM never arrives: a supervisor ends the app with TerminateProcess). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

static void on_term(uv_signal_t *handle, int sig)
{
    (void)sig;
    *(int *)handle->data = 1;
    uv_signal_stop(handle);
}

static const char *last_separator(const char *path)
{
    const char *slash = strrchr(path, '/'), *backslash = strrchr(path, '\\');
    return slash > backslash ? slash : backslash;
}

static FILE *open_beside(const char *argv0, const char *name)
{
    char path[4096];
    const char *slash = last_separator(argv0);
    snprintf(path, sizeof path, "%.*s%s", slash ? (int)(slash - argv0 + 1) : 0, argv0, name);
    return fopen(path, "r");
}

static void read_version(const char *argv0, char *out, size_t size)
{
    FILE *f;
    snprintf(out, size, "unknown");
    f = open_beside(argv0, "version.txt");
    if (f) {
        if (fgets(out, (int)size, f))
            out[strcspn(out, "\r\n")] = '\0';
        fclose(f);
    }
}

static void write_report(const char *file, const char *version, int argc, char **argv)
{
    char cwd[4096];
    size_t cwd_len = sizeof cwd;
    uv_env_item_t *env = NULL;
    int i, env_count = 0;
    FILE *f = fopen(file, "a");
    if (!f)
        return;
    fprintf(f, "version=%s\n", version);
    fprintf(f, "ppid=%ld\n", (long)uv_os_getppid());
    fprintf(f, "cwd=%s\n", uv_cwd(cwd, &cwd_len) == 0 ? cwd : "?");
    fprintf(f, "argc=%d\n", argc);
    for (i = 0; i < argc; i++) /* hex, so any byte in an argument survives the report */
    {
        const unsigned char *p = (const unsigned char *)argv[i];
        fprintf(f, "arg%d=", i);
        while (*p)
            fprintf(f, "%02x", *p++);
        fprintf(f, "\n");
    }
#ifdef __linux__
    { /* the signals it started with ignored and blocked (hex masks) */
        char line[256];
        FILE *status = fopen("/proc/self/status", "r");
        while (status && fgets(line, sizeof line, status)) {
            if (strncmp(line, "SigIgn:", 7) == 0 || strncmp(line, "SigBlk:", 7) == 0)
                fprintf(f, "%.6s=%s", line, line + 8 + strspn(line + 8, " \t"));
        }
        if (status)
            fclose(status);
    }
#endif
    if (uv_os_environ(&env, &env_count) == 0) {
        for (i = 0; i < env_count; i++) {
            if (strncmp(env[i].name, "TESTAPP_", 8) == 0 || strncmp(env[i].name, "BOMIOT_", 7) == 0)
                fprintf(f, "env=%s=%s\n", env[i].name, env[i].value);
        }
        uv_os_free_environ(env, env_count);
    }
    fclose(f);
}

/* argv plus the lines of extra-args.txt; they live until exit (static, so a
 * leak checker sees them as reachable). */
static char lines[16][256];
static char *merged[256 + 17];

static char **all_args(int argc, char **argv, int *count)
{
    char **out = merged;
    FILE *f = open_beside(argv[0], "extra-args.txt");
    int n = 0, i;
    for (i = 0; i < argc && i < 256; i++)
        out[n++] = argv[i];
    for (i = 0; f && i < 16 && fgets(lines[i], sizeof lines[i], f); i++) {
        lines[i][strcspn(lines[i], "\r\n")] = '\0';
        out[n++] = lines[i];
    }
    if (f)
        fclose(f);
    *count = n;
    return out;
}

int main(int argc, char **argv)
{
    uint64_t entry = uv_hrtime();
    char version[128];
    int i, code = 0, wait_signal = 0, touch_health = 0, nargs;
    long sleep_ms = 0;
    const char *crash = NULL, *report = NULL, *stamp = NULL, *wait_file = NULL;
    char **args;

    args = all_args(argc, argv, &nargs);
    for (i = 1; i < nargs; i++) {
        if (strncmp(args[i], "--stamp=", 8) == 0)
            stamp = args[i] + 8;
        else if (strncmp(args[i], "--report=", 9) == 0)
            report = args[i] + 9;
        else if (strncmp(args[i], "--exit=", 7) == 0)
            code = atoi(args[i] + 7);
        else if (strncmp(args[i], "--crash=", 8) == 0)
            crash = args[i] + 8;
        else if (strncmp(args[i], "--sleep=", 8) == 0)
            sleep_ms = atol(args[i] + 8);
        else if (strcmp(args[i], "--wait-signal") == 0)
            wait_signal = 1;
        else if (strcmp(args[i], "--touch-health") == 0)
            touch_health = 1;
        else if (strncmp(args[i], "--wait-file=", 12) == 0)
            wait_file = args[i] + 12;
    }
    if (stamp) {
        FILE *f = fopen(stamp, "w");
        if (f) {
            fprintf(f, "%llu\n", (unsigned long long)entry);
            fclose(f);
        }
        return 0;
    }
    read_version(argv[0], version, sizeof version);
    printf("testapp %s", version);
    for (i = 1; i < argc; i++)
        printf(" [%s]", argv[i]);
    printf("\n");
    fflush(stdout);
    if (report)
        write_report(report, version, argc, argv);
    if (touch_health && getenv("BOMIOT_HEALTH_FILE")) {
        FILE *f = fopen(getenv("BOMIOT_HEALTH_FILE"), "w");
        if (f)
            fclose(f);
    }
    if (wait_file) {
        uv_fs_t req;
        while (uv_fs_stat(NULL, &req, wait_file, NULL) != 0) {
            uv_fs_req_cleanup(&req);
            uv_sleep(50);
        }
        uv_fs_req_cleanup(&req);
    }
    if (wait_signal) {
        uv_signal_t term;
        int got_term = 0;
        uv_signal_init(uv_default_loop(), &term);
        term.data = &got_term;
        uv_signal_start(&term, on_term, SIGTERM);
        if (report) { /* tell the test we are ready for the signal */
            FILE *f = fopen(report, "a");
            if (f) {
                fprintf(f, "ready\n");
                fclose(f);
            }
        }
        while (!got_term)
            uv_run(uv_default_loop(), UV_RUN_ONCE);
        if (report) {
            FILE *f = fopen(report, "a");
            if (f) {
                fprintf(f, "got=SIGTERM\n");
                fclose(f);
            }
        }
        return 42;
    }
    if (sleep_ms > 0)
        uv_sleep((unsigned int)sleep_ms);
    if (crash && strcmp(crash, "segv") == 0)
        raise(SIGSEGV);
    if (crash && strcmp(crash, "abort") == 0)
        abort();
    return code;
}

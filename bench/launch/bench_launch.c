/* SPDX-License-Identifier: Apache-2.0 */
/* bench-launch: how long a user waits from starting a program to the app's
 * first instruction. For each run it reads CLOCK_MONOTONIC, spawns the
 * command with --stamp=FILE appended, and subtracts from the time the app
 * (tests/app/testapp.c) wrote at the top of main(). Runs alternate between
 * the commands, in a random order each round, so drift and the command
 * before affect them alike.
 *   bench-launch RUNS NAME=COMMAND [NAME=COMMAND...]
 * Prints min, median, p90 and mean per command, in microseconds. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_COMMANDS 8

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int compare_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* Returns the wait in ns, or -1. */
static long long one_run(const char *command, const char *stamp_file)
{
    char stamp_arg[4200];
    char *argv[3];
    long long start, stamp = -1;
    pid_t pid;
    int status;
    FILE *f;

    unlink(stamp_file);
    snprintf(stamp_arg, sizeof stamp_arg, "--stamp=%s", stamp_file);
    argv[0] = (char *)command;
    argv[1] = stamp_arg;
    argv[2] = NULL;
    start = now_ns();
    if (posix_spawn(&pid, command, NULL, NULL, argv, environ) != 0)
        return -1;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    f = fopen(stamp_file, "r");
    if (!f || fscanf(f, "%lld", &stamp) != 1)
        stamp = -1;
    if (f)
        fclose(f);
    return stamp < 0 ? -1 : stamp - start;
}

int main(int argc, char **argv)
{
    const char *names[MAX_COMMANDS], *commands[MAX_COMMANDS];
    long long *samples[MAX_COMMANDS];
    char stamp_file[256];
    unsigned long long seed = 1;
    int runs, n = 0, i, r;

    if (argc < 3) {
        fprintf(stderr, "usage: bench-launch RUNS NAME=COMMAND [NAME=COMMAND...]\n");
        return 2;
    }
    runs = atoi(argv[1]);
    for (i = 2; i < argc && n < MAX_COMMANDS; i++, n++) {
        char *eq = strchr(argv[i], '=');
        if (!eq || runs <= 0) {
            fprintf(stderr, "bad argument %s\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        names[n] = argv[i];
        commands[n] = eq + 1;
        samples[n] = calloc((size_t)runs, sizeof(long long));
        if (!samples[n])
            return 1;
    }
    snprintf(stamp_file, sizeof stamp_file, "/tmp/bench-launch-%ld.stamp", (long)getpid());
    for (i = 0; i < n; i++) /* warm the page cache */
        one_run(commands[i], stamp_file);
    for (r = 0; r < runs; r++) {
        /* Each round runs the commands in a new random order (a fixed seed:
         * the same orders every time). A command's time depends on the one
         * before it (a supervising launcher's exit still being reaped on
         * the other core, say: up to 0.2 ms here), so each must follow
         * every other equally often. */
        int order[MAX_COMMANDS], k;
        for (k = 0; k < n; k++)
            order[k] = k;
        for (k = n - 1; k > 0; k--) {
            int j, t;
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            j = (int)((seed >> 33) % (unsigned long long)(k + 1));
            t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        for (k = 0; k < n; k++) {
            i = order[k];
            samples[i][r] = one_run(commands[i], stamp_file);
            if (samples[i][r] < 0) {
                fprintf(stderr, "%s: run %d failed\n", names[i], r);
                return 1;
            }
        }
    }
    printf("%-12s %8s %10s %10s %10s %10s   (microseconds, %d runs)\n", "command", "", "min",
           "median", "p90", "mean", runs);
    for (i = 0; i < n; i++) {
        long long sum = 0;
        for (r = 0; r < runs; r++)
            sum += samples[i][r];
        qsort(samples[i], (size_t)runs, sizeof(long long), compare_ll);
        printf("%-12s %8s %10.1f %10.1f %10.1f %10.1f\n", names[i], "", samples[i][0] / 1e3,
               samples[i][runs / 2] / 1e3, samples[i][runs * 9 / 10] / 1e3, sum / 1e3 / runs);
        free(samples[i]);
    }
    unlink(stamp_file);
    return 0;
}

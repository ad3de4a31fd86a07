/* SPDX-License-Identifier: Apache-2.0 */
/* bench-exec-floor: the least any launcher that execs the app must cost, a
 * second process image and nothing else. It execs versions/1.0.0/bomiot
 * beside itself with its own arguments: no config, no state, no log, no lock.
 * bench/launch/run.sh installs it like the launcher, so the difference
 * between the two is the launcher's own work. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char app[PATH_MAX];
    const char *slash = strrchr(argv[0], '/');
    int dir_len = slash ? (int)(slash - argv[0]) : 1;
    (void)argc;
    if (snprintf(app, sizeof app, "%.*s/versions/1.0.0/bomiot", dir_len, slash ? argv[0] : ".") >= (int)sizeof app)
        return 126;
    argv[0] = app;
    execv(app, argv);
    perror(app);
    return 127;
}

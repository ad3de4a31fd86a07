/* SPDX-License-Identifier: Apache-2.0 */
/* bench-exec-floor-json: the least a launcher that knows anything can cost.
 * Beyond bench-exec-floor's execv it does what no launcher can skip: reads
 * and parses launcher.json and state.json with cJSON (a shared library to
 * load, as the launcher loads it), takes the lock, appends one line to a log,
 * then execs versions/1.0.0/bomiot beside itself. No error handling worth
 * the name: it measures, it does not launch anything for a user. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static cJSON *load(int dir_len, const char *dir, const char *name)
{
    char path[PATH_MAX], text[4096];
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "%.*s/%s", dir_len, dir, name);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return NULL;
    n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n < 0)
        return NULL;
    text[n] = '\0';
    return cJSON_Parse(text);
}

int main(int argc, char **argv)
{
    char path[PATH_MAX];
    const char *slash = strrchr(argv[0], '/');
    int dir_len = slash ? (int)(slash - argv[0]) : 1, lock, log;
    const char *dir = slash ? argv[0] : ".";
    cJSON *config = load(dir_len, dir, "launcher.json"), *state = load(dir_len, dir, "state.json");
    const cJSON *current = cJSON_GetObjectItemCaseSensitive(state, "current");

    (void)argc;
    snprintf(path, sizeof path, "%.*s/floor.lock", dir_len, dir);
    lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock >= 0)
        flock(lock, LOCK_EX | LOCK_NB);
    snprintf(path, sizeof path, "%.*s/floor.log", dir_len, dir);
    if ((log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) >= 0) {
        dprintf(log, "starting %s\n", cJSON_IsString(current) ? current->valuestring : "?");
        close(log);
    }
    cJSON_Delete(config);
    cJSON_Delete(state);
    if (snprintf(path, sizeof path, "%.*s/versions/1.0.0/bomiot", dir_len, dir) >= (int)sizeof path)
        return 126;
    argv[0] = path;
    execv(path, argv);
    perror(path);
    return 127;
}

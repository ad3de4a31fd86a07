/* SPDX-License-Identifier: Apache-2.0 */
/* bomiot-release: reads the global options, then dispatches to a verb. A new
 * verb is a new file defining a release_verb and one line in a table: this
 * file's for the delta verbs, release_repo_verbs.c's for the others. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "release.h"

/* diff and patch, here: the repository verbs come from release_repo_verbs(). */
static const release_verb *const delta_verbs[] = {&release_verb_diff, &release_verb_patch};

#define DELTA_VERB_COUNT (sizeof delta_verbs / sizeof delta_verbs[0])

static void list(FILE *out, const release_verb *const *verbs, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++)
        fprintf(out, "  %-14s %s\n                 %s\n", verbs[i]->name, verbs[i]->args, verbs[i]->summary);
}

/* The usage, with the repository verbs as loaded (NULL: none, and why in
 * err). */
static void usage(FILE *out, const release_verb *const *repo_verbs, size_t repo_count,
                  const bl_error *err)
{
    fprintf(out,
            "usage: bomiot-release [--repo DIR] [--keys DIR] <command> [args]\n\n"
            "Publishes Bomiot releases into a signed update repository (TUF metadata and\n"
            "targets in a plain folder any web server or CDN can serve).\n\n"
            "options:\n"
            "  --repo DIR  the repository folder that gets served (default ./repository,\n"
            "              env BOMIOT_RELEASE_REPO)\n"
            "  --keys DIR  the private keys and settings, never inside the repository\n"
            "              (default ./keystore, env BOMIOT_RELEASE_KEYS; verify, ls, diff and\n"
            "              patch do not read it)\n\n"
            "commands:\n");
    if (repo_verbs)
        list(out, repo_verbs, repo_count);
    list(out, delta_verbs, DELTA_VERB_COUNT);
    if (!repo_verbs)
        fprintf(out, "\nonly diff and patch can run: %s\n", err->msg);
    fprintf(out, "\nexit status: 0 success, 1 failure (the reason on stderr), 2 usage.\n");
}

static void help(FILE *out)
{
    const release_verb *const *repo_verbs;
    size_t repo_count = 0;
    bl_error err;

    bl_error_clear(&err);
    if (release_repo_verbs(&repo_verbs, &repo_count, &err) != BL_OK)
        repo_verbs = NULL;
    usage(out, repo_verbs, repo_count, &err);
}

/* Runs the verb argv[0]. */
static int run(const release_env *env, int argc, char **argv)
{
    const release_verb *const *repo_verbs;
    size_t repo_count, v;
    bl_error err;

    for (v = 0; v < DELTA_VERB_COUNT; v++)
        if (strcmp(argv[0], delta_verbs[v]->name) == 0)
            return delta_verbs[v]->run(env, argc, argv);
    bl_error_clear(&err);
    if (release_repo_verbs(&repo_verbs, &repo_count, &err) != BL_OK) {
        fprintf(stderr, "bomiot-release: cannot run '%s': %s\n", argv[0], err.msg);
        return RELEASE_FAILED;
    }
    for (v = 0; v < repo_count; v++)
        if (strcmp(argv[0], repo_verbs[v]->name) == 0)
            return repo_verbs[v]->run(env, argc, argv);
    fprintf(stderr, "bomiot-release: unknown command '%s'\n", argv[0]);
    usage(stderr, repo_verbs, repo_count, &err);
    return RELEASE_USAGE;
}

/* BOMIOT_RELEASE_NOW=<unix seconds> replaces the clock for "expires", so a
 * test can publish metadata that is already expired or about to be. */
static int read_now(int64_t *now)
{
    const char *text = getenv("BOMIOT_RELEASE_NOW");
    char *end;
    long long v;

    if (!text || !*text) {
        *now = (int64_t)time(NULL);
        return 1;
    }
    v = strtoll(text, &end, 10);
    if (*end || v < 0) {
        fprintf(stderr, "bomiot-release: BOMIOT_RELEASE_NOW='%s' is not a number of seconds\n", text);
        return 0;
    }
    *now = (int64_t)v;
    return 1;
}

int main(int argc, char **argv)
{
    release_env env;
    const char *value;
    int i = 1;

    env.repo_dir = (value = getenv("BOMIOT_RELEASE_REPO")) && *value ? value : "repository";
    env.keys_dir = (value = getenv("BOMIOT_RELEASE_KEYS")) && *value ? value : "keystore";
    if (!read_now(&env.now))
        return RELEASE_USAGE;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help(stdout);
            return RELEASE_OK;
        }
        if ((strcmp(argv[i], "--repo") == 0 || strcmp(argv[i], "--keys") == 0) && i + 1 < argc) {
            if (argv[i][2] == 'r')
                env.repo_dir = argv[i + 1];
            else
                env.keys_dir = argv[i + 1];
            i += 2;
            continue;
        }
        fprintf(stderr, "bomiot-release: unknown option '%s'\n", argv[i]);
        help(stderr);
        return RELEASE_USAGE;
    }
    if (i >= argc) {
        help(stderr);
        return RELEASE_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) {
        help(stdout);
        return RELEASE_OK;
    }
    return run(&env, argc - i, argv + i);
}

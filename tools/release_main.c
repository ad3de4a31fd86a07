/* bomiot-release: reads the global options, then dispatches to a verb. A new
 * verb is a new file defining a release_verb and one line in the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "release.h"

static const release_verb *const verbs[] = {
    &release_verb_init,   &release_verb_add,  &release_verb_rollout,
    &release_verb_keys,   &release_verb_sign, &release_verb_refresh_expiry,
    &release_verb_verify, &release_verb_ls,   &release_verb_diff,
    &release_verb_patch,
};

#define VERB_COUNT (sizeof verbs / sizeof verbs[0])

int release_usage(const release_verb *verb)
{
    fprintf(stderr, "usage: bomiot-release [--repo DIR] [--keys DIR] %s %s\n", verb->name, verb->args);
    return RELEASE_USAGE;
}

static void help(FILE *out)
{
    size_t i;

    fprintf(out,
            "usage: bomiot-release [--repo DIR] [--keys DIR] <command> [args]\n\n"
            "Publishes Bomiot releases into a signed update repository (TUF metadata and\n"
            "targets in a plain folder any web server or CDN can serve).\n\n"
            "options:\n"
            "  --repo DIR  the repository folder that gets served (default ./repository,\n"
            "              env BOMIOT_RELEASE_REPO)\n"
            "  --keys DIR  the private keys and settings, never inside the repository\n"
            "              (default ./keystore, env BOMIOT_RELEASE_KEYS)\n\n"
            "commands:\n");
    for (i = 0; i < VERB_COUNT; i++)
        fprintf(out, "  %-14s %s\n                 %s\n", verbs[i]->name, verbs[i]->args, verbs[i]->summary);
    fprintf(out, "\nexit status: 0 success, 1 failure (the reason on stderr), 2 usage.\n");
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
    size_t v;

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
    for (v = 0; v < VERB_COUNT; v++)
        if (strcmp(argv[i], verbs[v]->name) == 0)
            return verbs[v]->run(&env, argc - i, argv + i);
    fprintf(stderr, "bomiot-release: unknown command '%s'\n", argv[i]);
    help(stderr);
    return RELEASE_USAGE;
}

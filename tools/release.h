/* bomiot-release: the publisher's command-line tool. Each verb lives in its
 * own file and is listed once in release_main.c's table. */
#ifndef BL_RELEASE_H
#define BL_RELEASE_H

#include <stdint.h>

/* What every verb may need, from the global options and the environment. */
typedef struct {
    const char *repo_dir; /* --repo, BOMIOT_RELEASE_REPO, ./repository */
    const char *keys_dir; /* --keys, BOMIOT_RELEASE_KEYS, ./keystore */
    int64_t now;          /* UTC seconds: BOMIOT_RELEASE_NOW, or the clock */
} release_env;

typedef struct {
    const char *name;     /* "diff" */
    const char *args;     /* "OLD NEW PATCH", for the usage line */
    const char *summary;  /* one line for --help */
    /* argv[0] is the verb; returns the exit code */
    int (*run)(const release_env *env, int argc, char **argv);
} release_verb;

/* Exit codes shared by every verb. */
enum { RELEASE_OK = 0, RELEASE_FAILED = 1, RELEASE_USAGE = 2 };

/* Prints "usage: bomiot-release <verb> <args>" to stderr; returns RELEASE_USAGE. */
int release_usage(const release_verb *verb);

extern const release_verb release_verb_init;
extern const release_verb release_verb_add;
extern const release_verb release_verb_rollout;
extern const release_verb release_verb_keys;
extern const release_verb release_verb_sign;
extern const release_verb release_verb_refresh_expiry;
extern const release_verb release_verb_verify;
extern const release_verb release_verb_ls;
extern const release_verb release_verb_diff;
extern const release_verb release_verb_patch;

#endif
